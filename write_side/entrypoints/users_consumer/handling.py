"""One consumed message, to its end: handled, ignored, or dead-lettered. Never left half-way.

- A type we don't consume is skipped, with a log line.
- A message that cannot be decoded goes straight to the dead-letter topic: retrying can't help.
- A UserDeleted is handled up to `max_attempts` times with back-off (the database may be
  restarting), then dead-lettered with the last error.
`handle` returns normally in all three cases, and the caller then commits the offset. It raises
only when the dead-letter topic itself can't be written: then nothing may be committed, and
the message is read again.
"""

from __future__ import annotations

import logging
from typing import Protocol

from edges.backoff import Backoff
from edges.kafka.records import Record, where
from event_contract.consumed import (
    ConsumedEvent,
    MalformedMessageError,
    UserDeleted,
    decode_users_message,
)

log = logging.getLogger(__name__)


class Deleter(Protocol):
    async def delete_posts_of(self, event: ConsumedEvent, user: UserDeleted) -> int: ...


class DeadLetters(Protocol):
    async def send(self, record: Record, error: str) -> None: ...


class Health(Protocol):
    async def report(self, *, serving: bool) -> None: ...


class MessageHandler:
    def __init__(
        self,
        deleter: Deleter,
        dead_letters: DeadLetters,
        health: Health,
        max_attempts: int,
        backoff_max_s: float,
    ) -> None:
        self._deleter = deleter
        self._dead_letters = dead_letters
        self._health = health
        self._max_attempts = max_attempts
        self._backoff_max_s = backoff_max_s

    async def handle(self, record: Record) -> None:
        try:
            event = decode_users_message(record.value, record.headers)
        except MalformedMessageError as error:
            log.warning("users-consumer: %s does not decode: %s", where(record), error)
            await self._dead_letter(record, f"{type(error).__name__}: {error}")
            return
        if event.data is None:
            log.info("users-consumer: %s: ignoring event type %s", where(record), event.type)
            return
        await self._delete_posts(record, event, event.data)

    async def _delete_posts(self, record: Record, event: ConsumedEvent, user: UserDeleted) -> None:
        backoff = Backoff(self._backoff_max_s)
        for attempt in range(1, self._max_attempts + 1):
            try:
                count = await self._deleter.delete_posts_of(event, user)
            except Exception as error:  # any failure: the database, a bug, a corrupt index
                log.warning(
                    "users-consumer: %s: attempt %d of %d failed",
                    where(record),
                    attempt,
                    self._max_attempts,
                    exc_info=True,
                )
                await self._health.report(serving=False)
                if attempt == self._max_attempts:
                    reason = f"{type(error).__name__}: {error} (after {attempt} attempts)"
                    await self._dead_letter(record, reason)
                    return
                await backoff.sleep()
            else:
                log.info(
                    "users-consumer: user %s deleted: their %d posts are deleted",
                    user.user_id,
                    count,
                )
                return

    async def _dead_letter(self, record: Record, error: str) -> None:
        await self._dead_letters.send(record, error)
        log.error("users-consumer: %s dead-lettered: %s", where(record), error)
