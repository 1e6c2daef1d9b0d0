"""Read model: post_view, author_stats, tag_stats and the projector's Kafka checkpoints.

The read side (alembic.ini section [read]): applied to READ_DATABASE_URL (which may be the
write database), tracked in its own version table, so the read side can move to a database
of its own.

Revision ID: 0101
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID

revision: str = "0101"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "post_view",
        sa.Column("post_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("author_id", UUID(as_uuid=True), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("excerpt", sa.Text, nullable=False),
        sa.Column("tags", ARRAY(sa.Text), nullable=False),
        sa.Column("visibility", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("search", TSVECTOR, nullable=False),
    )
    op.create_index(
        "post_view_author_created_idx",
        "post_view",
        ["author_id", sa.text("created_at DESC"), sa.text("post_id DESC")],
    )
    op.create_index(
        "post_view_created_idx", "post_view", [sa.text("created_at DESC"), sa.text("post_id DESC")]
    )
    op.create_index("post_view_tags_idx", "post_view", ["tags"], postgresql_using="gin")
    op.create_index("post_view_search_idx", "post_view", ["search"], postgresql_using="gin")
    op.create_table(
        "author_stats",
        sa.Column("author_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("post_count", sa.BigInteger, nullable=False),
        sa.Column("published_count", sa.BigInteger, nullable=False),
        sa.Column("last_published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "tag_stats",
        sa.Column("tag", sa.Text, primary_key=True),
        sa.Column("post_count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "projection_checkpoints",
        sa.Column("topic", sa.Text, primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("next_offset", sa.BigInteger, nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
    )


def downgrade() -> None:
    op.drop_table("projection_checkpoints")
    op.drop_table("tag_stats")
    op.drop_table("author_stats")
    op.drop_table("post_view")
