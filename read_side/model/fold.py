"""event → the change of the read rows.

`apply_event` folds one stored event into a post's view; `stats_delta` turns a view's before
and after into the changes of author_stats and tag_stats. Counters are derived from the
difference of two states, never from the event type alone, so applying the same event twice
(or an event that changes nothing visible) can never drift a counter.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from event_contract import (
    PostCreated,
    PostDeleted,
    PostEdited,
    PostPublished,
    PostRestored,
    PostStatus,
    PostUnpublished,
    StoredEvent,
)
from read_side.model.view import PostView, excerpt_of


def apply_event(view: PostView | None, event: StoredEvent) -> PostView:
    """The next view. The caller guarantees order: event.version == view.version + 1."""
    meta = event.metadata
    payload = event.payload
    if view is None:
        if not isinstance(payload, PostCreated):
            raise ValueError(f"post {meta.post_id}: history starts with {payload.TYPE}")
        return _created(payload, meta.occurred_at, meta.version, event.position)
    stamped = replace(
        view, updated_at=meta.occurred_at, version=meta.version, position=event.position
    )
    match payload:
        case PostEdited():
            return _edited(stamped, payload)
        case PostPublished():
            return replace(stamped, status=PostStatus.PUBLISHED, published_at=meta.occurred_at)
        case PostUnpublished():
            return replace(stamped, status=PostStatus.DRAFT)
        case PostDeleted():
            return replace(stamped, status=PostStatus.DELETED, deleted_at=meta.occurred_at)
        case PostRestored(restored_status=status):
            return replace(stamped, status=status, deleted_at=None)
        case PostCreated():
            raise ValueError(f"post {meta.post_id} created twice")


def fold_view(view: PostView | None, events: Iterable[StoredEvent]) -> PostView | None:
    for event in events:
        view = apply_event(view, event)
    return view


def _created(event: PostCreated, at: datetime, version: int, position: int) -> PostView:
    return PostView(
        post_id=event.post_id,
        author_id=event.author_id,
        title=event.title,
        body=event.body,
        excerpt=excerpt_of(event.body),
        tags=event.tags,
        visibility=event.visibility,
        status=PostStatus.DRAFT,
        created_at=at,
        updated_at=at,
        published_at=None,
        deleted_at=None,
        version=version,
        position=position,
    )


def _edited(view: PostView, event: PostEdited) -> PostView:
    body = view.body if event.body is None else event.body
    return replace(
        view,
        title=view.title if event.title is None else event.title,
        body=body,
        excerpt=view.excerpt if event.body is None else excerpt_of(body),
        tags=view.tags if event.tags is None else event.tags,
        visibility=view.visibility if event.visibility is None else event.visibility,
    )


@dataclass
class AuthorDelta:
    posts: int = 0
    published: int = 0
    last_published_at: datetime | None = None


@dataclass
class StatsDelta:
    """Accumulated counter changes of a batch of events."""

    authors: dict[UUID, AuthorDelta] = field(default_factory=dict)
    tags: Counter[str] = field(default_factory=Counter)

    def add(self, before: PostView | None, after: PostView) -> None:
        author = self.authors.setdefault(after.author_id, AuthorDelta())
        author.posts += _live(after) - _live(before)
        author.published += _published(after) - _published(before)
        # The latest publication ever: a max, so replaying or reordering batches can't lower it.
        if after.published_at is not None:
            latest = author.last_published_at
            author.last_published_at = max(latest or after.published_at, after.published_at)
        for tag in _listed_tags(after):
            self.tags[tag] += 1
        for tag in _listed_tags(before):
            self.tags[tag] -= 1


def stats_delta(changes: Iterable[tuple[PostView | None, PostView]]) -> StatsDelta:
    delta = StatsDelta()
    for before, after in changes:
        delta.add(before, after)
    return delta


def _live(view: PostView | None) -> int:
    """Posts an author has: every post that is not deleted, in any status or visibility."""
    return int(view is not None and view.status is not PostStatus.DELETED)


def _published(view: PostView | None) -> int:
    return int(view is not None and view.status is PostStatus.PUBLISHED)


def _listed_tags(view: PostView | None) -> tuple[str, ...]:
    return view.tags if view is not None and view.is_listed_publicly else ()
