"""Records → stored events, through the event contract; what cannot be decoded is re-read.

A message of ours that does not decode (a producer bug, a schema this build does not know, a
corrupted header) must not be skipped: its key still names the post, and the event store has
the event, so that post's events are re-read from the store instead (batch.py). A message whose
key is not even a post id is not one of ours (a foreign producer, or a wrong topic setting):
see NotOurEventError.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from edges.kafka.records import Record, where
from event_contract import EventContractError, StoredEvent
from event_contract.cloudevents import from_kafka_message

log = logging.getLogger(__name__)


class NotOurEventError(Exception):
    """A record on our topic that no post owns. The projector halts on it rather than skip it:
    skipping is only safe when we are sure it is not one of our events, and nothing that
    arrives garbled can prove that; a halted projector (health NOT_SERVING, this error in the
    log) costs freshness, a silently skipped event costs correctness until a rebuild."""

    def __init__(self, record: Record, cause: Exception) -> None:
        super().__init__(
            f"record {where(record)} has key {record.key!r}, which is not a post id, "
            f"and does not decode ({cause}); not one of our events"
        )
        self.record = record


@dataclass
class Decoded:
    events: list[StoredEvent] = field(default_factory=list)
    # Posts with a message that did not decode: their events come from the store instead.
    reread: set[UUID] = field(default_factory=set)


def decode_records(records: Iterable[Record]) -> Decoded:
    decoded = Decoded()
    for record in records:
        try:
            decoded.events.append(from_kafka_message(record.key, record.value, record.headers))
        except EventContractError as error:
            post_id = _post_id(record, error)
            log.warning(
                "projector: %s does not decode (%s); re-reading post %s from the store",
                where(record),
                error,
                post_id,
            )
            decoded.reread.add(post_id)
    return decoded


def _post_id(record: Record, error: EventContractError) -> UUID:
    try:
        return UUID((record.key or b"").decode())
    except (UnicodeDecodeError, ValueError):
        raise NotOurEventError(record, error) from error
