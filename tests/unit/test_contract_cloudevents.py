"""The CloudEvents Kafka binding: DESIGN.md's example message, and decoding it back."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from event_contract import (
    EventContractError,
    EventMetadata,
    PostEdited,
    StoredEvent,
    UnknownEventTypeError,
)
from event_contract.cloudevents import from_kafka_message, to_kafka_message

POST = UUID("0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70")
EVENT = StoredEvent(
    position=1042,
    metadata=EventMetadata(
        event_id=UUID("0193a5e3-1111-7000-8000-000000000001"),
        post_id=POST,
        version=3,
        occurred_at=datetime(2026, 11, 27, 8, 0, 0, 123456, tzinfo=UTC),
        actor_id=UUID("6f1c0000-0000-4000-8000-000000000000"),
        caller="gateway",
        request_id=UUID("9b2e0000-0000-4000-8000-000000000000"),
    ),
    payload=PostEdited(post_id=POST, title="New title", tags=("python", "grpc")),
)


def test_an_event_becomes_the_example_message_of_the_design():
    message = to_kafka_message(EVENT)
    headers = dict(message.headers)
    assert message.key == b"0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70"
    assert message.value == (
        b'{"post_id":"0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70","title":"New title",'
        b'"tags":["python","grpc"]}'
    )
    assert headers == {
        "ce_specversion": b"1.0",
        "ce_id": b"0193a5e3-1111-7000-8000-000000000001",
        "ce_source": b"post-service",
        "ce_type": b"posts.v1.PostEdited",
        "ce_subject": b"0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70",
        "ce_time": b"2026-11-27T08:00:00.123456Z",
        "content-type": b"application/json",
        "ce_postversion": b"3",
        "ce_position": b"1042",
        "ce_actorid": b"6f1c0000-0000-4000-8000-000000000000",
        "ce_requestid": b"9b2e0000-0000-4000-8000-000000000000",
        "ce_caller": b"gateway",
        "ce_schemaversion": b"1",
    }


def test_a_message_decodes_back_into_the_same_event():
    message = to_kafka_message(EVENT)
    assert from_kafka_message(message.key, message.value, message.headers) == EVENT


def _headers_without(name: str) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in to_kafka_message(EVENT).headers if k != name]


@pytest.mark.parametrize("missing", ["ce_id", "ce_postversion", "ce_time", "ce_position"])
def test_a_message_missing_an_attribute_is_a_contract_error(missing):
    message = to_kafka_message(EVENT)
    with pytest.raises(EventContractError):
        from_kafka_message(message.key, message.value, _headers_without(missing))


def test_a_message_whose_key_names_another_post_is_a_contract_error():
    message = to_kafka_message(EVENT)
    other = b"0193a5e2-0000-7000-8000-000000000000"
    with pytest.raises(EventContractError):
        from_kafka_message(other, message.value, message.headers)


def test_garbage_data_and_unknown_types_are_contract_errors():
    message = to_kafka_message(EVENT)
    with pytest.raises(EventContractError):
        from_kafka_message(message.key, b"{not json", message.headers)
    headers = [(k, b"posts.v1.Nope" if k == "ce_type" else v) for k, v in message.headers]
    with pytest.raises(UnknownEventTypeError):
        from_kafka_message(message.key, message.value, headers)
