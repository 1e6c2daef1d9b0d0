"""Partial index of the posts listed for everyone: published and PUBLIC, newest first.

ListPosts and SearchPosts for a caller who is neither the author nor a moderator show only
these posts; without it the feed walks post_view_created_idx past every draft, private and
unlisted post. The queries spell the predicate with constants so the planner can use it.

Revision ID: 0102
Revises: 0101
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0102"
down_revision: str | None = "0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "post_view_listed_created_idx",
        "post_view",
        [sa.text("created_at DESC"), sa.text("post_id DESC")],
        postgresql_where=sa.text("status = 'PUBLISHED' AND visibility = 'PUBLIC'"),
    )


def downgrade() -> None:
    op.drop_index("post_view_listed_created_idx", table_name="post_view")
