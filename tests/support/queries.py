"""A small client for PostQueryService, and filling the read model without Kafka.

`project_all` applies the store's events with the projector's own writer (ProjectionWriter),
in one transaction, as the projector would: fast and deterministic, so query tests need no
relay, broker or consumer. Applying is idempotent (versions already in a row are skipped), so
calling it again after more commands projects just what is new.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
from posts.v1 import common_pb2, query_service_pb2_grpc
from posts.v1 import query_service_pb2 as pb
from sqlalchemy.ext.asyncio import AsyncEngine

from event_contract import StoredEvent
from event_contract.store import read_post, read_range
from read_side.adapters.projection import ProjectionWriter
from tests.conftest import auth

EVERYTHING = 2**62


async def project_all(
    engine: AsyncEngine, read_engine: AsyncEngine, search_config: str = "simple"
) -> int:
    """Applies every stored event to the read tables; returns how many changed a row."""
    async with engine.connect() as conn:
        events = await read_range(conn, 0, EVERYTHING, EVERYTHING)

    async def fill_gap(post_id: uuid.UUID, after: int, up_to: int) -> list[StoredEvent]:
        async with engine.connect() as conn:
            return await read_post(conn, post_id, after, up_to)

    async with read_engine.begin() as conn:
        return await ProjectionWriter(search_config).apply(conn, events, fill_gap)


class Reader:
    """Calls PostQueryService as one caller: an actor with roles, or nobody (no x-actor-id)."""

    def __init__(
        self, channel: grpc.aio.Channel, actor: uuid.UUID | None = None, roles: str = ""
    ) -> None:
        self.stub = query_service_pb2_grpc.PostQueryServiceStub(channel)
        self.actor = actor
        self.metadata = auth(actor, roles)

    async def get(self, post_id: str, **fields: Any) -> common_pb2.Post:
        request = pb.GetPostRequest(post_id=post_id, **fields)
        return await self.stub.GetPost(request, metadata=self.metadata, timeout=10)

    async def batch(self, post_ids: Sequence[str], **fields: Any) -> pb.BatchGetPostsResponse:
        request = pb.BatchGetPostsRequest(post_ids=list(post_ids), **fields)
        return await self.stub.BatchGetPosts(request, metadata=self.metadata, timeout=10)

    async def list_page(self, **fields: Any) -> pb.ListPostsResponse:
        request = pb.ListPostsRequest(**fields)
        return await self.stub.ListPosts(request, metadata=self.metadata, timeout=10)

    async def search(self, query: str, **fields: Any) -> pb.SearchPostsResponse:
        request = pb.SearchPostsRequest(query=query, **fields)
        return await self.stub.SearchPosts(request, metadata=self.metadata, timeout=10)

    async def history(self, post_id: str, **fields: Any) -> pb.GetPostHistoryResponse:
        request = pb.GetPostHistoryRequest(post_id=post_id, **fields)
        return await self.stub.GetPostHistory(request, metadata=self.metadata, timeout=10)

    async def at(self, post_id: str, **point: Any) -> common_pb2.Post:
        request = pb.GetPostAtRequest(post_id=post_id, **point)
        return await self.stub.GetPostAt(request, metadata=self.metadata, timeout=10)

    async def stats(self, author_id: object) -> pb.AuthorStats:
        request = pb.GetAuthorStatsRequest(author_id=str(author_id))
        return await self.stub.GetAuthorStats(request, metadata=self.metadata, timeout=10)

    async def list_pages(self, **fields: Any) -> AsyncIterator[pb.ListPostsResponse]:
        """Every page of a listing, following next_page_token to the end."""
        token = ""
        while True:
            page = await self.list_page(**fields, page_token=token)
            yield page
            token = page.next_page_token
            if not token:
                return

    async def list_all(self, **fields: Any) -> list[common_pb2.Post]:
        return [post async for page in self.list_pages(**fields) for post in page.posts]

    async def search_all(self, query: str, **fields: Any) -> list[common_pb2.Post]:
        posts: list[common_pb2.Post] = []
        token = ""
        while True:
            page = await self.search(query, **fields, page_token=token)
            posts.extend(page.posts)
            token = page.next_page_token
            if not token:
                return posts


def ids(posts: Sequence[common_pb2.Post]) -> list[str]:
    return [post.post_id for post in posts]
