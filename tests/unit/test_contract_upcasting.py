"""The chain's mechanics. PostCreated is still at schema version 1, so these tests pretend it
has moved on (by raising its SCHEMA_VERSION for the test) to prove the chain runs before
validation. The shipped step (PostRestored v1 -> v2) is tested in test_contract_post_restored_v2."""

from typing import Any
from uuid import UUID

import pytest

from event_contract import (
    EventDecodeError,
    PostCreated,
    UpcasterRegistry,
    Visibility,
    decode_data,
)

POST_ID = UUID("0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70")
AUTHOR_ID = UUID("6f1c0000-0000-7000-8000-000000000001")
CREATED = "posts.v1.PostCreated"

# A made-up first shape: the author was called `author` and posts had no visibility.
OLD_SHAPE: dict[str, Any] = {
    "post_id": str(POST_ID),
    "author": str(AUTHOR_ID),
    "title": "T",
    "body": "B",
    "tags": ["a"],
}


def rename_author(data: dict[str, Any]) -> dict[str, Any]:
    data["author_id"] = data.pop("author")
    return data


def add_visibility(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "visibility": "PUBLIC"}


def expected_created() -> PostCreated:
    return PostCreated(POST_ID, AUTHOR_ID, "T", "B", ("a",), Visibility.PUBLIC)


def test_an_old_shape_is_upcast_before_it_is_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PostCreated, "SCHEMA_VERSION", 2)
    registry = UpcasterRegistry()

    @registry.register(CREATED, from_version=1)
    def to_v2(data: dict[str, Any]) -> dict[str, Any]:
        return add_visibility(rename_author(data))

    assert decode_data(CREATED, 1, OLD_SHAPE, upcasters=registry) == expected_created()


def test_upcasters_chain_one_version_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PostCreated, "SCHEMA_VERSION", 3)
    registry = UpcasterRegistry()
    registry.add(CREATED, 1, rename_author)
    registry.add(CREATED, 2, add_visibility)
    v2_shape = rename_author(dict(OLD_SHAPE))

    assert decode_data(CREATED, 1, OLD_SHAPE, upcasters=registry) == expected_created()
    assert decode_data(CREATED, 2, v2_shape, upcasters=registry) == expected_created()


def test_data_already_at_the_current_version_passes_through_untouched() -> None:
    registry = UpcasterRegistry()
    current = {**rename_author(dict(OLD_SHAPE)), "visibility": "PUBLIC"}

    assert decode_data(CREATED, 1, current, upcasters=registry) == expected_created()


def test_upcasting_never_mutates_the_callers_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PostCreated, "SCHEMA_VERSION", 2)
    registry = UpcasterRegistry()
    registry.add(CREATED, 1, lambda data: add_visibility(rename_author(data)))
    original = dict(OLD_SHAPE)

    decode_data(CREATED, 1, original, upcasters=registry)

    assert original == OLD_SHAPE


def test_a_missing_step_in_the_chain_is_a_decode_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PostCreated, "SCHEMA_VERSION", 3)
    registry = UpcasterRegistry()
    registry.add(CREATED, 1, rename_author)

    with pytest.raises(EventDecodeError, match="no upcaster") as caught:
        decode_data(CREATED, 1, OLD_SHAPE, upcasters=registry)

    assert caught.value.schema_version == 2


def test_an_upcaster_that_cannot_handle_its_input_is_a_decode_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PostCreated, "SCHEMA_VERSION", 2)
    registry = UpcasterRegistry()
    registry.add(CREATED, 1, rename_author)
    no_author = {k: v for k, v in OLD_SHAPE.items() if k != "author"}

    with pytest.raises(EventDecodeError, match="upcaster failed"):
        decode_data(CREATED, 1, no_author, upcasters=registry)


def test_an_upcast_result_is_validated_like_any_other_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PostCreated, "SCHEMA_VERSION", 2)
    registry = UpcasterRegistry()
    registry.add(CREATED, 1, rename_author)  # forgets to add visibility

    with pytest.raises(EventDecodeError, match="visibility"):
        decode_data(CREATED, 1, OLD_SHAPE, upcasters=registry)


def test_one_step_per_type_and_version_may_be_registered() -> None:
    registry = UpcasterRegistry()
    registry.add(CREATED, 1, rename_author)

    with pytest.raises(ValueError, match="already registered"):
        registry.add(CREATED, 1, add_visibility)
