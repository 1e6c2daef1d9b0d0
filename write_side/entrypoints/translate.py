"""posts.v1 command messages → domain commands: ids, enums, update masks, request ids.

Everything malformed is collected as field violations (proto field names), so one reply lists
every problem of a request. Limits on lengths and tags are the domain's to check.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

from google.protobuf.message import Message
from posts.v1 import command_service_pb2 as pb
from posts.v1 import common_pb2

from edges.grpc import fields
from edges.grpc.fields import Violations
from event_contract import Visibility
from write_side.domain import EditPost

_VISIBILITY: dict[int, Visibility] = {
    common_pb2.VISIBILITY_UNSPECIFIED: Visibility.PUBLIC,
    common_pb2.VISIBILITY_PUBLIC: Visibility.PUBLIC,
    common_pb2.VISIBILITY_UNLISTED: Visibility.UNLISTED,
    common_pb2.VISIBILITY_PRIVATE: Visibility.PRIVATE,
}
EDITABLE = ("title", "body", "tags", "visibility")


def post_id(raw: str, problems: Violations) -> UUID:
    return fields.required_uuid(raw, "post_id", problems)


def request_id(raw: str, problems: Violations) -> UUID | None:
    return fields.uuid(raw, "request_id", problems, required=False)


def expected_version(request: Message, problems: Violations) -> int | None:
    if not request.HasField("expected_version"):
        return None
    value: int = request.expected_version  # type: ignore[attr-defined]
    if value < 0:
        problems.add("expected_version", "must not be negative")
    return value


def visibility(raw: int, problems: Violations) -> Visibility:
    if raw not in _VISIBILITY:
        problems.add("visibility", f"unknown value {raw}")
        return Visibility.PUBLIC
    return _VISIBILITY[raw]


def edit(request: pb.EditPostRequest, problems: Violations) -> EditPost:
    paths = list(request.update_mask.paths)
    if not paths:
        problems.add("update_mask", f"required: name the fields to set ({', '.join(EDITABLE)})")
    for i, path in enumerate(paths):
        if path not in EDITABLE:
            problems.add(f"update_mask.paths[{i}]", f"unknown field {path!r}; one of {EDITABLE}")
    chosen = set(paths)
    return EditPost(
        post_id=post_id(request.post_id, problems),
        title=request.title if "title" in chosen else None,
        body=request.body if "body" in chosen else None,
        tags=tuple(request.tags) if "tags" in chosen else None,
        visibility=visibility(request.visibility, problems) if "visibility" in chosen else None,
    )


def fingerprint(method: str, caller: str, actor: UUID, request: Message) -> bytes:
    """Identifies a request for AIP-155: method, who sent it, and every field but request_id."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("request_id")
    digest = hashlib.sha256()
    for part in (method, caller, str(actor)):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(copy.SerializeToString(deterministic=True))
    return digest.digest()
