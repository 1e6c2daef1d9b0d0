"""Write-side tables beside the event store: idempotency, posts by author, snapshots, relay.

All of them are derived from or guard the `events` table; none is a source of truth.
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

# AIP-155 request ids: the first result of a request, kept for the retention window.
idempotency_records = sa.Table(
    "idempotency_records",
    metadata,
    sa.Column("request_id", UUID(as_uuid=True), primary_key=True),
    # A digest of the request (method, caller, actor and fields): the same id with another
    # request is refused rather than answered with the wrong result.
    sa.Column("fingerprint", sa.LargeBinary, nullable=False),
    sa.Column("post_id", UUID(as_uuid=True), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Index("idempotency_records_created_at_idx", "created_at"),
)

# The write side's own index of posts by author (UserDeleted finds posts here, not in the
# lagging read model). Written in the same transaction as PostCreated.
posts_by_author = sa.Table(
    "posts_by_author",
    metadata,
    sa.Column("author_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("post_id", UUID(as_uuid=True), primary_key=True),
)

# The newest snapshot of a post's state. A cache: it may be stale or absent, never wrong about
# the version it names; a snapshot of another state schema version is ignored.
snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("post_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("state_schema_version", sa.Integer, nullable=False),
    sa.Column("state", JSONB, nullable=False),
    sa.Column(
        "taken_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
)

# How far each relay (by name) has published; advanced only after the broker acknowledged.
relay_checkpoints = sa.Table(
    "relay_checkpoints",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
)
