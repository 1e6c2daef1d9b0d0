"""One server interceptor: authenticates the caller, binds the call context, maps errors.

Health and reflection are exempt from auth (load balancers and grpcurl must reach them).
Every error leaves as a status with one ErrorInfo; an error nobody anticipated is INTERNAL and
logged with its traceback, because it is a bug.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import grpc

from edges.grpc.context import CallContext, current_call, parse_actor
from edges.grpc.status import ServiceError, to_rpc_status
from edges.grpc.unavailable import is_database_unavailable
from edges.logs import log_context

log = logging.getLogger(__name__)

EXEMPT_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


class EdgeInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]  # grpc is untyped
    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._tokens = dict(tokens)  # token -> caller name

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or method.startswith(EXEMPT_SERVICES):
            return handler
        metadata = {k: v for k, v in handler_call_details.invocation_metadata if isinstance(v, str)}
        return _wrap(handler, lambda: self._bind(method, metadata))

    def _bind(self, method: str, metadata: dict[str, str]) -> None:
        caller = self._authenticate(metadata.get("authorization", ""))
        log_context.set({"rpc": method, "caller": caller})
        actor_id, roles = parse_actor(metadata)
        current_call.set(CallContext(caller=caller, actor_id=actor_id, roles=roles))

    def _authenticate(self, authorization: str) -> str:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token:
            for known, caller in self._tokens.items():
                # Constant-time comparison: response timing must not reveal token prefixes.
                if hmac.compare_digest(known.encode(), token.strip().encode()):
                    return caller
        raise ServiceError(
            grpc.StatusCode.UNAUTHENTICATED,
            "UNAUTHENTICATED",
            "missing or unknown bearer token in the authorization metadata",
        )


def _as_status(exc: Exception) -> grpc.Status:
    if isinstance(exc, ServiceError):
        if exc.code == grpc.StatusCode.INTERNAL:
            log.error("internal error: %s", exc.message)
        return to_rpc_status(exc)
    if is_database_unavailable(exc):
        log.warning("database unavailable: %r", exc)
        return to_rpc_status(
            ServiceError(
                grpc.StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE", "the database is unreachable"
            )
        )
    log.error("unhandled error in RPC", exc_info=exc)
    return to_rpc_status(ServiceError(grpc.StatusCode.INTERNAL, "INTERNAL", "internal error"))


async def _abort(context: grpc.aio.ServicerContext[Any, Any], exc: Exception) -> None:
    status = _as_status(exc)
    await context.abort(status.code, status.details, status.trailing_metadata)


def _wrap(handler: grpc.RpcMethodHandler, bind: Callable[[], None]) -> grpc.RpcMethodHandler:
    if handler.unary_unary is not None:
        inner_unary = handler.unary_unary

        async def unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            try:
                bind()
                return await inner_unary(request, context)
            except grpc.aio.AbortError:
                raise
            except Exception as exc:  # noqa: BLE001 - every error must leave as a status
                await _abort(context, exc)

        return grpc.unary_unary_rpc_method_handler(
            unary, handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream is not None:
        inner_stream = handler.unary_stream

        async def stream(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            try:
                bind()
                async for item in inner_stream(request, context):
                    yield item
            except grpc.aio.AbortError:
                raise
            except Exception as exc:  # noqa: BLE001 - every error must leave as a status
                await _abort(context, exc)

        return grpc.unary_stream_rpc_method_handler(
            stream, handler.request_deserializer, handler.response_serializer
        )
    return handler  # client- and bidi-streaming RPCs: none in posts.v1
