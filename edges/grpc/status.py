"""Errors as gRPC statuses with AIP-193 details: one ErrorInfo always, BadRequest for input.

`ServiceError` is what the edge raises itself; `to_rpc_status` turns it into the status that
goes on the wire (grpc-status-details-bin), so clients read a machine-readable reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

ERROR_DOMAIN = "posts.v1"


@dataclass
class ServiceError(Exception):
    code: grpc.StatusCode
    reason: str
    message: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    violations: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @classmethod
    def invalid_argument(
        cls, violations: Iterable[tuple[str, str]], reason: str = "INVALID_ARGUMENT"
    ) -> ServiceError:
        items = tuple(violations)
        message = "; ".join(f"{f}: {d}" for f, d in items) or "invalid argument"
        return cls(grpc.StatusCode.INVALID_ARGUMENT, reason, message, violations=items)


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def to_rpc_status(error: ServiceError) -> grpc.Status:
    details = [
        _pack(
            error_details_pb2.ErrorInfo(
                reason=error.reason, domain=ERROR_DOMAIN, metadata=dict(error.metadata)
            )
        )
    ]
    if error.violations:
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                        for f, d in error.violations
                    ]
                )
            )
        )
    proto = status_pb2.Status(code=error.code.value[0], message=error.message, details=details)
    status: grpc.Status = rpc_status.to_status(proto)
    return status
