"""Decoding the users service's CloudEvents (binary mode): UserDeleted, other types, garbage."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from event_contract.consumed import MalformedMessageError, UserDeleted, decode_users_message

USER_ID = UUID("6f1c0000-0000-7000-8000-000000000001")
VALUE = b'{"user_id":"6f1c0000-0000-7000-8000-000000000001","deleted_at":"2026-11-27T08:00:00Z"}'
HEADERS = {
    "ce_specversion": "1.0",
    "ce_id": "evt-1",
    "ce_source": "users-service",
    "ce_type": "users.v1.UserDeleted",
    "ce_subject": str(USER_ID),
    "content-type": "application/json",
}


def headers(**changes: str | None) -> list[tuple[str, bytes]]:
    """HEADERS with some replaced (a value) or left out (None); content_type is content-type."""
    renamed = {("content-type" if k == "content_type" else k): v for k, v in changes.items()}
    merged = {**HEADERS, **renamed}
    return [(name, value.encode()) for name, value in merged.items() if value is not None]


def test_a_user_deleted_message_is_decoded_with_its_identity() -> None:
    event = decode_users_message(VALUE, headers())

    assert (event.id, event.source, event.type) == (
        "evt-1",
        "users-service",
        "users.v1.UserDeleted",
    )
    assert event.data == UserDeleted(
        user_id=USER_ID, deleted_at=datetime(2026, 11, 27, 8, tzinfo=UTC)
    )


def test_fields_the_users_service_may_add_later_are_ignored() -> None:
    value = VALUE[:-1] + b',"reason":"gdpr"}'

    assert decode_users_message(value, headers()).data is not None


@pytest.mark.parametrize("content_type", [None, "application/json; charset=utf-8"])
def test_json_content_type_may_be_absent_or_carry_parameters(content_type: str | None) -> None:
    assert decode_users_message(VALUE, headers(content_type=content_type)).data is not None


def test_another_type_is_returned_without_data_whatever_its_value() -> None:
    event = decode_users_message(b"\xff not json", headers(ce_type="users.v1.UserRenamed"))

    assert (event.type, event.data) == ("users.v1.UserRenamed", None)


@pytest.mark.parametrize(
    ("value", "changed"),
    [
        (VALUE, {"ce_type": None}),
        (VALUE, {"ce_id": None}),
        (VALUE, {"ce_source": None}),
        (VALUE, {"ce_specversion": None}),
        (VALUE, {"ce_specversion": "2.0"}),
        (VALUE, {"content_type": "application/cloudevents+json"}),
        (b"", {}),
        (None, {}),
        (b"{not json", {}),
        (b"[]", {}),
        (b'{"user_id":"not-a-uuid","deleted_at":"2026-11-27T08:00:00Z"}', {}),
        (b'{"user_id":"6f1c0000-0000-7000-8000-000000000001"}', {}),
        (b'{"user_id":"6f1c0000-0000-7000-8000-000000000001","deleted_at":"2026-11-27"}', {}),
        (
            b'{"user_id":"6f1c0000-0000-7000-8000-000000000001","deleted_at":"2026-11-27T08:00:00"}',
            {},
        ),
    ],
    ids=[
        "no type",
        "no id",
        "no source",
        "no specversion",
        "specversion 2",
        "structured mode",
        "empty value",
        "null value",
        "not json",
        "not an object",
        "bad user id",
        "no deleted_at",
        "a date, not a time",
        "a time without offset",
    ],
)
def test_a_user_deleted_that_breaks_the_contract_is_malformed(
    value: bytes | None, changed: dict[str, str | None]
) -> None:
    with pytest.raises(MalformedMessageError):
        decode_users_message(value, headers(**changed))
