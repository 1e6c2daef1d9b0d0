"""The read model's fold: views from events, and counters from before/after views."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from event_contract import (
    EventMetadata,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostEvent,
    PostPublished,
    PostRestored,
    PostStatus,
    PostUnpublished,
    StoredEvent,
    Visibility,
)
from read_side.model import PostView, apply_event, excerpt_of, fold_view, stats_delta
from read_side.model.view import EXCERPT_LENGTH

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


class History:
    """Builds one post's stored events, versions and positions counting up."""

    def __init__(self, author: UUID | None = None) -> None:
        self.post_id = uuid4()
        self.author = author or uuid4()
        self.events: list[StoredEvent] = []

    def add(self, payload: PostEvent) -> StoredEvent:
        version = len(self.events) + 1
        event = StoredEvent(
            position=version * 10,
            metadata=EventMetadata(
                event_id=uuid4(),
                post_id=self.post_id,
                version=version,
                occurred_at=T0 + timedelta(minutes=version),
                actor_id=self.author,
                caller="test",
            ),
            payload=payload,
        )
        self.events.append(event)
        return event

    def create(self, tags: tuple[str, ...] = ("python",), visibility=Visibility.PUBLIC):
        return self.add(
            PostCreated(
                post_id=self.post_id,
                author_id=self.author,
                title="Title",
                body="Body",
                tags=tags,
                visibility=visibility,
            )
        )


def _changes(history: History) -> list[tuple[PostView | None, PostView]]:
    changes: list[tuple[PostView | None, PostView]] = []
    view: PostView | None = None
    for event in history.events:
        after = apply_event(view, event)
        changes.append((view, after))
        view = after
    return changes


def test_a_history_folds_into_the_view_a_client_shows():
    h = History()
    h.create()
    h.add(PostEdited(post_id=h.post_id, title="New", tags=("grpc",)))
    h.add(PostPublished(post_id=h.post_id))
    h.add(PostUnpublished(post_id=h.post_id))
    view = fold_view(None, h.events)
    assert view is not None
    assert (view.title, view.tags, view.status, view.version, view.position) == (
        "New",
        ("grpc",),
        PostStatus.DRAFT,
        4,
        40,
    )
    # The most recent publication is kept after unpublishing, as the API documents.
    assert view.published_at == T0 + timedelta(minutes=3)
    assert view.updated_at == T0 + timedelta(minutes=4)


def test_delete_then_restore_returns_to_the_status_it_had_and_clears_the_delete_time():
    h = History()
    h.create()
    h.add(PostPublished(post_id=h.post_id))
    deleted = fold_view(None, [*h.events, h.add(PostDeleted(post_id=h.post_id))])
    assert deleted is not None
    assert deleted.status is PostStatus.DELETED
    assert deleted.deleted_at is not None
    h.add(PostRestored(post_id=h.post_id, restored_status=PostStatus.PUBLISHED))
    restored = fold_view(None, h.events)
    assert restored is not None
    assert (restored.status, restored.deleted_at) == (PostStatus.PUBLISHED, None)


def test_a_history_that_does_not_start_with_creation_is_refused():
    h = History()
    with pytest.raises(ValueError, match="starts with"):
        apply_event(None, h.add(PostPublished(post_id=h.post_id)))


def test_counters_follow_the_lifecycle_of_a_public_post():
    h = History()
    h.create(tags=("python", "grpc"))
    h.add(PostPublished(post_id=h.post_id))
    delta = stats_delta(_changes(h))
    author = delta.authors[h.author]
    assert (author.posts, author.published, author.last_published_at) == (
        1,
        1,
        T0 + timedelta(minutes=2),
    )
    assert delta.tags == {"python": 1, "grpc": 1}

    h.add(PostDeleted(post_id=h.post_id))
    full = stats_delta(_changes(h))
    assert (full.authors[h.author].posts, full.authors[h.author].published) == (0, 0)
    assert {tag: n for tag, n in full.tags.items() if n} == {}


def test_private_and_unlisted_posts_never_count_in_tag_stats():
    for visibility in (Visibility.PRIVATE, Visibility.UNLISTED):
        h = History()
        h.create(visibility=visibility)
        h.add(PostPublished(post_id=h.post_id))
        assert not any(stats_delta(_changes(h)).tags.values())


def test_retagging_a_published_post_moves_its_tag_counts():
    h = History()
    h.create(tags=("old",))
    h.add(PostPublished(post_id=h.post_id))
    h.add(PostEdited(post_id=h.post_id, tags=("new",)))
    assert {t: n for t, n in stats_delta(_changes(h)).tags.items() if n} == {"new": 1}


def test_an_excerpt_is_short_flat_and_cut_at_a_word():
    assert excerpt_of("Hello\n\n  world") == "Hello world"
    long = ("слово " * 100).strip()
    excerpt = excerpt_of(long)
    assert len(excerpt) <= EXCERPT_LENGTH
    assert excerpt.endswith("…")
    assert excerpt.removesuffix("…").split(" ")[-1] == "слово"
