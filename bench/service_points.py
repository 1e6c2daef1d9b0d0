"""Stages 2, 3 and 7: commands, queries and the peer comparison against `post-service serve`.

Queries run first, on the projected backlog as it is; the commands then change it (the mix
edits, publishes and unpublishes the dataset's posts, as their authors).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench import profiling
from bench.context import SERVER_PORT, Context, run_json
from bench.harness import server_process
from bench.plan import Timing
from bench.points import measure

QUERIES = ("get", "list_author", "list_author_deep", "list_tag", "list_tag_deep", "search")


def queries_and_commands(ctx: Context) -> dict[str, dict[str, Any]]:
    plan = ctx.plan
    with server_process(ctx.database, SERVER_PORT) as server:
        roles = ctx.roles.with_processes(server=server.pid)

        def points(scenario: str, callers: tuple[int, ...]) -> list[dict[str, Any]]:
            return [
                measure(SERVER_PORT, scenario, plan.timing, roles, ctx.dataset, callers=n)
                for n in callers
            ]

        queries = {name: points(name, plan.query_callers) for name in QUERIES}
        # CreatePost also at the peer's concurrency: scenario 7's side of ours.
        create_callers = tuple(sorted({*plan.command_callers, plan.peer_threads}))
        commands = {
            "create": points("create", create_callers),
            "mix": points("mix", plan.command_callers),
        }
        profiles = {}
        if plan.profile_s:
            callers = max(plan.command_callers)
            for scenario in ("create", "get"):
                profiles[f"{scenario}@{callers}"] = _profiled(ctx, server.pid, scenario, callers)
    return {"queries": queries, "commands": commands, "profiles": profiles}


def _profiled(ctx: Context, pid: int, scenario: str, callers: int) -> dict[str, Any]:
    """The point again, with py-spy sampling the server (which slows it: not a measurement)."""
    timing = Timing(ctx.plan.profile_s, warmup_s=1)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "profile.txt"
        spy = profiling.record(pid, ctx.plan.profile_s + 1, raw)
        measure(SERVER_PORT, scenario, timing, ctx.roles, ctx.dataset, callers=callers)
        spy.wait(60)
        return profiling.summarise(raw)


def peer(ctx: Context) -> dict[str, Any]:
    t = ctx.plan.timing
    return run_json(
        "bench.peer",
        f"--database={ctx.database}",
        f"--threads={ctx.plan.peer_threads}",
        f"--duration={t.duration_s}",
        f"--warmup={t.warmup_s}",
        f"--postmaster-pid={ctx.roles.postmaster}",
    )
