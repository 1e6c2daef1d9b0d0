"""PostCommandService: translates requests, runs them through the CommandHandler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from google.protobuf.message import Message
from posts.v1 import command_service_pb2 as pb
from posts.v1 import command_service_pb2_grpc
from uuid_utils.compat import uuid7

from edges.grpc.context import call_context
from edges.grpc.fields import Violations
from write_side.application.handler import CommandContext, CommandHandler, CommandResult
from write_side.domain import (
    Actor,
    Command,
    CreatePost,
    DeletePost,
    DomainError,
    PublishPost,
    RestorePost,
    UnpublishPost,
)
from write_side.entrypoints import translate
from write_side.entrypoints.errors import to_service_error

SimpleCommand = Callable[[UUID], Command]


class CommandServicer(command_service_pb2_grpc.PostCommandServiceServicer):
    def __init__(self, handler: CommandHandler) -> None:
        self._handler = handler

    async def CreatePost(self, request: pb.CreatePostRequest, context: Any) -> pb.CommandResult:
        problems = Violations()
        command = CreatePost(
            post_id=uuid7(),
            title=request.title,
            body=request.body,
            tags=tuple(request.tags),
            visibility=translate.visibility(request.visibility, problems),
        )
        return await self._run("CreatePost", request, command, problems)

    async def EditPost(self, request: pb.EditPostRequest, context: Any) -> pb.CommandResult:
        problems = Violations()
        return await self._run("EditPost", request, translate.edit(request, problems), problems)

    async def PublishPost(self, request: pb.PublishPostRequest, context: Any) -> pb.CommandResult:
        return await self._simple("PublishPost", request, PublishPost)

    async def UnpublishPost(
        self, request: pb.UnpublishPostRequest, context: Any
    ) -> pb.CommandResult:
        return await self._simple("UnpublishPost", request, UnpublishPost)

    async def DeletePost(self, request: pb.DeletePostRequest, context: Any) -> pb.CommandResult:
        return await self._simple("DeletePost", request, DeletePost)

    async def RestorePost(self, request: pb.RestorePostRequest, context: Any) -> pb.CommandResult:
        return await self._simple("RestorePost", request, RestorePost)

    async def _simple(self, method: str, request: Any, make: SimpleCommand) -> pb.CommandResult:
        problems = Violations()
        command = make(translate.post_id(request.post_id, problems))
        return await self._run(method, request, command, problems)

    async def _run(
        self, method: str, request: Message, command: Command, problems: Violations
    ) -> pb.CommandResult:
        call = call_context()
        actor_id = call.require_actor()
        ctx = CommandContext(
            actor=Actor(actor_id, call.roles),
            caller=call.caller,
            request_id=translate.request_id(request.request_id, problems),  # type: ignore[attr-defined]
            expected_version=(
                translate.expected_version(request, problems)
                if request.DESCRIPTOR.fields_by_name.get("expected_version")
                else None
            ),
            fingerprint=translate.fingerprint(method, call.caller, actor_id, request),
        )
        problems.raise_if_any()
        try:
            result = await self._handler.execute(command, ctx)
        except DomainError as error:
            raise to_service_error(error) from error
        return _reply(result)


def _reply(result: CommandResult) -> pb.CommandResult:
    return pb.CommandResult(
        post_id=str(result.post_id), version=result.version, position=result.position
    )
