"""GetPostHistory and GetPostAt: a post's past, read from the event store, never behind.

Who may see it is decided on the post folded from the store (the read model may lag): the
caller must be allowed to see the post as it is now, deleted or not (as GetPost with
show_deleted), and, for GetPostAt, as it was at that point too (so an author's old draft stays
theirs even after publishing). The whole history is the author's and moderators' only: it
holds every earlier version, drafts included.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from posts.v1 import common_pb2
from posts.v1 import query_service_pb2 as pb

from edges.grpc import fields
from edges.grpc.fields import Violations
from read_side.adapters.history import Folded, PostHistory
from read_side.adapters.page_tokens import Cursor, InvalidPageTokenError, PageTokens
from read_side.adapters.visibility import Viewer, can_read
from read_side.entrypoints import messages, paging, translate
from read_side.entrypoints.errors import history_denied, point_not_found, post_not_found
from read_side.model import PostView


async def get_post_history(
    history: PostHistory, page_tokens: PageTokens, request: pb.GetPostHistoryRequest
) -> pb.GetPostHistoryResponse:
    problems = Violations()
    post_id = fields.required_uuid(request.post_id, "post_id", problems)
    size = translate.page_size(request.page_size, problems)
    problems.raise_if_any()
    tokens = paging.Tokens(page_tokens, {"rpc": "GetPostHistory", "post_id": str(post_id)})
    after = tokens.cursor(request.page_token, _load_version) or 0
    folded = await history.page(post_id, after, size + 1)
    viewer = translate.viewer()
    now = _visible_now(folded, viewer, post_id)
    if not viewer.sees_everything_of(now.author_id):
        raise history_denied(post_id)
    rows = [(e, messages.event(e)) for e in folded.page]
    page = paging.fill(rows, size, paging.weigh_reply)
    return pb.GetPostHistoryResponse(
        events=[message for _, message in page.items],
        next_page_token=tokens.next(page, lambda row: {"v": row[0].metadata.version}),
    )


async def get_post_at(history: PostHistory, request: pb.GetPostAtRequest) -> common_pb2.Post:
    problems = Violations()
    post_id = fields.required_uuid(request.post_id, "post_id", problems)
    point = translate.point(request, problems)
    problems.raise_if_any()
    folded = await history.at(post_id, point)
    viewer = translate.viewer()
    now = _visible_now(folded, viewer, post_id)
    if isinstance(point, int) and point > now.version:
        raise point_not_found(post_id, "VERSION_NOT_FOUND", f"has no version {point} yet")
    if folded.then is None and isinstance(point, datetime):
        raise point_not_found(post_id, "NOT_CREATED_YET", f"did not exist at {point}")
    if folded.then is None or not can_read(folded.then, viewer, show_deleted=True):
        raise post_not_found(post_id)
    return messages.post(folded.then, with_body=True)


def _visible_now(folded: Folded, viewer: Viewer, post_id: UUID) -> PostView:
    now = folded.now
    if now is None or not can_read(now, viewer, show_deleted=True):
        raise post_not_found(post_id)
    return now


def _load_version(cursor: Cursor) -> int:
    version = cursor.get("v")
    if not isinstance(version, int) or version < 0:
        raise InvalidPageTokenError("not a page token of this server")
    return version
