"""CommitHorizon with a hand-written head source: streams share one refresh, a NOTIFY during a
refresh makes the next waiter refresh again, a lost NOTIFY costs only the re-check interval, an
idle server queries nothing, and closing ends waiting streams."""

import asyncio

import pytest

from read_side.adapters.commit_horizon import CommitHorizon, StreamClosedError


class FakeHead:
    """A head source whose answers the test releases one refresh at a time."""

    def __init__(self, head: int = 0) -> None:
        self.head = head
        self.calls = 0
        self.running = 0
        self.most_running = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self) -> int | None:
        self.calls += 1
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        seen = self.head  # what the refresh reads when it starts
        try:
            await self.gate.wait()
        finally:
            self.running -= 1
        return seen


async def _until(condition, within_s: float = 5) -> None:
    async with asyncio.timeout(within_s):
        while not condition():
            await asyncio.sleep(0.001)


async def test_a_known_head_above_the_position_is_answered_without_a_query():
    source = FakeHead(head=7)
    horizon = CommitHorizon(source, recheck_s=60)
    assert await horizon.beyond(0) == 7
    assert await horizon.beyond(3) == 7
    assert source.calls == 1


async def test_many_waiting_streams_share_one_refresh():
    source = FakeHead(head=5)
    source.gate.clear()
    horizon = CommitHorizon(source, recheck_s=60)
    streams = [asyncio.create_task(horizon.beyond(0)) for _ in range(50)]
    await _until(lambda: source.calls == 1)
    await asyncio.sleep(0.01)  # every stream has checked by now

    source.gate.set()

    assert await asyncio.gather(*streams) == [5] * 50
    assert source.calls == 1


async def test_an_append_notified_during_a_refresh_is_found_by_a_refresh_after_it():
    source = FakeHead(head=5)
    horizon = CommitHorizon(source, recheck_s=60)
    assert await horizon.beyond(0) == 5
    source.gate.clear()
    waiting = asyncio.create_task(horizon.beyond(5))
    horizon.fire()
    await _until(lambda: source.calls == 2)  # started; it may not see what commits next

    source.head = 6  # an append commits and NOTIFYs while that refresh runs
    horizon.fire()
    source.gate.set()

    assert await asyncio.wait_for(waiting, 5) == 6
    assert source.calls == 3
    assert source.most_running == 1  # the stale refresh was waited for, not overlapped


async def test_without_a_notify_waiting_streams_look_again_after_the_recheck_interval():
    source = FakeHead(head=5)
    horizon = CommitHorizon(source, recheck_s=0.05)
    assert await horizon.beyond(0) == 5
    waiting = asyncio.create_task(horizon.beyond(5))
    await asyncio.sleep(0.01)

    source.head = 9  # committed, but its NOTIFY was lost

    assert await asyncio.wait_for(waiting, 5) == 9


async def test_while_no_stream_waits_nothing_is_queried():
    source = FakeHead(head=5)
    horizon = CommitHorizon(source, recheck_s=0.01)
    assert await horizon.beyond(0) == 5
    for _ in range(20):
        horizon.fire()
    await asyncio.sleep(0.05)
    assert source.calls == 1


async def test_closing_ends_waiting_streams_at_once():
    horizon = CommitHorizon(FakeHead(head=5), recheck_s=60)
    waiting = asyncio.create_task(horizon.beyond(5))
    await asyncio.sleep(0.01)

    horizon.close()

    with pytest.raises(StreamClosedError):
        await asyncio.wait_for(waiting, 5)
    with pytest.raises(StreamClosedError):
        await horizon.beyond(0)


async def test_a_failed_refresh_fails_the_streams_that_waited_for_it():
    async def broken() -> int | None:
        raise ConnectionRefusedError

    with pytest.raises(ConnectionRefusedError):
        await CommitHorizon(broken, recheck_s=60).beyond(0)
