"""Input limits, exercised through `decide` as the application will call it."""

from collections.abc import Callable
from uuid import uuid4

import pytest

from event_contract import PostCreated, PostEdited
from write_side.domain import (
    Actor,
    CreatePost,
    EditPost,
    FieldViolation,
    InvalidInput,
    Limits,
    PostState,
    decide,
)

type PostFactory = Callable[..., PostState]

ACTOR = Actor(uuid4())
LIMITS = Limits()


def create(title: str = "A title", body: str = "A body", tags: tuple[str, ...] = ()) -> PostCreated:
    events = decide(None, CreatePost(uuid4(), title, body, tags), ACTOR, LIMITS)
    assert len(events) == 1
    assert isinstance(events[0], PostCreated)
    return events[0]


def violations_of_create(
    title: str = "A title", body: str = "A body", tags: tuple[str, ...] = ()
) -> list[FieldViolation]:
    with pytest.raises(InvalidInput) as caught:
        create(title, body, tags)
    assert caught.value.reason == "INVALID_INPUT"
    return list(caught.value.violations)


def fields_of(violations: list[FieldViolation]) -> list[str]:
    return [violation.field for violation in violations]


# --- title -----------------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["a", "ж", "😀", "中"], ids=["latin", "cyrillic", "emoji", "han"])
def test_a_title_of_300_code_points_is_accepted_whatever_the_script(char: str) -> None:
    assert create(title=char * 300).title == char * 300


@pytest.mark.parametrize("char", ["a", "ж", "😀"], ids=["latin", "cyrillic", "emoji"])
def test_a_title_of_301_code_points_is_refused(char: str) -> None:
    violations = violations_of_create(title=char * 301)

    assert fields_of(violations) == ["title"]
    assert "at most 300" in violations[0].description


def test_a_title_is_trimmed_before_it_is_measured_and_stored() -> None:
    assert create(title="  \t" + "a" * 300 + " \n").title == "a" * 300


@pytest.mark.parametrize("title", ["", " ", "   \t\n ", "\u3000"])
def test_an_empty_or_whitespace_only_title_is_refused(title: str) -> None:
    assert fields_of(violations_of_create(title=title)) == ["title"]


@pytest.mark.parametrize("char", ["\n", "\t", "\r", "\x00", "\x1b", "\x7f", "\x85"])
def test_a_title_with_a_control_character_inside_is_refused(char: str) -> None:
    violations = violations_of_create(title=f"Hello{char}world")

    assert fields_of(violations) == ["title"]
    assert "control characters" in violations[0].description


def test_a_title_with_emoji_joiners_and_accents_is_accepted() -> None:
    title = "Семья 👨\u200d👩\u200d👧 café"

    assert create(title=title).title == title


# --- body ------------------------------------------------------------------------------------


def test_a_body_of_100000_code_points_is_accepted_and_one_more_is_refused() -> None:
    assert len(create(body="ж" * 100_000).body) == 100_000
    assert fields_of(violations_of_create(body="ж" * 100_001)) == ["body"]


def test_an_empty_body_is_accepted() -> None:
    assert create(body="").body == ""


def test_a_body_keeps_newlines_tabs_and_surrounding_whitespace() -> None:
    body = "  line one\r\n\tline two\n"

    assert create(body=body).body == body


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_a_body_with_another_control_character_is_refused(char: str) -> None:
    assert fields_of(violations_of_create(body=f"text{char}text")) == ["body"]


def test_lone_surrogates_are_refused_because_they_cannot_be_encoded() -> None:
    violations = violations_of_create(title="bad\ud800", body="bad\udfff")

    assert fields_of(violations) == ["title", "body"]


# --- tags ------------------------------------------------------------------------------------


def test_twenty_tags_are_accepted_and_twenty_one_are_refused() -> None:
    twenty = tuple(f"tag{i}" for i in range(20))

    assert create(tags=twenty).tags == twenty
    violations = violations_of_create(tags=(*twenty, "tag20"))
    assert fields_of(violations) == ["tags"]
    assert "at most 20" in violations[0].description


def test_a_tag_of_64_code_points_is_accepted_and_65_is_refused() -> None:
    assert create(tags=("ж" * 64,)).tags == ("ж" * 64,)
    assert fields_of(violations_of_create(tags=("ok", "ж" * 65))) == ["tags[1]"]


def test_tags_are_stored_lower_cased_and_nfkc_normalised() -> None:
    tags = (
        "Python",
        "Питон",
        "\uff27\uff32\uff30\uff23",
        "Ёлка",
        "snake_case",
        "kebab-case",
        "web3",
        "٣",
    )

    assert create(tags=tags).tags == (
        "python",
        "питон",
        "grpc",
        "ёлка",
        "snake_case",
        "kebab-case",
        "web3",
        "٣",
    )


@pytest.mark.parametrize(
    "tag", ["İzmir", "हिन्दी", "ภาษาไทย", "café"], ids=["turkish", "hindi", "thai", "decomposed"]
)
def test_tags_in_scripts_that_need_combining_marks_are_accepted(tag: str) -> None:
    assert create(tags=(tag,)).tags[0]


@pytest.mark.parametrize(
    ("tags", "duplicate"),
    [
        (("Python", "PYTHON"), "tags[1]"),
        (("python", "\uff50\uff59\uff54\uff48\uff4f\uff4e"), "tags[1]"),
        (("Питон", "пИТОН"), "tags[1]"),
        (("a", "b", "a"), "tags[2]"),
    ],
)
def test_tags_that_are_equal_after_normalisation_are_duplicates(
    tags: tuple[str, ...], duplicate: str
) -> None:
    violations = violations_of_create(tags=tags)

    assert fields_of(violations) == [duplicate]
    assert "duplicates tags[" in violations[0].description


@pytest.mark.parametrize(
    "tag",
    ["two words", " python", "#python", "c++", "a.b", "a/b", "", "-\u0301", "\u0301a", "😀"],
)
def test_a_tag_with_anything_but_letters_digits_underscore_or_hyphen_is_refused(
    tag: str,
) -> None:
    assert fields_of(violations_of_create(tags=("fine", tag))) == ["tags[1]"]


# --- collecting ------------------------------------------------------------------------------


def test_every_violation_of_a_command_is_reported_with_its_proto_field_path() -> None:
    tags = ("ok", "Bad Tag", "ok2", "OK", *(f"t{i}" for i in range(20)))

    violations = violations_of_create(title=" ", body="\x00", tags=tags)

    assert fields_of(violations) == ["title", "body", "tags", "tags[1]", "tags[3]"]


def test_a_title_can_break_more_than_one_rule_at_once() -> None:
    violations = violations_of_create(title="a\x00" * 200)

    assert fields_of(violations) == ["title", "title"]


def test_an_edit_validates_only_the_fields_in_its_mask(make_post: PostFactory) -> None:
    post = make_post(author_id=ACTOR.actor_id, title="\x00 left alone, not in the mask")

    with pytest.raises(InvalidInput) as caught:
        decide(post, EditPost(post.post_id, body="\x00", tags=("a", "A")), ACTOR, LIMITS)

    assert fields_of(list(caught.value.violations)) == ["body", "tags[1]"]


def test_an_edit_that_names_no_field_is_refused_as_an_empty_update_mask(
    make_post: PostFactory,
) -> None:
    post = make_post(author_id=ACTOR.actor_id)

    with pytest.raises(InvalidInput) as caught:
        decide(post, EditPost(post.post_id), ACTOR, LIMITS)

    assert fields_of(list(caught.value.violations)) == ["update_mask"]


def test_an_edit_normalises_the_values_it_carries(make_post: PostFactory) -> None:
    post = make_post(author_id=ACTOR.actor_id)
    edit = EditPost(post.post_id, title="  New  ", tags=("Python", "Питон"))

    assert decide(post, edit, ACTOR, LIMITS) == [
        PostEdited(post.post_id, title="New", tags=("python", "питон"))
    ]


def test_limits_are_configurable() -> None:
    limits = Limits(title_max_length=5, body_max_length=3, max_tags=1, tag_max_length=2)
    command = CreatePost(uuid4(), "123456", "1234", ("abc", "d"))

    with pytest.raises(InvalidInput) as caught:
        decide(None, command, ACTOR, limits)

    assert fields_of(list(caught.value.violations)) == ["title", "body", "tags", "tags[0]"]


def test_limits_below_one_are_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="max_tags"):
        Limits(max_tags=0)
