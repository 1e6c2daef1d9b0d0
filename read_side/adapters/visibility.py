"""Who may read which post (DESIGN.md, "Domain"), as a Python predicate and as SQL, side by side
so that the two cannot drift apart.

A post's author and moderators (or admins) see every post; anyone else sees only published
posts: PUBLIC ones anywhere, UNLISTED ones only when asking for them by id (never in lists or
search). Deleted posts are hidden from everyone unless the request asks for them
(show_deleted), and then shown only to the author and moderators: for anyone else they don't
exist. So a caller without an actor id sees exactly the published PUBLIC (and, by id, UNLISTED)
posts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa

from event_contract import PostStatus, Visibility
from read_side.adapters.tables import post_view
from read_side.model import PostView

PRIVILEGED_ROLES = frozenset({"moderator", "admin"})
_BY_ID = (Visibility.PUBLIC, Visibility.UNLISTED)
_LISTED = (Visibility.PUBLIC,)


@dataclass(frozen=True, slots=True)
class Viewer:
    actor_id: UUID | None
    privileged: bool = False

    @classmethod
    def of(cls, actor_id: UUID | None, roles: Collection[str]) -> Viewer:
        return cls(actor_id, privileged=not PRIVILEGED_ROLES.isdisjoint(roles))

    def sees_everything_of(self, author_id: UUID) -> bool:
        return self.privileged or (self.actor_id is not None and self.actor_id == author_id)


def can_read(view: PostView, viewer: Viewer, *, show_deleted: bool) -> bool:
    """By id: GetPost, BatchGetPosts, GetPostHistory, GetPostAt."""
    if view.status is PostStatus.DELETED and not show_deleted:
        return False
    if viewer.sees_everything_of(view.author_id):
        return True
    return view.status is PostStatus.PUBLISHED and view.visibility in _BY_ID


def readable_by_id(viewer: Viewer, *, show_deleted: bool) -> sa.ColumnElement[bool]:
    """`can_read` as a WHERE clause on post_view."""
    return _clause(viewer, _BY_ID, show_deleted=show_deleted)


def listed_for(viewer: Viewer, *, show_deleted: bool) -> sa.ColumnElement[bool]:
    """ListPosts and SearchPosts: like `readable_by_id`, without others' UNLISTED posts."""
    return _clause(viewer, _LISTED, show_deleted=show_deleted)


def _const(value: PostStatus | Visibility) -> sa.BindParameter[str]:
    # Rendered into the SQL text, not sent as a parameter: only with constants in the query can
    # the planner (also in the generic plans of prepared statements) prove that the partial
    # index of listed posts covers it (migration 0102).
    return sa.literal(value.value, literal_execute=True)


def _clause(
    viewer: Viewer, others_see: tuple[Visibility, ...], *, show_deleted: bool
) -> sa.ColumnElement[bool]:
    c = post_view.c
    deleted = sa.true() if show_deleted else c.status != _const(PostStatus.DELETED)
    if viewer.privileged:
        return deleted
    public = sa.and_(
        c.status == _const(PostStatus.PUBLISHED),
        sa.or_(*(c.visibility == _const(v) for v in others_see)),
    )
    if viewer.actor_id is None:
        return sa.and_(deleted, public)
    return sa.and_(deleted, sa.or_(c.author_id == viewer.actor_id, public))
