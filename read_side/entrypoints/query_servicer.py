"""PostQueryService: translates requests, runs them against the read model or the event store.

GetPost, BatchGetPosts, ListPosts, SearchPosts and GetAuthorStats read the read model;
GetPostHistory and GetPostAt read the event store (history_rpcs); the paged listings are in
listing_rpcs. Who may see what is decided in SQL for lists and BatchGetPosts, and in `can_read`
for single posts (read_side.adapters.visibility): GetPost's lookups are coalesced into one
statement for concurrent calls (post_lookup), each caller's visibility applied to its own row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from posts.v1 import common_pb2, query_service_pb2_grpc
from posts.v1 import query_service_pb2 as pb
from sqlalchemy.ext.asyncio import AsyncEngine

from edges.grpc import fields
from edges.grpc.fields import Violations
from edges.grpc.status import ServiceError
from event_contract import PostStatus
from read_side.adapters.event_reader import StoreEventReader
from read_side.adapters.history import PostHistory
from read_side.adapters.page_tokens import PageTokens
from read_side.adapters.post_lookup import PostLookup
from read_side.adapters.post_queries import PostQueries
from read_side.adapters.search_queries import SearchQueries
from read_side.adapters.stats_queries import StatsQueries
from read_side.adapters.view_changes import ViewChanges
from read_side.adapters.visibility import Viewer
from read_side.entrypoints import history_rpcs, listing_rpcs, messages, translate
from read_side.entrypoints.config import QueryConfig
from read_side.entrypoints.errors import post_not_found, projection_behind
from read_side.model import PostView

BATCH_MAX_IDS = 100
BATCH_MAX_FULL_IDS = 10
# A min_version wait ends this long before the call's deadline, so that the caller gets our
# PROJECTION_BEHIND rather than its own DEADLINE_EXCEEDED.
DEADLINE_MARGIN_S = 0.05


@dataclass(frozen=True, slots=True)
class QueryParts:
    lookup: PostLookup
    posts: PostQueries
    search: SearchQueries
    stats: StatsQueries
    history: PostHistory
    changes: ViewChanges
    tokens: PageTokens
    min_version_wait_s: float


def build_query_servicer(
    read_engine: AsyncEngine,
    write_engine: AsyncEngine,
    changes: ViewChanges,
    lookup: PostLookup,
    config: QueryConfig,
) -> QueryServicer:
    parts = QueryParts(
        lookup=lookup,
        posts=PostQueries(read_engine),
        search=SearchQueries(read_engine, config.search_config),
        stats=StatsQueries(read_engine),
        history=PostHistory(StoreEventReader(write_engine)),
        changes=changes,
        tokens=PageTokens(config.page_token_secret),
        min_version_wait_s=config.min_version_wait_s,
    )
    return QueryServicer(parts)


class QueryServicer(query_service_pb2_grpc.PostQueryServiceServicer):
    def __init__(self, parts: QueryParts) -> None:
        self._p = parts

    async def GetPost(self, request: pb.GetPostRequest, context: Any) -> common_pb2.Post:
        problems = Violations()
        post_id = fields.required_uuid(request.post_id, "post_id", problems)
        min_version = translate.not_negative(request.min_version, "min_version", problems)
        problems.raise_if_any()
        view = await self._wait_for(post_id, translate.viewer(), min_version, context)
        if view is None or (view.status is PostStatus.DELETED and not request.show_deleted):
            raise post_not_found(post_id)
        return messages.post(view, with_body=True)

    async def _wait_for(
        self, post_id: UUID, viewer: Viewer, min_version: int, context: Any
    ) -> PostView | None:
        """The post as the read model has it once it holds `min_version` (0: at once).

        The wait is for a version the caller may see (deleted ones included; show_deleted only
        filters the answer): a post the caller may not see never gets there, so the answer
        (PROJECTION_BEHIND after the wait) is the same as for a post that does not exist.
        """

        async def check() -> PostView | None:
            view = await self._p.lookup.get(post_id, viewer, show_deleted=True)
            return view if view is not None and view.version >= min_version else None

        view = await self._p.changes.wait_for(check, self._wait_bound(context, min_version))
        if view is None and min_version > 0:
            raise projection_behind(post_id, min_version)
        return view

    def _wait_bound(self, context: Any, min_version: int) -> float:
        if min_version == 0:
            return 0.0
        bound = self._p.min_version_wait_s
        remaining = context.time_remaining()
        if remaining is not None:
            bound = min(bound, remaining - DEADLINE_MARGIN_S)
        return max(bound, 0.0)

    async def BatchGetPosts(
        self, request: pb.BatchGetPostsRequest, context: Any
    ) -> pb.BatchGetPostsResponse:
        problems = Violations()
        with_body = translate.with_body(request.view, problems)
        ids = _batch_ids(request.post_ids, problems, with_body=with_body)
        problems.raise_if_any()
        found = await self._p.posts.get_many(
            list(ids), translate.viewer(), show_deleted=request.show_deleted, with_body=with_body
        )
        return pb.BatchGetPostsResponse(
            posts=[messages.post(found[i], with_body=with_body) for i in ids if i in found],
            missing_post_ids=[raw for i, raw in ids.items() if i not in found],
        )

    async def ListPosts(self, request: pb.ListPostsRequest, context: Any) -> pb.ListPostsResponse:
        return await listing_rpcs.list_posts(self._p.posts, self._p.tokens, request)

    async def SearchPosts(
        self, request: pb.SearchPostsRequest, context: Any
    ) -> pb.SearchPostsResponse:
        return await listing_rpcs.search_posts(self._p.search, self._p.tokens, request)

    async def GetPostHistory(
        self, request: pb.GetPostHistoryRequest, context: Any
    ) -> pb.GetPostHistoryResponse:
        return await history_rpcs.get_post_history(self._p.history, self._p.tokens, request)

    async def GetPostAt(self, request: pb.GetPostAtRequest, context: Any) -> common_pb2.Post:
        return await history_rpcs.get_post_at(self._p.history, request)

    async def GetAuthorStats(
        self, request: pb.GetAuthorStatsRequest, context: Any
    ) -> pb.AuthorStats:
        problems = Violations()
        author_id = fields.required_uuid(request.author_id, "author_id", problems)
        problems.raise_if_any()
        counts = await self._p.stats.author(author_id, translate.viewer())
        return messages.author_stats(counts)


def _batch_ids(raw_ids: Sequence[str], problems: Violations, *, with_body: bool) -> dict[UUID, str]:
    """Each requested id once, in request order, with the string the caller sent."""
    limit = BATCH_MAX_FULL_IDS if with_body else BATCH_MAX_IDS
    if not raw_ids:
        problems.add("post_ids", f"required: 1-{limit} post ids")
    if len(raw_ids) > limit:
        # At once, not one violation per id: the list may be huge.
        why = " with POST_VIEW_FULL" if with_body else ""
        message = f"at most {limit} ids{why}, got {len(raw_ids)}"
        raise ServiceError.invalid_argument([("post_ids", message)])
    ids: dict[UUID, str] = {}
    for index, raw in enumerate(raw_ids):
        post_id = fields.uuid(raw, f"post_ids[{index}]", problems)
        if post_id is not None:
            ids.setdefault(post_id, raw)
    return ids
