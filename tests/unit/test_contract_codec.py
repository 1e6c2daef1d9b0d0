from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import orjson
import pytest
from pydantic import TypeAdapter

from event_contract import (
    EVENT_CLASSES,
    EVENT_TYPE_PREFIX,
    EventContractError,
    EventDecodeError,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostEvent,
    PostPublished,
    PostRestored,
    PostStatus,
    PostUnpublished,
    UnknownEventTypeError,
    Visibility,
    decode_data,
    decode_time,
    encode_data,
    encode_time,
    event_class,
    event_types,
)

POST_ID = UUID("0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70")
AUTHOR_ID = UUID("6f1c0000-0000-7000-8000-000000000001")

ONE_OF_EACH: list[PostEvent] = [
    PostCreated(POST_ID, AUTHOR_ID, "Пост 👋", "Body\nline", ("питон", "c"), Visibility.PUBLIC),
    PostCreated(POST_ID, AUTHOR_ID, "No tags", "", (), Visibility.PRIVATE),
    PostEdited(POST_ID, title="New title", tags=("python", "grpc")),
    PostEdited(POST_ID, body="new body"),
    PostEdited(POST_ID, tags=()),
    PostEdited(POST_ID, visibility=Visibility.UNLISTED),
    PostPublished(POST_ID),
    PostUnpublished(POST_ID),
    PostDeleted(POST_ID),
    PostRestored(POST_ID, PostStatus.PUBLISHED),
    PostRestored(POST_ID, PostStatus.DRAFT),
]


@pytest.mark.parametrize("payload", ONE_OF_EACH, ids=repr)
def test_every_event_survives_an_encode_decode_round_trip(payload: PostEvent) -> None:
    data = encode_data(payload)

    assert decode_data(payload.TYPE, payload.SCHEMA_VERSION, data) == payload


def test_the_round_trip_set_covers_every_event_type() -> None:
    assert {payload.TYPE for payload in ONE_OF_EACH} == set(event_types())


def test_post_edited_json_is_exactly_the_design_example() -> None:
    payload = PostEdited(POST_ID, title="New title", tags=("python", "grpc"))

    assert encode_data(payload) == (
        b'{"post_id":"0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70",'
        b'"title":"New title","tags":["python","grpc"]}'
    )


def test_post_edited_keeps_an_emptied_tag_list_because_empty_is_not_unchanged() -> None:
    assert orjson.loads(encode_data(PostEdited(POST_ID, tags=()))) == {
        "post_id": str(POST_ID),
        "tags": [],
    }


def test_post_created_json_uses_enum_names_string_uuids_and_a_tag_array() -> None:
    payload = PostCreated(POST_ID, AUTHOR_ID, "T", "B", ("a", "b"), Visibility.UNLISTED)

    assert orjson.loads(encode_data(payload)) == {
        "post_id": str(POST_ID),
        "author_id": str(AUTHOR_ID),
        "title": "T",
        "body": "B",
        "tags": ["a", "b"],
        "visibility": "UNLISTED",
    }


def test_post_restored_json_names_the_status_it_returns_to() -> None:
    assert encode_data(PostRestored(POST_ID, PostStatus.DRAFT)) == (
        b'{"post_id":"0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70","restored_status":"DRAFT"}'
    )


def test_non_ascii_text_is_written_as_utf8_not_escaped() -> None:
    payload = PostEdited(POST_ID, title="Привет")

    assert "Привет".encode() in encode_data(payload)


@pytest.mark.parametrize(
    "data",
    [
        b'{"post_id":"0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70","title":"New title"}',
        '{"post_id":"0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70","title":"New title"}',
        {"post_id": "0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70", "title": "New title"},
        {"post_id": POST_ID, "title": "New title"},
    ],
    ids=["bytes", "str", "dict", "dict-with-uuid"],
)
def test_data_is_decoded_from_bytes_text_or_an_already_parsed_object(data: Any) -> None:
    assert decode_data("posts.v1.PostEdited", 1, data) == PostEdited(POST_ID, title="New title")


def test_fields_unknown_to_this_version_are_ignored_so_additive_changes_stay_readable() -> None:
    data = {"post_id": str(POST_ID), "reason": "spam", "added_in_a_later_release": [1, 2]}

    assert decode_data("posts.v1.PostDeleted", 1, data) == PostDeleted(POST_ID)


def test_an_unknown_event_type_is_refused_with_its_own_error() -> None:
    with pytest.raises(UnknownEventTypeError) as caught:
        decode_data("posts.v1.PostLiked", 1, b'{"post_id":"0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70"}')

    assert caught.value.event_type == "posts.v1.PostLiked"
    assert isinstance(caught.value, EventContractError)


VALID_CREATED: dict[str, Any] = {
    "post_id": str(POST_ID),
    "author_id": str(AUTHOR_ID),
    "title": "T",
    "body": "B",
    "tags": ["a"],
    "visibility": "PUBLIC",
}


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("posts.v1.PostCreated", b"{not json"),
        ("posts.v1.PostCreated", b'["an", "array"]'),
        ("posts.v1.PostCreated", b"null"),
        ("posts.v1.PostCreated", {k: v for k, v in VALID_CREATED.items() if k != "title"}),
        ("posts.v1.PostCreated", {**VALID_CREATED, "title": None}),
        ("posts.v1.PostCreated", {**VALID_CREATED, "title": 42}),
        ("posts.v1.PostCreated", {**VALID_CREATED, "tags": "a,b"}),
        ("posts.v1.PostCreated", {**VALID_CREATED, "tags": [1, 2]}),
        ("posts.v1.PostCreated", {**VALID_CREATED, "author_id": "not-a-uuid"}),
        ("posts.v1.PostCreated", {**VALID_CREATED, "visibility": "public"}),
        ("posts.v1.PostCreated", {**VALID_CREATED, "visibility": "VISIBILITY_PUBLIC"}),
        ("posts.v1.PostEdited", {"post_id": str(POST_ID)}),
        ("posts.v1.PostEdited", {"post_id": str(POST_ID), "titel": "typo"}),
        ("posts.v1.PostRestored", {"post_id": str(POST_ID), "status": "DELETED"}),
        ("posts.v1.PostRestored", {"post_id": str(POST_ID)}),
        ("posts.v1.PostPublished", {}),
    ],
)
def test_malformed_data_is_refused_with_a_decode_error(event_type: str, data: Any) -> None:
    with pytest.raises(EventDecodeError) as caught:
        decode_data(event_type, 1, data)

    assert caught.value.event_type == event_type
    assert isinstance(caught.value, EventContractError)


@pytest.mark.parametrize("schema_version", [0, -1, 2])
def test_a_schema_version_this_code_does_not_know_is_a_decode_error(schema_version: int) -> None:
    with pytest.raises(EventDecodeError, match=r"versions 1\.\.1"):
        decode_data("posts.v1.PostDeleted", schema_version, {"post_id": str(POST_ID)})


def test_event_types_lists_all_six_types_under_the_contract_prefix() -> None:
    assert event_types() == (
        "posts.v1.PostCreated",
        "posts.v1.PostEdited",
        "posts.v1.PostPublished",
        "posts.v1.PostUnpublished",
        "posts.v1.PostDeleted",
        "posts.v1.PostRestored",
    )
    assert all(name.startswith(EVENT_TYPE_PREFIX) for name in event_types())


def test_event_class_finds_the_class_of_a_type_and_refuses_unknown_ones() -> None:
    assert event_class("posts.v1.PostRestored") is PostRestored
    with pytest.raises(UnknownEventTypeError):
        event_class("PostRestored")


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda cls: cls.__name__)
def test_every_event_class_yields_a_json_schema_that_requires_post_id(
    cls: type[PostEvent],
) -> None:
    schema = TypeAdapter(cls).json_schema()

    assert "post_id" in schema["required"]
    assert schema["properties"]["post_id"]["format"] == "uuid"


def test_time_is_encoded_as_rfc3339_utc_with_z_and_microseconds() -> None:
    moscow = timezone(timedelta(hours=3))
    moment = datetime(2026, 11, 27, 11, 0, 0, 123456, tzinfo=moscow)

    assert encode_time(moment) == "2026-11-27T08:00:00.123456Z"
    assert decode_time("2026-11-27T08:00:00.123456Z") == moment
    assert decode_time("2026-11-27T08:00:00.123456Z").tzinfo is UTC


def test_naive_times_are_refused_both_ways() -> None:
    with pytest.raises(ValueError, match="naive"):
        encode_time(datetime(2026, 11, 27, 8, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="offset"):
        decode_time("2026-11-27T08:00:00")
