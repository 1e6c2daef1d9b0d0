"""Waking GetPost calls that wait for a min_version, when the projector changes the read model.

The projector NOTIFYs VIEW_CHANGED_CHANNEL in each transaction that changes post_view. One
listener connection per process (built by the composition root) turns those notifications
into `ViewChanges.fire()`; each waiting call then re-checks its own post, once per change. A
notification can be lost (the listener reconnecting after the database went away), so waiters
also re-check every `recheck_s` on their own: a lost wake-up costs latency, never an answer.

No wake-up is lost between a check and the wait: a waiter takes the current change signal
*before* it checks, so a change committed after its check has already set the signal it waits
on.

The same signal wakes StreamEvents on appends (commit_horizon.CommitHorizon).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class ViewChanges:
    def __init__(self, recheck_s: float) -> None:
        self._recheck_s = recheck_s
        self._changed = asyncio.Event()

    def fire(self) -> None:
        """The read model changed: wake every waiter (each re-checks once)."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for[T](
        self, check: Callable[[], Awaitable[T | None]], timeout_s: float
    ) -> T | None:
        """The first non-None result of `check`, re-run after each change, or None if there
        is none within `timeout_s` (after a last check at the end)."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            changed = self._changed
            result = await check()
            remaining = deadline - asyncio.get_running_loop().time()
            if result is not None or remaining <= 0:
                return result
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, self._recheck_s)):
                    await changed.wait()
