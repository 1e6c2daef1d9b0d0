"""posts.v1 query requests → typed values: ids, enums, page sizes, tags, points in time.

Everything malformed is collected as field violations (proto field names), so one reply lists
every problem of a request.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from posts.v1 import common_pb2
from posts.v1 import query_service_pb2 as pb

from edges.grpc.context import call_context
from edges.grpc.fields import Violations
from event_contract import PostStatus
from read_side.adapters.history import Point
from read_side.adapters.visibility import Viewer

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_QUERY_LENGTH = 1000

_STATUS: dict[int, PostStatus | None] = {
    common_pb2.POST_STATUS_UNSPECIFIED: None,
    common_pb2.POST_STATUS_DRAFT: PostStatus.DRAFT,
    common_pb2.POST_STATUS_PUBLISHED: PostStatus.PUBLISHED,
    common_pb2.POST_STATUS_DELETED: PostStatus.DELETED,
}
_WITH_BODY: dict[int, bool] = {
    common_pb2.POST_VIEW_UNSPECIFIED: False,
    common_pb2.POST_VIEW_BASIC: False,
    common_pb2.POST_VIEW_FULL: True,
}


def viewer() -> Viewer:
    call = call_context()
    return Viewer.of(call.actor_id, call.roles)


def page_size(raw: int, problems: Violations) -> int:
    """AIP-158: 0 means the default, above the maximum means the maximum."""
    if raw < 0:
        problems.add("page_size", "must not be negative")
    if raw <= 0:
        return DEFAULT_PAGE_SIZE
    return min(raw, MAX_PAGE_SIZE)


def not_negative(raw: int, field: str, problems: Violations) -> int:
    if raw < 0:
        problems.add(field, "must not be negative")
    return max(raw, 0)


def with_body(raw: int, problems: Violations) -> bool:
    """True for POST_VIEW_FULL; BASIC and unset leave the body out."""
    if raw not in _WITH_BODY:
        problems.add("view", f"unknown value {raw}")
    return _WITH_BODY.get(raw, False)


def status(raw: int, problems: Violations) -> PostStatus | None:
    if raw not in _STATUS:
        problems.add("status", f"unknown value {raw}")
    return _STATUS.get(raw)


def tag(raw: str, problems: Violations) -> str | None:
    """Normalised as CreatePost normalises tags (write_side.domain.limits.normalise_tag; a unit
    test keeps the two equal), so that "Python" finds posts tagged "python"."""
    if not raw:
        return None
    _text(raw, "tag", problems)
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).lower())


def search_query(raw: str, problems: Violations) -> str:
    if not raw.strip():
        problems.add("query", "required")
    elif len(raw) > MAX_QUERY_LENGTH:
        problems.add("query", f"at most {MAX_QUERY_LENGTH} code points, got {len(raw)}")
    _text(raw, "query", problems)
    return raw


def _text(raw: str, field: str, problems: Violations) -> None:
    # PostgreSQL text can't hold NUL: sent on, it would fail the query (INTERNAL), not the input.
    if "\x00" in raw:
        problems.add(field, "must not contain NUL (U+0000)")


def instant(raw: Timestamp, field: str, problems: Violations) -> datetime:
    try:
        return raw.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        problems.add(field, "not a valid timestamp")
        return datetime.min.replace(tzinfo=UTC)


def point(request: pb.GetPostAtRequest, problems: Violations) -> Point:
    """GetPostAt's `version` or `time`, whichever the request set."""
    match request.WhichOneof("point"):
        case "version":
            if request.version < 1:
                problems.add("version", "must be at least 1")
            return request.version
        case "time":
            return instant(request.time, "time", problems)
        case _:
            problems.add("point", "required: set version or time")
            return 0
