"""Waiting in tests for something that happens in the background (a relay, a projector)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(
    condition: Callable[[], Awaitable[bool] | bool], within_s: float = 30, every_s: float = 0.02
) -> None:
    """Returns once `condition` (plain or async) holds; TimeoutError after `within_s`."""
    async with asyncio.timeout(within_s):
        while True:
            result = condition()
            if await result if isinstance(result, Awaitable) else result:
                return
            await asyncio.sleep(every_s)
