"""Builds the grpc.aio server: servicers, health, reflection, the edge interceptor, TLS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from edges.grpc.health import HealthBoard
from edges.grpc.interceptor import EdgeInterceptor

# Replies are bounded by design (BASIC views, capped pages); 8 MiB leaves room for FULL views.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ServiceBinding:
    """A servicer and the generated function that registers it, plus its full name."""

    full_name: str
    servicer: object
    register: Callable[[Any, grpc.aio.Server], None]


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    client_ca: Path | None


def build_server(
    bindings: Sequence[ServiceBinding],
    board: HealthBoard,
    tokens: dict[str, str],
) -> grpc.aio.Server:
    server = grpc.aio.server(
        interceptors=[EdgeInterceptor(tokens)],
        options=[
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            # Two processes must never share a port silently (the second would steal calls).
            ("grpc.so_reuseport", 0),
        ],
    )
    for binding in bindings:
        binding.register(binding.servicer, server)
    health_pb2_grpc.add_HealthServicer_to_server(board.servicer, server)
    names = [b.full_name for b in bindings]
    names += [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME]
    reflection.enable_server_reflection(names, server)
    return server


def bind(server: grpc.aio.Server, address: str, tls: TlsFiles | None) -> int:
    """Binds the address and returns the port (useful with port 0 in tests)."""
    port: int
    if tls is None:
        port = server.add_insecure_port(address)
    else:
        credentials = grpc.ssl_server_credentials(
            [(tls.key.read_bytes(), tls.cert.read_bytes())],
            root_certificates=tls.client_ca.read_bytes() if tls.client_ca else None,
            require_client_auth=tls.client_ca is not None,
        )
        port = server.add_secure_port(address, credentials)
    if port == 0:
        raise OSError(f"cannot bind gRPC address {address}")
    return port
