"""Bounded exponential back-off with jitter, for retrying while PostgreSQL or Kafka is down.

One helper for every long-running part (relay, projector, users-consumer). It depends on
nothing of ours, so any package may use it.
"""

from __future__ import annotations

import asyncio
import random


class Backoff:
    def __init__(self, cap_s: float, first_s: float = 0.1) -> None:
        self._cap_s = cap_s
        self._first_s = min(first_s, cap_s)
        self._next_s = self._first_s

    def reset(self) -> None:
        self._next_s = self._first_s

    async def sleep(self) -> None:
        # Jitter, so that several processes don't hammer a returning database or broker in step.
        await asyncio.sleep(self._next_s * random.uniform(0.5, 1.0))  # noqa: S311 - not crypto
        self._next_s = min(self._next_s * 2, self._cap_s)
