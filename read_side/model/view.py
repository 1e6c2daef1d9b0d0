"""A post as the read side shows it: one `post_view` row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from event_contract import PostStatus, Visibility

EXCERPT_LENGTH = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class PostView:
    post_id: UUID
    author_id: UUID
    title: str
    body: str
    excerpt: str
    tags: tuple[str, ...]
    visibility: Visibility
    status: PostStatus
    created_at: datetime
    updated_at: datetime
    # The most recent publication; kept after unpublishing (the API documents it so).
    published_at: datetime | None
    # Set only while the post is deleted.
    deleted_at: datetime | None
    version: int
    position: int

    @property
    def is_listed_publicly(self) -> bool:
        """Counted in tag stats and listed for everyone: published and PUBLIC."""
        return self.status is PostStatus.PUBLISHED and self.visibility is Visibility.PUBLIC


def excerpt_of(body: str) -> str:
    """The first EXCERPT_LENGTH code points, cut at a word boundary where one is near."""
    flat = _flat_start(body)
    if len(flat) <= EXCERPT_LENGTH:
        return flat
    cut = flat[: EXCERPT_LENGTH - 1]
    space = cut.rfind(" ")
    if space >= EXCERPT_LENGTH // 2:
        cut = cut[:space]
    return cut + "…"


def _flat_start(body: str) -> str:
    """The start of the body with whitespace runs made single spaces: long enough to cut the
    excerpt from, without flattening a 100,000-character body (a rebuild does this for every
    edit). Flattening a prefix gives a prefix of the flattened whole, so once it is longer
    than the excerpt, its first EXCERPT_LENGTH code points are the whole's."""
    window = 4 * EXCERPT_LENGTH
    while True:
        flat = " ".join(body[:window].split())
        if len(flat) > EXCERPT_LENGTH or window >= len(body):
            return flat
        window *= 4
