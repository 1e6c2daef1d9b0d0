"""What the application layer needs from the event store, and what the store tells it.

The PostgreSQL adapter implements `EventStore`; tests may use any other implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from event_contract import NewEvent
from write_side.domain import PostState


class ConcurrentAppend(Exception):  # noqa: N818 - a condition the caller handles, not a failure
    """Another writer appended this post's next version first."""


class DuplicateRequest(Exception):  # noqa: N818
    """Another call with the same request id committed first."""


@dataclass(frozen=True, slots=True)
class LoadedPost:
    state: PostState | None
    position: int  # of the post's newest event; 0 for a post that does not exist


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """The first result of a request id (AIP-155), kept for the retention window."""

    request_id: UUID
    fingerprint: bytes
    post_id: UUID
    version: int
    position: int


class EventStore(Protocol):
    async def load(self, post_id: UUID) -> LoadedPost: ...

    async def find_request(self, request_id: UUID) -> RequestRecord | None:
        """The live (not yet expired) record of a request id, if any."""
        ...

    async def append(
        self, new_events: Sequence[NewEvent], state_after: PostState, request: RequestRecord | None
    ) -> int:
        """Appends atomically and returns the last event's position. Raises ConcurrentAppend
        or DuplicateRequest when another writer got there first."""
        ...

    async def record_request(self, request: RequestRecord) -> None: ...
