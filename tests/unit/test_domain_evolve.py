"""`evolve` folds a post's history, new or stored, into its current state."""

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest
from pydantic import TypeAdapter

from event_contract import (
    NewEvent,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostEvent,
    PostPublished,
    PostRestored,
    PostStatus,
    PostUnpublished,
    Visibility,
)
from write_side.domain import (
    STATE_SCHEMA_VERSION,
    Actor,
    Command,
    CreatePost,
    DeletePost,
    EditPost,
    InconsistentHistoryError,
    Limits,
    PostState,
    PublishPost,
    RestorePost,
    UnpublishPost,
    decide,
    evolve,
    fold,
)

type EventFactory = Callable[[PostEvent, int], NewEvent]


def history(post_id: UUID, author_id: UUID) -> list[PostEvent]:
    return [
        PostCreated(post_id, author_id, "First", "Body", ("a",), Visibility.PUBLIC),
        PostEdited(post_id, title="Second", tags=("a", "b")),
        PostPublished(post_id),
        PostDeleted(post_id),
        PostRestored(post_id, PostStatus.PUBLISHED),
    ]


def stamped_history(stamp: EventFactory, post_id: UUID, author_id: UUID) -> list[NewEvent]:
    return [stamp(payload, n) for n, payload in enumerate(history(post_id, author_id), 1)]


def test_folding_create_edit_publish_delete_restore_gives_back_a_published_post(
    stamp: EventFactory, author_id: UUID
) -> None:
    post_id = uuid4()
    events = stamped_history(stamp, post_id, author_id)
    created, _, published, _, restored = (event.metadata.occurred_at for event in events)

    assert fold(None, events) == PostState(
        post_id=post_id,
        author_id=author_id,
        title="Second",
        body="Body",
        tags=("a", "b"),
        visibility=Visibility.PUBLIC,
        status=PostStatus.PUBLISHED,
        created_at=created,
        updated_at=restored,
        published_at=published,
        deleted_at=None,
        version=5,
        status_before_delete=None,
    )


def test_stored_events_fold_exactly_like_new_ones(stamp: EventFactory, author_id: UUID) -> None:
    new = stamped_history(stamp, uuid4(), author_id)
    stored = [event.stored_at(1000 + n) for n, event in enumerate(new)]

    assert fold(None, stored) == fold(None, new)


def test_folding_from_a_snapshot_equals_folding_from_the_start(
    stamp: EventFactory, author_id: UUID
) -> None:
    events = stamped_history(stamp, uuid4(), author_id)

    snapshot = fold(None, events[:2])

    assert fold(snapshot, events[2:]) == fold(None, events)


def test_a_new_post_is_a_draft_at_version_one(stamp: EventFactory, author_id: UUID) -> None:
    created = stamp(PostCreated(uuid4(), author_id, "T", "B", (), Visibility.PRIVATE), 1)

    post = evolve(None, created)

    when = created.metadata.occurred_at
    assert (post.status, post.version, post.created_at, post.updated_at) == (
        PostStatus.DRAFT,
        1,
        when,
        when,
    )
    assert (post.published_at, post.deleted_at, post.status_before_delete) == (None, None, None)


def test_deleting_remembers_the_status_and_time_and_restoring_forgets_them(
    stamp: EventFactory, author_id: UUID
) -> None:
    post_id = uuid4()
    created = stamp(PostCreated(post_id, author_id, "T", "B", (), Visibility.PUBLIC), 1)
    deletion = stamp(PostDeleted(post_id), 2)
    deleted = fold(None, [created, deletion])
    assert deleted is not None
    assert (deleted.status, deleted.deleted_at) == (
        PostStatus.DELETED,
        deletion.metadata.occurred_at,
    )
    assert deleted.status_before_delete is PostStatus.DRAFT

    restored = evolve(deleted, stamp(PostRestored(post_id, PostStatus.DRAFT), 3))

    assert (restored.status, restored.deleted_at, restored.status_before_delete) == (
        PostStatus.DRAFT,
        None,
        None,
    )


def test_unpublishing_makes_a_draft_again_and_clears_the_publication_time(
    stamp: EventFactory, author_id: UUID
) -> None:
    post_id = uuid4()
    events = [
        stamp(PostCreated(post_id, author_id, "T", "B", (), Visibility.PUBLIC), 1),
        stamp(PostPublished(post_id), 2),
        stamp(PostUnpublished(post_id), 3),
    ]

    post = fold(None, events)

    assert post is not None
    unpublished_at = events[2].metadata.occurred_at
    assert (post.status, post.published_at, post.updated_at) == (
        PostStatus.DRAFT,
        None,
        unpublished_at,
    )


def test_an_edit_changes_only_the_fields_it_carries(stamp: EventFactory, author_id: UUID) -> None:
    post_id = uuid4()
    created = stamp(PostCreated(post_id, author_id, "T", "B", ("a",), Visibility.PUBLIC), 1)

    post = fold(None, [created, stamp(PostEdited(post_id, visibility=Visibility.UNLISTED), 2)])

    assert post is not None
    assert (post.title, post.body, post.tags, post.visibility) == (
        "T",
        "B",
        ("a",),
        Visibility.UNLISTED,
    )


def test_what_decide_decides_always_folds(stamp: EventFactory, author_id: UUID) -> None:
    post_id, actor, limits = uuid4(), Actor(author_id), Limits()
    commands: list[Command] = [
        CreatePost(post_id, "T", "B"),
        PublishPost(post_id),
        EditPost(post_id, body="New"),
        UnpublishPost(post_id),
        DeletePost(post_id),
        RestorePost(post_id),
        PublishPost(post_id),
    ]
    state: PostState | None = None
    for command in commands:
        for payload in decide(state, command, actor, limits):
            state = evolve(state, stamp(payload, 1 if state is None else state.version + 1))

    assert state is not None
    assert (state.status, state.body, state.version) == (PostStatus.PUBLISHED, "New", 7)


def test_a_gap_in_the_versions_is_an_inconsistent_history(
    stamp: EventFactory, author_id: UUID
) -> None:
    post_id = uuid4()
    post = evolve(None, stamp(PostCreated(post_id, author_id, "T", "B", (), Visibility.PUBLIC), 1))

    with pytest.raises(InconsistentHistoryError, match="does not follow"):
        evolve(post, stamp(PostPublished(post_id), 3))
    with pytest.raises(InconsistentHistoryError, match="does not follow"):
        evolve(post, stamp(PostPublished(post_id), 1))


def test_a_history_must_start_with_post_created(stamp: EventFactory) -> None:
    with pytest.raises(InconsistentHistoryError, match="starts with"):
        evolve(None, stamp(PostPublished(uuid4()), 1))


def test_a_post_cannot_be_created_twice(stamp: EventFactory, author_id: UUID) -> None:
    created = PostCreated(uuid4(), author_id, "T", "B", (), Visibility.PUBLIC)

    with pytest.raises(InconsistentHistoryError, match="created twice"):
        evolve(evolve(None, stamp(created, 1)), stamp(created, 2))


def test_another_posts_event_cannot_be_folded_in(stamp: EventFactory, author_id: UUID) -> None:
    post = evolve(None, stamp(PostCreated(uuid4(), author_id, "T", "B", (), Visibility.PUBLIC), 1))

    with pytest.raises(InconsistentHistoryError, match="folded into"):
        evolve(post, stamp(PostPublished(uuid4()), 2))


def test_the_state_schema_version_starts_at_one() -> None:
    assert STATE_SCHEMA_VERSION == 1


def test_a_post_state_survives_the_json_round_trip_a_snapshot_makes(
    stamp: EventFactory, author_id: UUID
) -> None:
    state = fold(None, stamped_history(stamp, uuid4(), author_id))
    adapter = TypeAdapter(PostState)

    assert state is not None
    assert adapter.validate_json(adapter.dump_json(state), strict=True) == state
