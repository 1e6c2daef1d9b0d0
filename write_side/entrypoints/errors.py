"""Domain and application errors as gRPC statuses (DESIGN.md, "Status codes")."""

from __future__ import annotations

import grpc

from edges.grpc.status import ServiceError
from write_side.application.errors import ContentionExhausted, RequestIdReused
from write_side.domain import (
    AlreadyExists,
    DomainError,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    PostNotFound,
    VersionConflict,
)

_CODES: dict[type[DomainError], grpc.StatusCode] = {
    PostNotFound: grpc.StatusCode.NOT_FOUND,
    PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    IllegalTransition: grpc.StatusCode.FAILED_PRECONDITION,
    AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    ContentionExhausted: grpc.StatusCode.ABORTED,
}


def to_service_error(error: DomainError) -> ServiceError:
    if isinstance(error, InvalidInput):
        return ServiceError.invalid_argument(
            [(v.field, v.description) for v in error.violations], reason=error.reason
        )
    if isinstance(error, RequestIdReused):
        return ServiceError.invalid_argument(
            [("request_id", "already used for a different request")], reason=error.reason
        )
    if isinstance(error, VersionConflict):
        metadata = {"current_version": str(error.current), "expected_version": str(error.expected)}
        return ServiceError(grpc.StatusCode.ABORTED, error.reason, str(error), metadata)
    code = _CODES.get(type(error), grpc.StatusCode.INTERNAL)
    return ServiceError(code, error.reason, str(error))
