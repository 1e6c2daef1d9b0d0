"""ViewChanges: a waiter returns as soon as its check holds, is woken by each change, re-checks
on its own when no change comes, and gives up with None at the timeout."""

import asyncio

from read_side.adapters.view_changes import ViewChanges


class Checks:
    """A check that answers `value` once `ready` and counts how often it ran."""

    def __init__(self) -> None:
        self.ready = False
        self.count = 0
        self.ran = asyncio.Event()

    async def __call__(self) -> str | None:
        self.count += 1
        self.ran.set()
        return "value" if self.ready else None


async def test_returns_at_once_when_the_check_already_holds():
    check = Checks()
    check.ready = True
    assert await ViewChanges(recheck_s=60).wait_for(check, timeout_s=60) == "value"
    assert check.count == 1


async def test_a_change_wakes_the_waiter_to_check_again():
    changes, check = ViewChanges(recheck_s=60), Checks()
    waiting = asyncio.create_task(changes.wait_for(check, timeout_s=60))
    await check.ran.wait()

    check.ready = True
    changes.fire()

    assert await asyncio.wait_for(waiting, timeout=5) == "value"
    assert check.count == 2


async def test_a_change_between_the_check_and_the_wait_is_not_lost():
    changes = ViewChanges(recheck_s=60)
    calls = 0

    async def check_then_change() -> str | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            changes.fire()  # lands after this check read the model, before the wait begins
            return None
        return "value"

    assert await asyncio.wait_for(changes.wait_for(check_then_change, timeout_s=60), 5) == "value"


async def test_without_changes_the_waiter_rechecks_on_its_own():
    changes, check = ViewChanges(recheck_s=0.01), Checks()
    waiting = asyncio.create_task(changes.wait_for(check, timeout_s=60))
    await check.ran.wait()

    check.ready = True  # no fire(): as if the notification were lost

    assert await asyncio.wait_for(waiting, timeout=5) == "value"


async def test_gives_up_with_none_after_a_last_check_at_the_timeout():
    check = Checks()
    assert await ViewChanges(recheck_s=60).wait_for(check, timeout_s=0.05) is None
    assert check.count == 2  # the first, and the last one at the deadline


async def test_a_zero_timeout_checks_once():
    check = Checks()
    assert await ViewChanges(recheck_s=60).wait_for(check, timeout_s=0) is None
    assert check.count == 1
