"""Coalescing concurrent calls into batches: group commit for appends, one query for many reads.

While fewer than `max_in_flight` batches run, a submitted item starts a batch at once, so an
idle service adds no latency and no timer. While all of them run, items queue, and the next
free slot takes up to `max_batch` of them together: the batch size follows the load, 1 when
calls arrive one at a time, larger exactly when the database is what they wait for. The
per-transaction costs (a connection checkout, BEGIN, COMMIT and its WAL flush, a round trip per
statement) are then paid once per batch instead of once per call.

An item whose caller gave up (cancelled: a deadline, a client gone) before its batch started is
dropped, never run. One already running is finished; its caller just doesn't hear the answer,
as when a call is cancelled while its own transaction commits.

It depends on nothing of ours, so any package may use it.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

type Outcome[R] = R | Exception
type RunBatch[T, R] = Callable[[Sequence[T]], Awaitable[Sequence[Outcome[R]]]]


class Coalescer[T, R]:
    def __init__(self, run_batch: RunBatch[T, R], *, max_batch: int, max_in_flight: int) -> None:
        """`run_batch` gets the items of a batch and returns one outcome per item, in order:
        the result, or the exception that item's caller gets. If it raises, every caller of
        the batch gets that exception."""
        if max_batch < 1 or max_in_flight < 1:
            raise ValueError("max_batch and max_in_flight must be at least 1")
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._max_in_flight = max_in_flight
        self._queue: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        self._start_batches()
        # Cancelling the caller cancels the future: a queued item is then dropped unrun.
        return await future

    async def drain(self) -> None:
        """Waits until every batch started or queued so far has finished (shutdown)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def _start_batches(self) -> None:
        while len(self._running) < self._max_in_flight:
            batch = self._take()
            if not batch:
                return
            # A fresh context: the batch serves several calls, so it carries none's log context.
            task = asyncio.get_running_loop().create_task(
                self._run(batch), context=contextvars.Context()
            )
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _take(self) -> list[tuple[T, asyncio.Future[R]]]:
        batch: list[tuple[T, asyncio.Future[R]]] = []
        while self._queue and len(batch) < self._max_batch:
            item, future = self._queue.popleft()
            if not future.done():  # done before it ran: its caller was cancelled
                batch.append((item, future))
        return batch

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            outcomes = await self._run_batch([item for item, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
            outcomes = [exc] * len(batch)
        if len(outcomes) != len(batch):
            error = RuntimeError(f"a batch of {len(batch)} gave {len(outcomes)} outcomes")
            outcomes = [error] * len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._start_batches()
