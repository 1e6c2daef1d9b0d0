"""PostView ↔ post_view rows."""

from __future__ import annotations

from typing import Any

from event_contract import PostStatus, Visibility
from read_side.model import PostView


def view_from_row(row: Any) -> PostView:
    return PostView(
        post_id=row.post_id,
        author_id=row.author_id,
        title=row.title,
        body=row.body,
        excerpt=row.excerpt,
        tags=tuple(row.tags),
        visibility=Visibility(row.visibility),
        status=PostStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        deleted_at=row.deleted_at,
        version=row.version,
        position=row.position,
    )


def row_from_view(view: PostView) -> dict[str, Any]:
    return {
        "post_id": view.post_id,
        "author_id": view.author_id,
        "title": view.title,
        "body": view.body,
        "excerpt": view.excerpt,
        "tags": list(view.tags),
        "visibility": view.visibility.value,
        "status": view.status.value,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
        "published_at": view.published_at,
        "deleted_at": view.deleted_at,
        "version": view.version,
        "position": view.position,
    }
