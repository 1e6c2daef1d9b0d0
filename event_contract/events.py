"""The six facts that can happen to a post: the payloads (`data`) of our events.

Frozen, slotted dataclasses with plain annotations, so that pydantic can both validate them on
decode and generate one JSON Schema per type for subscribers. Within schema version 1 changes
are additive only; a breaking change bumps SCHEMA_VERSION and adds an upcaster (upcasting.py).
"""

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from event_contract.enums import PostStatus, Visibility


@dataclass(frozen=True, slots=True)
class PostCreated:
    TYPE: ClassVar[str] = "posts.v1.PostCreated"
    SCHEMA_VERSION: ClassVar[int] = 1

    post_id: UUID
    author_id: UUID
    title: str
    body: str
    tags: tuple[str, ...]
    visibility: Visibility


@dataclass(frozen=True, slots=True)
class PostEdited:
    """Only the fields that changed; None means unchanged and is left out of the JSON."""

    TYPE: ClassVar[str] = "posts.v1.PostEdited"
    SCHEMA_VERSION: ClassVar[int] = 1

    post_id: UUID
    title: str | None = None
    body: str | None = None
    tags: tuple[str, ...] | None = None
    visibility: Visibility | None = None

    def __post_init__(self) -> None:
        # An edit that changes nothing is a no-op and never becomes an event.
        if (self.title, self.body, self.tags, self.visibility) == (None, None, None, None):
            raise ValueError("PostEdited must change at least one field")


@dataclass(frozen=True, slots=True)
class PostPublished:
    TYPE: ClassVar[str] = "posts.v1.PostPublished"
    SCHEMA_VERSION: ClassVar[int] = 1

    post_id: UUID


@dataclass(frozen=True, slots=True)
class PostUnpublished:
    TYPE: ClassVar[str] = "posts.v1.PostUnpublished"
    SCHEMA_VERSION: ClassVar[int] = 1

    post_id: UUID


@dataclass(frozen=True, slots=True)
class PostDeleted:
    TYPE: ClassVar[str] = "posts.v1.PostDeleted"
    SCHEMA_VERSION: ClassVar[int] = 1

    post_id: UUID


@dataclass(frozen=True, slots=True)
class PostRestored:
    """`restored_status` is the status the post returns to: the one it had before it was
    deleted. Schema version 2 renamed it from `status`, which read like the current status."""

    TYPE: ClassVar[str] = "posts.v1.PostRestored"
    # v2: `status` renamed `restored_status`. Stored v1 rows are upcast on read (upcasting.py).
    SCHEMA_VERSION: ClassVar[int] = 2

    post_id: UUID
    restored_status: PostStatus

    def __post_init__(self) -> None:
        if self.restored_status is PostStatus.DELETED:
            raise ValueError("PostRestored cannot return a post to DELETED")


type PostEvent = (
    PostCreated | PostEdited | PostPublished | PostUnpublished | PostDeleted | PostRestored
)

EVENT_CLASSES: tuple[type[PostEvent], ...] = (
    PostCreated,
    PostEdited,
    PostPublished,
    PostUnpublished,
    PostDeleted,
    PostRestored,
)
