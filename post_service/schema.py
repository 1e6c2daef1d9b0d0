"""Every table the service owns, by side, for Alembic's autogenerate and `alembic check`.

The write side's tables live in DATABASE_URL, the read side's in READ_DATABASE_URL (which may
be the same database); each side has its own Alembic history (alembic.ini
section) and version table.
"""

from dataclasses import dataclass

from sqlalchemy import MetaData

from event_contract.store_schema import metadata as event_store_metadata
from read_side.adapters.tables import metadata as read_side_metadata
from write_side.adapters.tables import metadata as write_side_metadata


@dataclass(frozen=True)
class Side:
    name: str  # "write" or "read"; the read side's alembic.ini section is [read]
    version_table: str
    metadata: tuple[MetaData, ...]

    def owns(self, table_name: str) -> bool:
        return any(table_name in m.tables for m in self.metadata)


WRITE = Side("write", "alembic_version", (event_store_metadata, write_side_metadata))
READ = Side("read", "alembic_version_read", (read_side_metadata,))
SIDES = {side.name: side for side in (WRITE, READ)}
