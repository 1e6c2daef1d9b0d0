"""`decide` against DESIGN.md's state table, run as the post's author."""

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest

from event_contract import (
    PostCreated,
    PostDeleted,
    PostEdited,
    PostPublished,
    PostRestored,
    PostStatus,
    PostUnpublished,
    Visibility,
)
from write_side.domain import (
    Actor,
    AlreadyExists,
    Command,
    CreatePost,
    DeletePost,
    EditPost,
    IllegalTransition,
    InconsistentHistoryError,
    Limits,
    PostNotFound,
    PostState,
    PublishPost,
    RestorePost,
    UnpublishPost,
    decide,
)

type PostFactory = Callable[..., PostState]
type CommandFor = Callable[[UUID], Command]

DRAFT, PUBLISHED, DELETED = PostStatus.DRAFT, PostStatus.PUBLISHED, PostStatus.DELETED
LIMITS = Limits()
REFUSED = "refused POST_DELETED"


def edit_something(post_id: UUID) -> Command:
    return EditPost(post_id, title="A different title")


def edit_nothing(post_id: UUID) -> Command:
    return EditPost(post_id, title="A title", tags=("python", "grpc"))


STATE_TABLE: list[tuple[CommandFor, PostStatus, type | str | None]] = [
    (edit_something, DRAFT, PostEdited),
    (edit_something, PUBLISHED, PostEdited),
    (edit_something, DELETED, REFUSED),
    (edit_nothing, DRAFT, None),
    (edit_nothing, PUBLISHED, None),
    (edit_nothing, DELETED, REFUSED),
    (PublishPost, DRAFT, PostPublished),
    (PublishPost, PUBLISHED, None),
    (PublishPost, DELETED, REFUSED),
    (UnpublishPost, DRAFT, None),
    (UnpublishPost, PUBLISHED, PostUnpublished),
    (UnpublishPost, DELETED, REFUSED),
    (DeletePost, DRAFT, PostDeleted),
    (DeletePost, PUBLISHED, PostDeleted),
    (DeletePost, DELETED, None),
    (RestorePost, DRAFT, None),
    (RestorePost, PUBLISHED, None),
    (RestorePost, DELETED, PostRestored),
]


@pytest.mark.parametrize(
    ("command_for", "status", "outcome"),
    STATE_TABLE,
    ids=[f"{c.__name__}-{s}-{getattr(o, '__name__', o)}" for c, s, o in STATE_TABLE],
)
def test_each_command_in_each_state_does_what_the_state_table_says(
    make_post: PostFactory,
    author_id: UUID,
    command_for: CommandFor,
    status: PostStatus,
    outcome: type | str | None,
) -> None:
    post = make_post(status)
    command = command_for(post.post_id)

    if outcome == REFUSED:
        with pytest.raises(IllegalTransition) as caught:
            decide(post, command, Actor(author_id), LIMITS)
        assert caught.value.reason == "POST_DELETED"
    else:
        events = decide(post, command, Actor(author_id), LIMITS)
        assert [type(event) for event in events] == ([] if outcome is None else [outcome])
        assert all(event.post_id == post.post_id for event in events)


def test_create_makes_a_post_created_by_the_acting_user() -> None:
    post_id, actor = uuid4(), Actor(uuid4())
    command = CreatePost(post_id, "Title", "Body", ("Python",), Visibility.UNLISTED)

    assert decide(None, command, actor, LIMITS) == [
        PostCreated(post_id, actor.actor_id, "Title", "Body", ("python",), Visibility.UNLISTED)
    ]


def test_create_defaults_to_a_public_post_without_tags() -> None:
    (event,) = decide(None, CreatePost(uuid4(), "Title", "Body"), Actor(uuid4()), LIMITS)

    assert isinstance(event, PostCreated)
    assert (event.visibility, event.tags) == (Visibility.PUBLIC, ())


def test_create_on_an_existing_post_is_already_exists(make_post: PostFactory) -> None:
    post = make_post()

    with pytest.raises(AlreadyExists) as caught:
        decide(post, CreatePost(post.post_id, "T", "B"), Actor(uuid4()), LIMITS)

    assert caught.value.reason == "POST_ALREADY_EXISTS"


@pytest.mark.parametrize(
    "command_for", [edit_something, PublishPost, UnpublishPost, DeletePost, RestorePost]
)
def test_any_other_command_on_a_post_that_does_not_exist_is_not_found(
    command_for: CommandFor,
) -> None:
    with pytest.raises(PostNotFound) as caught:
        decide(None, command_for(uuid4()), Actor(uuid4()), LIMITS)

    assert caught.value.reason == "POST_NOT_FOUND"


@pytest.mark.parametrize("before", [DRAFT, PUBLISHED])
def test_restore_returns_the_post_to_the_status_it_had_before_deletion(
    make_post: PostFactory, author_id: UUID, before: PostStatus
) -> None:
    post = make_post(DELETED, status_before_delete=before)

    events = decide(post, RestorePost(post.post_id), Actor(author_id), LIMITS)

    assert events == [PostRestored(post.post_id, before)]


def test_an_edit_carries_only_the_fields_that_actually_change(
    make_post: PostFactory, author_id: UUID
) -> None:
    post = make_post()
    edit = EditPost(
        post.post_id,
        title="A title",
        body="A new body",
        tags=("python", "grpc"),
        visibility=Visibility.PRIVATE,
    )

    events = decide(post, edit, Actor(author_id), LIMITS)

    assert events == [PostEdited(post.post_id, body="A new body", visibility=Visibility.PRIVATE)]


def test_an_edit_compares_normalised_values_so_cosmetic_differences_change_nothing(
    make_post: PostFactory, author_id: UUID
) -> None:
    post = make_post()
    edit = EditPost(post.post_id, title="  A title \n", tags=("Python", "GRPC"))

    assert decide(post, edit, Actor(author_id), LIMITS) == []


def test_reordering_tags_is_a_change(make_post: PostFactory, author_id: UUID) -> None:
    post = make_post()
    edit = EditPost(post.post_id, tags=("grpc", "python"))

    assert decide(post, edit, Actor(author_id), LIMITS) == [
        PostEdited(post.post_id, tags=("grpc", "python"))
    ]


def test_clearing_all_tags_is_a_change(make_post: PostFactory, author_id: UUID) -> None:
    post = make_post()

    events = decide(post, EditPost(post.post_id, tags=()), Actor(author_id), LIMITS)

    assert events == [PostEdited(post.post_id, tags=())]


def test_a_state_of_another_post_is_a_wiring_bug_not_a_domain_answer(
    make_post: PostFactory, author_id: UUID
) -> None:
    with pytest.raises(ValueError, match="given for a command on"):
        decide(make_post(), PublishPost(uuid4()), Actor(author_id), LIMITS)


def test_a_deleted_state_without_its_prior_status_is_an_inconsistent_history(
    make_post: PostFactory, author_id: UUID
) -> None:
    post = make_post(DELETED, status_before_delete=None)

    with pytest.raises(InconsistentHistoryError):
        decide(post, RestorePost(post.post_id), Actor(author_id), LIMITS)
