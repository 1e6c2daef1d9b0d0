"""A small client for PostCommandService used across end-to-end tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from posts.v1 import command_service_pb2 as pb
from posts.v1 import command_service_pb2_grpc, common_pb2

from tests.conftest import auth


class Commands:
    """Calls commands as one actor (a fresh user unless given)."""

    def __init__(
        self, channel: grpc.aio.Channel, actor: uuid.UUID | None = None, roles: str = ""
    ) -> None:
        self.stub = command_service_pb2_grpc.PostCommandServiceStub(channel)
        self.actor = actor or uuid.uuid4()
        self.metadata = auth(self.actor, roles)

    async def create(
        self,
        title: str = "A title",
        body: str = "A body",
        tags: Sequence[str] = (),
        visibility: common_pb2.Visibility.ValueType = common_pb2.VISIBILITY_PUBLIC,
        request_id: str = "",
    ) -> pb.CommandResult:
        request = pb.CreatePostRequest(
            title=title, body=body, tags=list(tags), visibility=visibility, request_id=request_id
        )
        return await self.stub.CreatePost(request, metadata=self.metadata, timeout=10)

    async def edit(
        self, post_id: str, *, expected_version: int | None = None, request_id: str = "", **fields
    ) -> pb.CommandResult:
        request = pb.EditPostRequest(
            post_id=post_id,
            request_id=request_id,
            update_mask=FieldMask(paths=list(fields)),
            **fields,
        )
        if expected_version is not None:
            request.expected_version = expected_version
        return await self.stub.EditPost(request, metadata=self.metadata, timeout=10)

    async def simple(
        self, name: str, post_id: str, *, expected_version: int | None = None, request_id: str = ""
    ) -> pb.CommandResult:
        request_type = getattr(pb, f"{name}Request")
        request = request_type(post_id=post_id, request_id=request_id)
        if expected_version is not None:
            request.expected_version = expected_version
        return await getattr(self.stub, name)(request, metadata=self.metadata, timeout=10)

    async def publish(self, post_id: str, **kw) -> pb.CommandResult:
        return await self.simple("PublishPost", post_id, **kw)

    async def unpublish(self, post_id: str, **kw) -> pb.CommandResult:
        return await self.simple("UnpublishPost", post_id, **kw)

    async def delete(self, post_id: str, **kw) -> pb.CommandResult:
        return await self.simple("DeletePost", post_id, **kw)

    async def restore(self, post_id: str, **kw) -> pb.CommandResult:
        return await self.simple("RestorePost", post_id, **kw)
