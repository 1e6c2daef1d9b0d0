"""The read tables: denormalised for the queries, rebuilt from the event store at will.

They may live in a database of their own (READ_DATABASE_URL); Alembic's `read` branch owns
them. Column names and indexes here and in that branch must agree (`alembic check`).
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID

metadata = sa.MetaData()

post_view = sa.Table(
    "post_view",
    metadata,
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
    # Written by the projector with the configured text search configuration (SEARCH_CONFIG).
    sa.Column("search", TSVECTOR, nullable=False),
    # ListPosts: newest first per author, per status, and for everyone.
    sa.Index(
        "post_view_author_created_idx",
        "author_id",
        sa.text("created_at DESC"),
        sa.text("post_id DESC"),
    ),
    sa.Index("post_view_created_idx", sa.text("created_at DESC"), sa.text("post_id DESC")),
    # The feed everyone else sees (published PUBLIC posts, newest first) without wading
    # through drafts, private and unlisted posts (migration 0102).
    sa.Index(
        "post_view_listed_created_idx",
        sa.text("created_at DESC"),
        sa.text("post_id DESC"),
        postgresql_where=sa.text("status = 'PUBLISHED' AND visibility = 'PUBLIC'"),
    ),
    sa.Index("post_view_tags_idx", "tags", postgresql_using="gin"),
    sa.Index("post_view_search_idx", "search", postgresql_using="gin"),
)

author_stats = sa.Table(
    "author_stats",
    metadata,
    sa.Column("author_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("post_count", sa.BigInteger, nullable=False),
    sa.Column("published_count", sa.BigInteger, nullable=False),
    sa.Column("last_published_at", sa.DateTime(timezone=True), nullable=True),
)

tag_stats = sa.Table(
    "tag_stats",
    metadata,
    sa.Column("tag", sa.Text, primary_key=True),
    # Published PUBLIC posts that carry the tag.
    sa.Column("post_count", sa.BigInteger, nullable=False),
)

# Kafka offsets the projector has applied, written in the same transaction as the rows.
projection_checkpoints = sa.Table(
    "projection_checkpoints",
    metadata,
    sa.Column("topic", sa.Text, primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
)
