"""Deletes idempotency records past the retention window, now and then.

Correctness never depends on it (lookups ignore expired records); it only keeps the table
small. Every server instance runs one: the DELETE is idempotent, so several are harmless.
"""

from __future__ import annotations

import asyncio
import logging

from write_side.adapters.event_store import PostgresEventStore

log = logging.getLogger(__name__)


async def purge_expired_requests(store: PostgresEventStore, interval_s: float = 600.0) -> None:
    while True:
        try:
            purged = await store.purge_requests()
        except Exception as exc:  # noqa: BLE001 - retried at the next interval
            log.warning("purging expired request ids failed: %r", exc)
        else:
            if purged:
                log.info("purged %d expired request ids", purged)
        await asyncio.sleep(interval_s)
