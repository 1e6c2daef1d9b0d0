"""Who may see and change a post: existence never leaks to those who may not see it."""

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest

from event_contract import PostStatus, Visibility
from write_side.domain import (
    SYSTEM_ACTOR,
    Actor,
    DeletePost,
    EditPost,
    InvalidInput,
    Limits,
    PermissionDenied,
    PostNotFound,
    PostState,
    RestorePost,
    can_see,
    decide,
)

type PostFactory = Callable[..., PostState]

LIMITS = Limits()
STATUSES = list(PostStatus)
VISIBILITIES = list(Visibility)


def actor_named(name: str, author_id: UUID) -> Actor:
    return {
        "author": Actor(author_id),
        "author-with-odd-roles": Actor(author_id, frozenset({"viewer"})),
        "moderator": Actor(uuid4(), frozenset({"moderator"})),
        "admin": Actor(uuid4(), frozenset({"admin", "viewer"})),
        "system": SYSTEM_ACTOR,
        "stranger": Actor(uuid4()),
        "stranger-with-other-roles": Actor(uuid4(), frozenset({"editor", "Moderator"})),
    }[name]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("who", ["author", "author-with-odd-roles", "moderator", "admin", "system"])
def test_the_author_and_privileged_actors_may_change_any_post(
    make_post: PostFactory,
    author_id: UUID,
    who: str,
    visibility: Visibility,
    status: PostStatus,
) -> None:
    post = make_post(status, visibility)
    actor = actor_named(who, author_id)

    decide(post, DeletePost(post.post_id), actor, LIMITS)  # raises nothing
    assert can_see(post, actor)


@pytest.mark.parametrize("who", ["stranger", "stranger-with-other-roles"])
@pytest.mark.parametrize(
    ("status", "visibility", "error"),
    [
        (PostStatus.DRAFT, Visibility.PUBLIC, PostNotFound),
        (PostStatus.DRAFT, Visibility.UNLISTED, PostNotFound),
        (PostStatus.DRAFT, Visibility.PRIVATE, PostNotFound),
        (PostStatus.PUBLISHED, Visibility.PUBLIC, PermissionDenied),
        (PostStatus.PUBLISHED, Visibility.UNLISTED, PermissionDenied),
        (PostStatus.PUBLISHED, Visibility.PRIVATE, PostNotFound),
        (PostStatus.DELETED, Visibility.PUBLIC, PostNotFound),
        (PostStatus.DELETED, Visibility.UNLISTED, PostNotFound),
        (PostStatus.DELETED, Visibility.PRIVATE, PostNotFound),
    ],
)
def test_a_stranger_gets_not_found_for_what_they_cannot_see_and_denied_for_the_rest(
    *,
    make_post: PostFactory,
    author_id: UUID,
    who: str,
    status: PostStatus,
    visibility: Visibility,
    error: type[Exception],
) -> None:
    post = make_post(status, visibility)
    actor = actor_named(who, author_id)

    with pytest.raises(error):
        decide(post, DeletePost(post.post_id), actor, LIMITS)
    assert can_see(post, actor) is (error is PermissionDenied)


def test_a_strangers_delete_of_a_deleted_post_is_not_found_rather_than_a_no_op(
    make_post: PostFactory,
) -> None:
    post = make_post(PostStatus.DELETED)

    with pytest.raises(PostNotFound):
        decide(post, DeletePost(post.post_id), Actor(uuid4()), LIMITS)


def test_a_strangers_restore_of_a_published_post_is_denied_rather_than_a_no_op(
    make_post: PostFactory,
) -> None:
    post = make_post(PostStatus.PUBLISHED)

    with pytest.raises(PermissionDenied) as caught:
        decide(post, RestorePost(post.post_id), Actor(uuid4()), LIMITS)

    assert caught.value.reason == "PERMISSION_DENIED"


def test_a_stranger_learns_nothing_from_validation_of_an_invisible_post(
    make_post: PostFactory,
) -> None:
    post = make_post(PostStatus.DRAFT)

    with pytest.raises(PostNotFound):
        decide(post, EditPost(post.post_id, title=""), Actor(uuid4()), LIMITS)


def test_the_author_with_invalid_input_gets_the_violations(
    make_post: PostFactory, author_id: UUID
) -> None:
    post = make_post(PostStatus.DRAFT)

    with pytest.raises(InvalidInput):
        decide(post, EditPost(post.post_id, title=""), Actor(author_id), LIMITS)


def test_the_system_actor_is_the_nil_uuid_with_the_admin_role() -> None:
    assert SYSTEM_ACTOR.actor_id == UUID(int=0)
    assert SYSTEM_ACTOR.roles == frozenset({"admin"})
    assert SYSTEM_ACTOR.is_privileged


@pytest.mark.parametrize(
    ("roles", "privileged"),
    [
        (frozenset(), False),
        (frozenset({"moderator"}), True),
        (frozenset({"admin"}), True),
        (frozenset({"editor", "viewer"}), False),
        (frozenset({"Admin"}), False),
    ],
)
def test_only_the_moderator_and_admin_roles_are_privileged(
    *, roles: frozenset[str], privileged: bool
) -> None:
    assert Actor(uuid4(), roles).is_privileged is privileged
