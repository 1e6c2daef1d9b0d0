"""Event store: the immutable `events` table and the write side's tables beside it.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Commit-safe reading by position (see event_contract/store.py) needs every appending
# transaction to hold its xid BEFORE it draws a position: then any position a reader can't see
# yet belongs to a transaction that is listed as in progress in the reader's snapshot. A column
# default puts that order in the database, so no insert path (ours, a bulk loader, psql) can
# break it.
NEXT_POSITION_FUNCTION = """
CREATE FUNCTION next_event_position() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_current_xact_id();
    RETURN nextval('events_position_seq');
END
$$;
"""

# Events are immutable: the database itself refuses to change or remove one.
REFUSE_CHANGE_FUNCTION = """
CREATE FUNCTION events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def upgrade() -> None:
    op.execute("CREATE SEQUENCE events_position_seq AS bigint")
    op.execute(NEXT_POSITION_FUNCTION)
    op.create_table(
        "events",
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
    op.execute("ALTER SEQUENCE events_position_seq OWNED BY events.position")
    op.execute(REFUSE_CHANGE_FUNCTION)
    op.execute(
        "CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()"
    )

    op.create_table(
        "idempotency_records",
        sa.Column("request_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("fingerprint", sa.LargeBinary, nullable=False),
        sa.Column("post_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
    )
    op.create_index("idempotency_records_created_at_idx", "idempotency_records", ["created_at"])
    op.create_table(
        "posts_by_author",
        sa.Column("author_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("post_id", UUID(as_uuid=True), primary_key=True),
    )
    op.create_table(
        "snapshots",
        sa.Column("post_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("state_schema_version", sa.Integer, nullable=False),
        sa.Column("state", JSONB, nullable=False),
        sa.Column(
            "taken_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
        ),
    )
    op.create_table(
        "relay_checkpoints",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
    )


def downgrade() -> None:
    op.drop_table("relay_checkpoints")
    op.drop_table("snapshots")
    op.drop_table("posts_by_author")
    op.drop_table("idempotency_records")
    # Dropping the whole table is the one way events go: only a downgrade, never a DELETE.
    op.drop_table("events")
    op.execute("DROP FUNCTION events_refuse_change()")
    op.execute("DROP FUNCTION next_event_position()")
    op.execute("DROP SEQUENCE IF EXISTS events_position_seq")
