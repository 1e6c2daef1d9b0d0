"""The read side's own errors as gRPC statuses (DESIGN.md, "Status codes")."""

from __future__ import annotations

from uuid import UUID

import grpc

from edges.grpc.status import ServiceError


def post_not_found(post_id: UUID) -> ServiceError:
    # Also for posts that exist but that the caller may not see: existence never leaks.
    return ServiceError(grpc.StatusCode.NOT_FOUND, "POST_NOT_FOUND", f"post {post_id} not found")


def history_denied(post_id: UUID) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.PERMISSION_DENIED,
        "HISTORY_NOT_ALLOWED",
        f"only the author and moderators may read the history of post {post_id}",
    )


def point_not_found(post_id: UUID, reason: str, message: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.NOT_FOUND, reason, f"post {post_id}: {message}")


def projection_behind(post_id: UUID, min_version: int) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.UNAVAILABLE,
        "PROJECTION_BEHIND",
        f"the read model did not reach version {min_version} of post {post_id} in time; retry",
        {"post_id": str(post_id), "min_version": str(min_version)},
    )


def invalid_page_token(description: str) -> ServiceError:
    return ServiceError.invalid_argument([("page_token", description)], reason="INVALID_PAGE_TOKEN")
