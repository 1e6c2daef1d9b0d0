"""Stage 1: the ceilings, each at every concurrency the scenarios compared with it run at."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.context import CEILING_PORT, Context, run_json
from bench.harness import REPO, wait_serving
from bench.points import measure

# kind of ceiling server -> the scenario whose call it answers
CALLS = {"echo": "create", "select": "get", "insert": "create"}


@contextmanager
def ceiling_server(kind: str, database: str) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "bench.ceiling_server", f"--kind={kind}"]
    command += [f"--port={CEILING_PORT}", f"--database={database}"]
    process = subprocess.Popen(command, cwd=REPO)
    try:
        asyncio.run(wait_serving(CEILING_PORT))
        yield process
    finally:
        process.terminate()
        process.wait(30)


def server_ceilings(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """(a) echo and (c) insert at the command concurrencies and the peer's (what bounds the
    peer comparison), (b) select at the query ones."""
    results: dict[str, list[dict[str, Any]]] = {}
    commands = tuple(sorted({*ctx.plan.command_callers, ctx.plan.peer_threads}))
    for kind, scenario in CALLS.items():
        callers = ctx.plan.query_callers if kind == "select" else commands
        with ceiling_server(kind, ctx.database) as server:
            roles = ctx.roles.with_processes(server=server.pid)
            results[kind] = [
                measure(CEILING_PORT, scenario, ctx.plan.timing, roles, ctx.dataset, callers=n)
                for n in callers
            ]
    return results


def bulk_ceilings(ctx: Context, messages: int) -> dict[str, dict[str, Any]]:
    """(d) COPY into a post_view-shaped table, (e) a raw consumer draining the backlog topic."""
    pg = [f"--postmaster-pid={ctx.roles.postmaster}"]
    kafka = [f"--kafka-pid={ctx.roles.kafka}"] if ctx.roles.kafka else []
    copy = run_json(
        "bench.bulk", "copy", f"--database={ctx.database}", f"--rows={ctx.plan.copy_rows}", *pg
    )
    consume = run_json(
        "bench.bulk", "consume", f"--topic={ctx.topic}", f"--messages={messages}", *kafka
    )
    return {"copy": copy, "consume": consume}
