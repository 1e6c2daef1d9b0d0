"""Load loops: closed (N callers back to back) and open (a fixed rate), and their results.

Only the measured window counts: calls started during the warm-up are not recorded, and
`on_measure` lets the caller read CPU counters at the window's edges. A call that fails with
a gRPC status is counted by code and left out of the latencies (a contention scenario's
ABORTED answers are results, not noise, so they are reported next to the throughput).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

import grpc

type Call = Callable[[], Awaitable[object]]


class RecordingCall(Protocol):
    """An open loop's call: it records its own figures into `result` if `record`."""

    def __call__(self, result: LoadResult, *, record: bool) -> Coroutine[Any, Any, None]: ...


OPEN_LOOP_GRACE_S = 2.0


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def calls(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds

    def percentile(self, p: float) -> float | None:
        return percentile(self.latencies_ms, p)

    def summary(self) -> dict[str, Any]:
        """Percentiles are None when no call was answered in the window."""
        p50, p95, p99 = (self.percentile(p) for p in (50, 95, 99))
        return {
            "calls": self.calls,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second, 1),
            "p50_ms": None if p50 is None else round(p50, 2),
            "p95_ms": None if p95 is None else round(p95, 2),
            "p99_ms": None if p99 is None else round(p99, 2),
            "errors": dict(self.errors),
        }


def percentile(values: list[float], p: float) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=1000, method="inclusive")[int(p * 10) - 1]


class Window:
    """The measured window: [start + warm-up, + duration), with hooks at both edges."""

    def __init__(self, warmup_s: float, duration_s: float) -> None:
        self.start = time.monotonic() + warmup_s
        self.stop = self.start + duration_s

    def measuring(self, at: float) -> bool:
        return self.start <= at < self.stop

    async def watch(self, on_start: Callable[[], None], on_stop: Callable[[], None]) -> None:
        await asyncio.sleep(max(0.0, self.start - time.monotonic()))
        on_start()
        await asyncio.sleep(max(0.0, self.stop - time.monotonic()))
        on_stop()


async def timed(call: Call, result: LoadResult, *, record: bool) -> object | None:
    """One call; its latency goes into `result` if `record`. None if it failed."""
    began = time.monotonic()
    try:
        reply = await call()
    except grpc.aio.AioRpcError as error:
        if record:
            result.errors[error.code().name] += 1
        return None
    if record:
        result.latencies_ms.append((time.monotonic() - began) * 1000)
    return reply


async def closed_loop(call: Call, callers: int, window: Window) -> LoadResult:
    """`callers` concurrent loops calling `call` back to back until the window closes."""
    result = LoadResult(window.stop - window.start)

    async def loop() -> None:
        while (now := time.monotonic()) < window.stop:
            await timed(call, result, record=window.measuring(now))

    await asyncio.gather(*(loop() for _ in range(callers)))
    return result


async def open_loop(call: RecordingCall, rate: float, window: Window) -> LoadResult:
    """Starts `call` at `rate` per second, whether or not earlier ones finished (so a slow
    server does not slow the offered load down); a start that falls behind schedule goes
    at once. Each call records itself into the result."""
    result = LoadResult(window.stop - window.start)
    tasks: set[asyncio.Task[None]] = set()
    began, sent = time.monotonic(), 0
    while (now := time.monotonic()) < window.stop:
        due = began + sent / rate
        if due > now:
            await asyncio.sleep(due - now)
        task = asyncio.create_task(call(result, record=window.measuring(time.monotonic())))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sent += 1
    # An overloaded server leaves a queue behind: what is not answered soon after the window
    # is given up (and counted), so that one point does not hold the run for its whole queue.
    if tasks:
        _, late = await asyncio.wait(tasks, timeout=OPEN_LOOP_GRACE_S)
        for task in late:
            task.cancel()
        if late:
            result.errors["NOT_ANSWERED_IN_GRACE"] += len(late)
            await asyncio.wait(late)
    return result
