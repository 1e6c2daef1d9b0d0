"""Builders shared by the pure unit tests: posts in any state, events with metadata."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from event_contract import EventMetadata, NewEvent, PostEvent, PostStatus, Visibility
from write_side.domain import PostState

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)

type PostFactory = Callable[..., PostState]
type EventFactory = Callable[[PostEvent, int], NewEvent]


@pytest.fixture
def author_id() -> UUID:
    return uuid4()


@pytest.fixture
def make_post(author_id: UUID) -> PostFactory:
    """A post by `author_id` in the given status; other fields overridable by keyword."""

    def make(
        status: PostStatus = PostStatus.DRAFT,
        visibility: Visibility = Visibility.PUBLIC,
        **overrides: object,
    ) -> PostState:
        post = PostState(
            post_id=uuid4(),
            author_id=author_id,
            title="A title",
            body="A body",
            tags=("python", "grpc"),
            visibility=visibility,
            status=status,
            created_at=T0,
            updated_at=T0,
            published_at=T0 if status is PostStatus.PUBLISHED else None,
            deleted_at=T0 if status is PostStatus.DELETED else None,
            version=3,
            status_before_delete=PostStatus.PUBLISHED if status is PostStatus.DELETED else None,
        )
        return replace(post, **overrides)  # type: ignore[arg-type]

    return make


@pytest.fixture
def stamp(author_id: UUID) -> EventFactory:
    """Wrap a payload as the `version`-th event of its post, one minute after the previous."""

    def wrap(payload: PostEvent, version: int) -> NewEvent:
        metadata = EventMetadata(
            event_id=uuid4(),
            post_id=payload.post_id,
            version=version,
            occurred_at=T0 + timedelta(minutes=version),
            actor_id=author_id,
            caller="api-gateway",
            request_id=uuid4(),
        )
        return NewEvent(metadata=metadata, payload=payload)

    return wrap
