"""The `events` table: the source of truth, shared by every reader of the event store.

Only the write side appends to it; the relay, StreamEvents, history, time travel and rebuilds
read it through `event_contract.store`. The database refuses UPDATE, DELETE and TRUNCATE (see
the migration that creates it), so a stored event never changes or disappears.
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    # Assigned by the database function next_event_position(), which takes the transaction's
    # xid before drawing from the sequence: commit-safe reading depends on that order.
    sa.Column(
        "position",
        sa.BigInteger,
        primary_key=True,
        autoincrement=False,
        server_default=sa.text("next_event_position()"),
    ),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("post_id", UUID(as_uuid=True), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("actor_id", UUID(as_uuid=True), nullable=False),
    sa.Column("caller", sa.Text, nullable=False),
    sa.Column("request_id", UUID(as_uuid=True), nullable=True),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "recorded_at",
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.text("clock_timestamp()"),
    ),
    sa.UniqueConstraint("post_id", "version", name="events_post_id_version_key"),
    sa.CheckConstraint("version >= 1", name="events_version_positive"),
)
