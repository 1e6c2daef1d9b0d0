"""Hold points: named phases of long work at which a process can be told to stop and wait, so
that a test or a fault drill lands its signal (Ctrl-C, kill -9) inside the phase it is about,
whatever the machine's speed. Waiting for a progress line and hoping the work is still running
when the signal arrives is a race that a fast machine loses.

POST_SERVICE_HOLD_AT names one phase (the phases are listed in .env.example); empty, the
default, holds nowhere. The first time the process reaches that phase it logs
`held at <phase>` and waits for SIGUSR1, then goes on. Any other signal does what it does
anywhere else: Ctrl-C cancels the wait like any other await.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

log = logging.getLogger(__name__)


class HoldPoints:
    def __init__(self, hold_at: str = "") -> None:
        self._hold_at = hold_at

    async def reached(self, phase: str) -> None:
        if not self._hold_at or phase != self._hold_at:
            return
        self._hold_at = ""  # once: a phase reached per chunk holds at the first chunk only
        loop = asyncio.get_running_loop()
        go_on = asyncio.Event()
        loop.add_signal_handler(signal.SIGUSR1, go_on.set)
        try:
            log.warning("held at %s (pid %d): SIGUSR1 goes on", phase, os.getpid())
            await go_on.wait()
        finally:
            loop.remove_signal_handler(signal.SIGUSR1)
        log.warning("going on from %s", phase)


NO_HOLDS = HoldPoints()
