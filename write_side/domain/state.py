"""The Post aggregate's state and `evolve`, which folds one event into it.

What the times mean (the read model's own fold should agree): `updated_at` is the time of the
latest event of any kind; `published_at` is set by PostPublished and cleared by
PostUnpublished, and survives a delete/restore; `deleted_at` is set by PostDeleted and cleared
by PostRestored; `status_before_delete` remembers where RestorePost returns to.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from event_contract import (
    Envelope,
    EventMetadata,
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
from write_side.domain.errors import InconsistentHistoryError

# Snapshots store this beside the state; a snapshot of another version is ignored and the
# post is folded from its events instead. Bump it whenever PostState's shape changes.
STATE_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class PostState:
    post_id: UUID
    author_id: UUID
    title: str
    body: str
    tags: tuple[str, ...]
    visibility: Visibility
    status: PostStatus
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    deleted_at: datetime | None
    version: int
    status_before_delete: PostStatus | None


def fold(state: PostState | None, events: Iterable[Envelope]) -> PostState | None:
    """Fold events (e.g. those after a snapshot) into a state, in order."""
    for event in events:
        state = evolve(state, event)
    return state


def evolve(state: PostState | None, event: Envelope) -> PostState:
    meta = event.metadata
    _check_continues(state, meta)
    if state is None:
        if isinstance(event.payload, PostCreated):
            return _created(event.payload, meta.occurred_at, meta.version)
        raise InconsistentHistoryError(
            f"post {meta.post_id} history starts with {event.payload.TYPE}"
        )
    stamped = replace(state, updated_at=meta.occurred_at, version=meta.version)
    return _apply(stamped, event.payload, meta.occurred_at)


def _apply(state: PostState, payload: PostEvent, at: datetime) -> PostState:
    match payload:
        case PostCreated():
            raise InconsistentHistoryError(f"post {state.post_id} created twice")
        case PostEdited():
            return _edited(state, payload)
        case PostPublished():
            return replace(state, status=PostStatus.PUBLISHED, published_at=at)
        case PostUnpublished():
            return replace(state, status=PostStatus.DRAFT, published_at=None)
        case PostDeleted():
            return _deleted(state, at)
        case PostRestored(restored_status=status):
            return replace(state, status=status, deleted_at=None, status_before_delete=None)


def _created(event: PostCreated, at: datetime, version: int) -> PostState:
    return PostState(
        post_id=event.post_id,
        author_id=event.author_id,
        title=event.title,
        body=event.body,
        tags=event.tags,
        visibility=event.visibility,
        status=PostStatus.DRAFT,
        created_at=at,
        updated_at=at,
        published_at=None,
        deleted_at=None,
        version=version,
        status_before_delete=None,
    )


def _edited(state: PostState, event: PostEdited) -> PostState:
    return replace(
        state,
        title=state.title if event.title is None else event.title,
        body=state.body if event.body is None else event.body,
        tags=state.tags if event.tags is None else event.tags,
        visibility=state.visibility if event.visibility is None else event.visibility,
    )


def _deleted(state: PostState, at: datetime) -> PostState:
    # Deleting twice is a no-op in `decide`, so the status seen here is never DELETED;
    # keeping the guard makes a corrupt history fail loudly instead of restoring to DELETED.
    if state.status is PostStatus.DELETED:
        raise InconsistentHistoryError(f"post {state.post_id} deleted while already deleted")
    return replace(
        state, status=PostStatus.DELETED, deleted_at=at, status_before_delete=state.status
    )


def _check_continues(state: PostState | None, meta: EventMetadata) -> None:
    # Events are facts and are not judged again here, but a gap, a repeat or another post's
    # event means the history itself is broken, and folding on would hide that.
    current = 0 if state is None else state.version
    if meta.version != current + 1:
        raise InconsistentHistoryError(
            f"version {meta.version} of post {meta.post_id} does not follow version {current}"
        )
    if state is not None and meta.post_id != state.post_id:
        raise InconsistentHistoryError(f"event of post {meta.post_id} folded into {state.post_id}")
