"""Hold points: a process told to hold at a phase stops there, once, until SIGUSR1."""

import asyncio
import logging
import os
import signal

from edges.hold_points import NO_HOLDS, HoldPoints
from tests.support.waiting import eventually


async def test_a_hold_point_holds_at_its_phase_once_until_sigusr1(caplog):
    caplog.set_level(logging.WARNING, logger="edges.hold_points")
    holds = HoldPoints("rebuild.swap")
    await holds.reached("rebuild.replay")  # another phase: no wait

    held = asyncio.create_task(holds.reached("rebuild.swap"))
    await eventually(lambda: "held at rebuild.swap" in caplog.text)
    assert not held.done()
    os.kill(os.getpid(), signal.SIGUSR1)
    await asyncio.wait_for(held, 10)

    await asyncio.wait_for(holds.reached("rebuild.swap"), 10)  # held once only
    assert caplog.text.count("held at") == 1


async def test_no_holds_never_waits():
    await asyncio.wait_for(NO_HOLDS.reached(""), 10)
