from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from event_contract import EventMetadata, NewEvent, PostDeleted, PostEdited, StoredEvent

POST_ID = UUID("0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70")
AT = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def metadata(**overrides: object) -> EventMetadata:
    fields: dict[str, object] = {
        "event_id": uuid4(),
        "post_id": POST_ID,
        "version": 3,
        "occurred_at": AT,
        "actor_id": uuid4(),
        "caller": "api-gateway",
        "request_id": None,
    }
    return EventMetadata(**(fields | overrides))  # type: ignore[arg-type]


def test_a_new_event_takes_its_type_and_schema_version_from_the_payload() -> None:
    event = NewEvent(metadata=metadata(), payload=PostEdited(POST_ID, title="x"))

    assert event.type == "posts.v1.PostEdited"
    assert event.schema_version == 1


def test_a_new_event_becomes_a_stored_event_once_the_store_gives_it_a_position() -> None:
    event = NewEvent(metadata=metadata(), payload=PostDeleted(POST_ID))

    stored = event.stored_at(1042)

    assert stored == StoredEvent(position=1042, metadata=event.metadata, payload=event.payload)
    assert stored.type == "posts.v1.PostDeleted"
    assert stored.schema_version == 1


def test_metadata_and_payload_must_be_about_the_same_post() -> None:
    with pytest.raises(ValueError, match="payload for"):
        NewEvent(metadata=metadata(), payload=PostDeleted(uuid4()))
    with pytest.raises(ValueError, match="payload for"):
        StoredEvent(position=1, metadata=metadata(), payload=PostDeleted(uuid4()))


def test_occurred_at_is_kept_in_utc_whatever_zone_it_was_given_in() -> None:
    moscow = timezone(timedelta(hours=3))

    meta = metadata(occurred_at=datetime(2026, 11, 27, 11, 0, tzinfo=moscow))

    assert meta.occurred_at == AT
    assert meta.occurred_at.tzinfo is UTC


def test_occurred_at_must_not_be_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        metadata(occurred_at=datetime(2026, 11, 27, 8, 0))  # noqa: DTZ001


def test_versions_start_at_one() -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        metadata(version=0)
