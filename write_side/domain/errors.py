"""Domain errors. Each carries a stable UPPER_SNAKE `reason` that the gRPC edge puts into
`google.rpc.ErrorInfo`; the edge maps the class to the status code.

The names follow the domain's language rather than ruff's `...Error` convention (N818).
"""

from collections.abc import Iterable
from typing import NamedTuple
from uuid import UUID


class FieldViolation(NamedTuple):
    """One `google.rpc.BadRequest.FieldViolation`: a proto field path such as `tags[3]`."""

    field: str
    description: str


class DomainError(Exception):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class InvalidInput(DomainError):  # noqa: N818 -> INVALID_ARGUMENT
    def __init__(self, violations: Iterable[FieldViolation]) -> None:
        self.violations = tuple(violations)
        summary = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(f"invalid input: {summary}", "INVALID_INPUT")


class PostNotFound(DomainError):  # noqa: N818 -> NOT_FOUND (also for posts the actor cannot see)
    def __init__(self, post_id: UUID) -> None:
        super().__init__(f"post {post_id} not found", "POST_NOT_FOUND")
        self.post_id = post_id


class PermissionDenied(DomainError):  # noqa: N818 -> PERMISSION_DENIED
    def __init__(self, post_id: UUID) -> None:
        super().__init__(f"not allowed to change post {post_id}", "PERMISSION_DENIED")
        self.post_id = post_id


class IllegalTransition(DomainError):  # noqa: N818 -> FAILED_PRECONDITION
    def __init__(self, reason: str, post_id: UUID | None = None) -> None:
        super().__init__(f"{_post(post_id)}: {reason}", reason)
        self.post_id = post_id


class AlreadyExists(DomainError):  # noqa: N818 -> ALREADY_EXISTS
    def __init__(self, post_id: UUID) -> None:
        super().__init__(f"post {post_id} already exists", "POST_ALREADY_EXISTS")
        self.post_id = post_id


class VersionConflict(DomainError):  # noqa: N818 -> ABORTED, `current_version` in ErrorInfo
    def __init__(self, expected: int, current: int, post_id: UUID | None = None) -> None:
        message = f"{_post(post_id)} is at version {current}, not {expected}"
        super().__init__(message, "VERSION_MISMATCH")
        self.post_id = post_id
        self.expected = expected
        self.current = current


def _post(post_id: UUID | None) -> str:
    return "the post" if post_id is None else f"post {post_id}"


class InconsistentHistoryError(RuntimeError):
    """A history that cannot be folded (a gap, another post's event): a bug, never user error."""
