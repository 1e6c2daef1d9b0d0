"""What the stages of a run share: the plan, whose CPU to count, the data they run on."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cpu import Roles
from bench.harness import REPO
from bench.plan import Plan


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# The server under test and the ceiling servers: POST_SERVICE_BENCH_GRPC_PORT and the port
# above it, else ports free when the run starts. Not fixed ones: gRPC binds with SO_REUSEPORT,
# so a second run (or a leftover server) on the same port would silently share the load.
_PINNED = os.environ.get("POST_SERVICE_BENCH_GRPC_PORT")
SERVER_PORT = int(_PINNED) if _PINNED else _free_port()
CEILING_PORT = SERVER_PORT + 1 if _PINNED else _free_port()


@dataclass(frozen=True)
class Context:
    plan: Plan
    # PostgreSQL and Kafka; each stage adds its own processes.
    roles: Roles
    # The store of scenario 5's backlog, projected: what queries and commands run on.
    database: str
    topic: str
    dataset: Path


def run_json(module: str, *args: str) -> dict[str, Any]:
    """`python -m <module> <args>` in its own process; its last stdout line, as JSON."""
    command = [sys.executable, "-m", module, *args]
    done = subprocess.run(command, cwd=REPO, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
