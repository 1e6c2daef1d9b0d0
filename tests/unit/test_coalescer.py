"""Coalescer: batches follow the load, outcomes reach their own callers, cancelled items are
never run."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from edges.coalescer import Coalescer, Outcome


async def settle() -> None:
    """Lets every ready task run as far as it can."""
    for _ in range(5):
        await asyncio.sleep(0)


class Recorder:
    """A run_batch that records its batches and holds each until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()

    async def __call__(self, items: Sequence[int]) -> Sequence[Outcome[int]]:
        self.batches.append(list(items))
        await self.release.wait()
        return [ValueError(i) if i < 0 else i * 10 for i in items]


async def test_an_item_alone_runs_at_once() -> None:
    run = Recorder()
    run.release.set()
    coalescer = Coalescer(run, max_batch=8, max_in_flight=1)
    assert await coalescer.submit(3) == 30
    assert run.batches == [[3]]


async def test_items_arriving_while_the_slots_are_busy_share_the_next_batch() -> None:
    run = Recorder()
    coalescer = Coalescer(run, max_batch=8, max_in_flight=1)
    first = asyncio.create_task(coalescer.submit(1))
    await settle()
    rest = [asyncio.create_task(coalescer.submit(i)) for i in range(2, 6)]
    await settle()
    assert run.batches == [[1]]
    run.release.set()
    assert await first == 10
    assert await asyncio.gather(*rest) == [20, 30, 40, 50]
    assert run.batches == [[1], [2, 3, 4, 5]]


async def test_batches_are_capped_and_run_side_by_side_up_to_max_in_flight() -> None:
    run = Recorder()
    coalescer = Coalescer(run, max_batch=2, max_in_flight=2)
    calls = [asyncio.create_task(coalescer.submit(i)) for i in range(1, 8)]
    await settle()
    # Each of the first two started a batch as it came (a free slot); the rest queued.
    assert run.batches == [[1], [2]]
    run.release.set()
    assert await asyncio.gather(*calls) == [10, 20, 30, 40, 50, 60, 70]
    assert run.batches == [[1], [2], [3, 4], [5, 6], [7]]


async def test_each_caller_gets_its_own_outcome() -> None:
    run = Recorder()
    run.release.set()
    coalescer = Coalescer(run, max_batch=8, max_in_flight=1)
    outcomes = await asyncio.gather(
        *(coalescer.submit(i) for i in (1, -2, 3)), return_exceptions=True
    )
    assert outcomes[0] == 10
    assert outcomes[2] == 30
    assert isinstance(outcomes[1], ValueError)
    assert outcomes[1].args == (-2,)
    assert run.batches == [[1], [-2, 3]]  # a failed item does not fail its batch-mate


async def test_a_failing_batch_fails_each_of_its_callers_and_the_next_batch_runs() -> None:
    calls = 0

    async def run(items: Sequence[int]) -> Sequence[Outcome[int]]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database went away")
        return list(items)

    coalescer = Coalescer(run, max_batch=8, max_in_flight=1)
    outcomes = await asyncio.gather(
        *(coalescer.submit(i) for i in (1, 2, 3)), return_exceptions=True
    )
    # [1] failed as a whole; [2, 3], queued meanwhile, ran as the next batch.
    assert isinstance(outcomes[0], ConnectionError)
    assert outcomes[1:] == [2, 3]


async def test_a_caller_cancelled_before_its_batch_started_is_never_run() -> None:
    run = Recorder()
    coalescer = Coalescer(run, max_batch=8, max_in_flight=1)
    first = asyncio.create_task(coalescer.submit(1))
    await settle()
    given_up = asyncio.create_task(coalescer.submit(2))
    kept = asyncio.create_task(coalescer.submit(3))
    await settle()
    given_up.cancel()
    run.release.set()
    assert await first == 10
    assert await kept == 30
    with pytest.raises(asyncio.CancelledError):
        await given_up
    assert run.batches == [[1], [3]]


async def test_drain_waits_for_the_running_batches() -> None:
    run = Recorder()
    coalescer = Coalescer(run, max_batch=8, max_in_flight=1)
    call = asyncio.create_task(coalescer.submit(1))
    await settle()
    draining = asyncio.create_task(coalescer.drain())
    await asyncio.sleep(0.01)
    assert not draining.done()
    run.release.set()
    await draining
    assert call.result() == 10


def test_limits_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Coalescer(Recorder(), max_batch=0, max_in_flight=1)
