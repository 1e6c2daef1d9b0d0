"""PostRestored schema version 2 (`status` renamed `restored_status`): rows and messages written
in the v1 shape are read in the v2 shape by every decoding path of the event contract, and the
v1 JSON Schema stays published, frozen."""

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import orjson
import pytest

from event_contract import (
    EVENT_CLASSES,
    UPCASTERS,
    EventDecodeError,
    PostRestored,
    PostStatus,
    decode_data,
    encode_data,
)
from event_contract.cloudevents import attributes, from_kafka_message, to_kafka_message
from event_contract.schemas import DEFAULT_DIR, FROZEN, frozen_problems, rendered, write
from event_contract.store import row_to_event

POST_ID = UUID("0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70")
RESTORED = "posts.v1.PostRestored"
V1_FILE = "posts.v1.PostRestored.v1.schema.json"


def v1_data(status: str = "PUBLISHED") -> dict[str, Any]:
    """Exactly what the v1 code wrote."""
    return {"post_id": str(POST_ID), "status": status}


def test_every_superseded_version_of_every_event_has_an_upcaster() -> None:
    for cls in EVENT_CLASSES:
        for version in range(1, cls.SCHEMA_VERSION):
            assert (cls.TYPE, version) in UPCASTERS, f"{cls.TYPE} v{version} cannot be read"


def test_v1_data_is_read_as_v2() -> None:
    assert decode_data(RESTORED, 1, v1_data()) == PostRestored(POST_ID, PostStatus.PUBLISHED)
    assert decode_data(RESTORED, 1, orjson.dumps(v1_data("DRAFT"))) == PostRestored(
        POST_ID, restored_status=PostStatus.DRAFT
    )


def test_v2_data_is_read_as_it_is() -> None:
    data = {"post_id": str(POST_ID), "restored_status": "DRAFT"}

    assert decode_data(RESTORED, 2, data) == PostRestored(POST_ID, PostStatus.DRAFT)


def test_new_events_are_written_in_the_v2_shape_only() -> None:
    payload = PostRestored(POST_ID, PostStatus.PUBLISHED)

    assert payload.SCHEMA_VERSION == 2
    assert orjson.loads(encode_data(payload)) == {
        "post_id": str(POST_ID),
        "restored_status": "PUBLISHED",
    }


@pytest.mark.parametrize(
    "data",
    [
        v1_data("DELETED"),  # upcast, then refused by the model like any v2 data
        {"post_id": str(POST_ID)},  # no `status` to rename
        {"post_id": str(POST_ID), "status": "published"},
    ],
)
def test_malformed_v1_data_is_a_decode_error(data: dict[str, Any]) -> None:
    with pytest.raises(EventDecodeError):
        decode_data(RESTORED, 1, data)


def test_v2_data_labelled_v1_is_a_decode_error_not_silently_accepted() -> None:
    with pytest.raises(EventDecodeError):
        decode_data(RESTORED, 1, {"post_id": str(POST_ID), "restored_status": "DRAFT"})


def _v1_row() -> SimpleNamespace:
    """An `events` row as the v1 code stored it."""
    return SimpleNamespace(
        position=42,
        event_id=UUID("0193a5e3-1111-7000-8000-000000000001"),
        post_id=POST_ID,
        version=5,
        event_type=RESTORED,
        schema_version=1,
        data=v1_data(),
        actor_id=UUID("6f1c0000-0000-7000-8000-000000000001"),
        caller="gateway",
        request_id=None,
        occurred_at=datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
    )


def test_a_stored_v1_row_becomes_a_v2_event_with_v2_attributes() -> None:
    event = row_to_event(_v1_row())

    assert event.payload == PostRestored(POST_ID, PostStatus.PUBLISHED)
    assert event.schema_version == 2
    assert attributes(event)["schemaversion"] == "2"
    assert orjson.loads(to_kafka_message(event).value)["restored_status"] == "PUBLISHED"


def test_a_v1_kafka_message_is_read_as_v2() -> None:
    """What a reader of our topic meets for events the relay published before v2."""
    message = to_kafka_message(row_to_event(_v1_row()))
    headers = [
        (name, b"1" if name == "ce_schemaversion" else value) for name, value in message.headers
    ]

    event = from_kafka_message(message.key, orjson.dumps(v1_data("DRAFT")), headers)

    assert event.payload == PostRestored(POST_ID, PostStatus.DRAFT)
    assert event.schema_version == 2


def test_the_v1_schema_stays_published_beside_v2_and_unchanged() -> None:
    assert V1_FILE in FROZEN
    assert "posts.v1.PostRestored.v2.schema.json" in rendered()
    v1 = orjson.loads((DEFAULT_DIR / V1_FILE).read_bytes())
    assert (v1["x-schema-version"], v1["required"]) == (1, ["post_id", "status"])
    assert frozen_problems(DEFAULT_DIR) == []


def test_writing_the_schemas_leaves_frozen_files_alone(tmp_path: Path) -> None:
    frozen = tmp_path / V1_FILE
    frozen.write_bytes((DEFAULT_DIR / V1_FILE).read_bytes())
    (tmp_path / "posts.v1.PostGone.v1.schema.json").write_text("{}")

    write(tmp_path)

    assert frozen.read_bytes() == (DEFAULT_DIR / V1_FILE).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*rendered(), V1_FILE])


def test_a_missing_or_edited_frozen_schema_fails_the_check(tmp_path: Path) -> None:
    assert frozen_problems(tmp_path) == [f"{V1_FILE}: frozen schema missing"]

    (tmp_path / V1_FILE).write_text("{}")

    [problem] = frozen_problems(tmp_path)
    assert "changed" in problem
