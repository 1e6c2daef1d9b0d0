"""Errors of the application layer (beyond the domain's own)."""

from uuid import UUID

from write_side.domain import DomainError


class RequestIdReused(DomainError):  # noqa: N818 -> INVALID_ARGUMENT on field request_id
    def __init__(self, request_id: UUID) -> None:
        super().__init__(
            f"request_id {request_id} was already used for a different request",
            "REQUEST_ID_REUSED",
        )
        self.request_id = request_id


class ContentionExhausted(DomainError):  # noqa: N818 -> ABORTED: the client may retry
    def __init__(self, post_id: UUID, attempts: int) -> None:
        super().__init__(
            f"post {post_id} kept changing under {attempts} attempts; retry",
            "CONCURRENCY_CONFLICT",
        )
        self.post_id = post_id
