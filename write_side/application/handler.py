"""CommandHandler: idempotency, load, optimistic-concurrency check, decide, append, retry.

Guarantee 1: the result is returned only after `append` committed. Guarantee 6: of concurrent
commands at the same version exactly one appends (the store's unique key); a loser with an
`expected_version` gets VERSION_MISMATCH, one without is decided again against the new state,
a bounded number of times.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from uuid_utils.compat import uuid7

from event_contract import EventMetadata, NewEvent, PostEvent
from write_side.application.errors import ContentionExhausted, RequestIdReused
from write_side.application.ports import (
    ConcurrentAppend,
    DuplicateRequest,
    EventStore,
    LoadedPost,
    RequestRecord,
)
from write_side.domain import (
    Actor,
    Command,
    CreatePost,
    Limits,
    PostNotFound,
    PostState,
    VersionConflict,
    can_see,
    decide,
    fold,
)

_BACKOFF_BASE_S = 0.002


@dataclass(frozen=True, slots=True)
class CommandResult:
    post_id: UUID
    version: int
    position: int


@dataclass(frozen=True, slots=True)
class CommandContext:
    actor: Actor
    caller: str
    request_id: UUID | None = None
    expected_version: int | None = None
    # A digest of the request as sent; the same request_id with another fingerprint is refused.
    fingerprint: bytes = b""


class CommandHandler:
    def __init__(
        self,
        store: EventStore,
        limits: Limits,
        max_retries: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._limits = limits
        self._max_retries = max_retries
        self._clock = clock

    async def execute(self, command: Command, ctx: CommandContext) -> CommandResult:
        if ctx.request_id is not None:
            earlier = await self._store.find_request(ctx.request_id)
            if earlier is not None:
                return _replay(earlier, ctx)
        for attempt in range(self._max_retries + 1):
            try:
                return await self._attempt(command, ctx)
            except ConcurrentAppend:
                if ctx.expected_version is not None:
                    raise await self._mismatch(command.post_id, ctx.expected_version) from None
                await _back_off(attempt)
            except DuplicateRequest:
                return await self._replay_committed(ctx)
        raise ContentionExhausted(command.post_id, self._max_retries + 1)

    async def _attempt(self, command: Command, ctx: CommandContext) -> CommandResult:
        # A new post's id is a fresh UUIDv7 made by the server: nothing to load.
        if isinstance(command, CreatePost):
            loaded = LoadedPost(state=None, position=0)
        else:
            loaded = await self._store.load(command.post_id)
        _check_expected_version(loaded.state, command, ctx)
        payloads = decide(loaded.state, command, ctx.actor, self._limits)
        if not payloads:
            return await self._no_op(command.post_id, loaded, ctx)
        new_events = self._stamp(payloads, loaded.state, ctx)
        after = _fold_new(loaded.state, new_events)
        record = self._record(ctx, after.post_id, after.version, position=0)
        position = await self._store.append(new_events, after, record)
        return CommandResult(after.post_id, after.version, position)

    async def _no_op(self, post_id: UUID, loaded: LoadedPost, ctx: CommandContext) -> CommandResult:
        version = loaded.state.version if loaded.state is not None else 0
        record = self._record(ctx, post_id, version, loaded.position)
        if record is not None:
            await self._store.record_request(record)
        return CommandResult(post_id, version, loaded.position)

    def _stamp(
        self, payloads: list[PostEvent], state: PostState | None, ctx: CommandContext
    ) -> list[NewEvent]:
        first = 1 if state is None else state.version + 1
        now = self._clock()
        return [
            NewEvent(
                metadata=EventMetadata(
                    event_id=uuid7(),
                    post_id=payload.post_id,
                    version=first + i,
                    occurred_at=now,
                    actor_id=ctx.actor.actor_id,
                    caller=ctx.caller,
                    request_id=ctx.request_id,
                ),
                payload=payload,
            )
            for i, payload in enumerate(payloads)
        ]

    def _record(
        self, ctx: CommandContext, post_id: UUID, version: int, position: int
    ) -> RequestRecord | None:
        if ctx.request_id is None:
            return None
        return RequestRecord(ctx.request_id, ctx.fingerprint, post_id, version, position)

    async def _mismatch(self, post_id: UUID, expected: int) -> VersionConflict:
        current = (await self._store.load(post_id)).state
        return VersionConflict(expected, current.version if current else 0, post_id)

    async def _replay_committed(self, ctx: CommandContext) -> CommandResult:
        earlier = None
        if ctx.request_id is not None:  # always: only requests with an id can collide
            earlier = await self._store.find_request(ctx.request_id)
        if earlier is None:  # committed, then purged in between: vanishingly rare, retryable
            raise ContentionExhausted(UUID(int=0), 1)
        return _replay(earlier, ctx)


async def _back_off(attempt: int) -> None:
    """Full jitter: writers that collided retry at different moments instead of colliding
    again in lockstep (without it, 20 racing writers exhaust 5 retries half the time)."""
    await asyncio.sleep(random.uniform(0, _BACKOFF_BASE_S * 2**attempt))  # noqa: S311 - not crypto


def _check_expected_version(state: PostState | None, command: Command, ctx: CommandContext) -> None:
    if ctx.expected_version is None or isinstance(command, CreatePost):
        return
    # Existence never leaks: an invisible post is NOT_FOUND before its version is compared.
    if state is None or not can_see(state, ctx.actor):
        raise PostNotFound(command.post_id)
    if state.version != ctx.expected_version:
        raise VersionConflict(ctx.expected_version, state.version, state.post_id)


def _fold_new(state: PostState | None, new_events: list[NewEvent]) -> PostState:
    after = fold(state, new_events)
    if after is None:  # pragma: no cover - decide returned events, so there is a state
        raise RuntimeError("folding new events gave no state")
    return after


def _replay(earlier: RequestRecord, ctx: CommandContext) -> CommandResult:
    if earlier.fingerprint != ctx.fingerprint:
        raise RequestIdReused(earlier.request_id)
    return CommandResult(earlier.post_id, earlier.version, earlier.position)
