"""An event's envelope: who, when, which version, and (once stored) where in the global order.

`NewEvent` is what the write side appends; `StoredEvent` is what the store gives back, with the
global position the store assigned. Both carry the payload already in the current schema
version (stored rows are upcast on read by the codec), so `schema_version` is derived from
the payload rather than stored beside it, and the two can never disagree.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from event_contract.events import PostEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class EventMetadata:
    event_id: UUID
    post_id: UUID
    version: int
    occurred_at: datetime
    actor_id: UUID
    caller: str
    request_id: UUID | None = None

    def __post_init__(self) -> None:
        if self.version < 1:
            raise ValueError(f"event version starts at 1, got {self.version}")
        if self.occurred_at.utcoffset() is None:
            raise ValueError("occurred_at must be timezone-aware")
        # One canonical zone, so equal instants compare, hash and encode the same everywhere.
        object.__setattr__(self, "occurred_at", self.occurred_at.astimezone(UTC))


class Envelope(Protocol):
    """What folding an event needs; NewEvent and StoredEvent both provide it."""

    @property
    def metadata(self) -> EventMetadata: ...

    @property
    def payload(self) -> PostEvent: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    metadata: EventMetadata
    payload: PostEvent

    def __post_init__(self) -> None:
        _check_same_post(self.metadata, self.payload)

    @property
    def type(self) -> str:
        return self.payload.TYPE

    @property
    def schema_version(self) -> int:
        return self.payload.SCHEMA_VERSION

    def stored_at(self, position: int) -> "StoredEvent":
        return StoredEvent(position=position, metadata=self.metadata, payload=self.payload)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEvent:
    position: int
    metadata: EventMetadata
    payload: PostEvent

    def __post_init__(self) -> None:
        _check_same_post(self.metadata, self.payload)

    @property
    def type(self) -> str:
        return self.payload.TYPE

    @property
    def schema_version(self) -> int:
        return self.payload.SCHEMA_VERSION


def _check_same_post(metadata: EventMetadata, payload: PostEvent) -> None:
    # The Kafka key and the store's (post_id, version) come from the metadata, the read model
    # from the payload: a mismatch would silently split one post's history in two.
    if metadata.post_id != payload.post_id:
        raise ValueError(f"metadata is for post {metadata.post_id}, payload for {payload.post_id}")
