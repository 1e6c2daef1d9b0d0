"""Stage 4: freshness at fixed command rates, with the relay and the projector running.

The server, the relay and the projector each run in a process of their own, as deployed.
A rate counts as sustained when the commands of the window all completed within it (the
queue is not growing: at least 95% of the offered commands answered, none failed) and
their p99 stays under a second. Above what the machine sustains, latencies only measure a
growing queue; so when a planned rate is not sustained, the most that is gets searched for
downwards (halving, then back up half-way) and reported beside it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from posts.v1 import command_service_pb2 as cmd
from posts.v1 import command_service_pb2_grpc, query_service_pb2_grpc
from posts.v1 import query_service_pb2 as qry

from bench.calls import metadata
from bench.context import SERVER_PORT, Context
from bench.harness import server_process, service_env, service_process
from bench.points import measure

SUSTAINED_P99_MS = 1000


def sustained(point: dict[str, Any]) -> bool:
    command = point["command"]
    offered = point["rate"] * command["seconds"]
    return bool(
        command["calls"] >= 0.95 * offered
        and not command["errors"]
        and not point["errors"]
        and command["p99_ms"] is not None
        and command["p99_ms"] < SUSTAINED_P99_MS
    )


def freshness(ctx: Context, posts: list[list[str]]) -> dict[str, Any]:
    group = f"bench-{uuid.uuid4().hex[:6]}"
    env = service_env(ctx.database, events_topic=ctx.topic, projector_group_id=group)
    with (
        service_process("relay", env) as relay,
        service_process("projector", env) as projector,
        server_process(ctx.database, SERVER_PORT, events_topic=ctx.topic) as server,
    ):
        asyncio.run(_until_fresh(posts[0]))
        roles = ctx.roles.with_processes(
            server=server.pid, relay=relay.pid, projector=projector.pid
        )

        def point(rate: float, mode: str = "wait") -> dict[str, Any]:
            t = ctx.plan.freshness_timing
            result = measure(SERVER_PORT, "freshness", t, roles, ctx.dataset, rate=rate, mode=mode)
            return result | {"sustained": sustained(result)}

        points = [point(rate) for rate in ctx.plan.freshness_rates]
        best = _most_sustained(points, point, ctx.plan.freshness_search)
    return {"points": points, "most_sustained": best}


def _most_sustained(points: list[dict[str, Any]], point: Any, steps: int) -> dict[str, Any] | None:
    """The highest sustained rate among `points`, or found below the lowest that was not."""
    good = [p for p in points if p["sustained"]]
    bad = [p["rate"] for p in points if not p["sustained"]]
    if not bad or steps == 0:
        return max(good, key=lambda p: p["rate"], default=None)
    high, low = min(bad), max((p["rate"] for p in good), default=0.0)
    best = max(good, key=lambda p: p["rate"], default=None)
    for _ in range(steps):
        rate = round((high + low) / 2 if low else high / 2)
        if rate <= low:
            break
        found = point(rate)
        points.append(found)
        if found["sustained"]:
            best, low = found, rate
        else:
            high = rate
    return best


async def _until_fresh(post: list[str], within_s: float = 60) -> None:
    """The relay and the projector are up and caught up once one edit shows in a GetPost."""
    post_id, author = post
    deadline = time.monotonic() + within_s
    async with grpc.aio.insecure_channel(f"127.0.0.1:{SERVER_PORT}") as channel:
        commands = command_service_pb2_grpc.PostCommandServiceStub(channel)
        queries = query_service_pb2_grpc.PostQueryServiceStub(channel)
        edit = cmd.EditPostRequest(
            post_id=post_id, title="Warm", update_mask=FieldMask(paths=["title"])
        )
        reply = await commands.EditPost(edit, metadata=metadata(author), timeout=10)
        while time.monotonic() < deadline:
            request = qry.GetPostRequest(post_id=post_id, min_version=reply.version)
            try:
                await queries.GetPost(request, metadata=metadata(author), timeout=5)
            except grpc.aio.AioRpcError:
                continue
            return
    raise RuntimeError("the projector did not catch up within a minute")
