"""Copies of the read tables: a rebuild's shadow tables and verify's scratch tables.

A copy (`post_view_rebuild`, …) has its live table's columns, defaults, checks, grants and
primary key, named `<live name><suffix>`. The primary key is there from the start (the
ProjectionWriter's upserts and row locks need it); the other indexes are added once the copy is
filled (`build_indexes`), which is several times faster than keeping GIN indexes up to date row
by row, and CONCURRENTLY, because that holds no transaction id while it builds: a plain CREATE
INDEX would hold the relay's commit-safe horizon back for as long as it runs.

Everything is read from the live table's catalog rather than from `tables.py`, so a copy has
whatever the migrations gave the live table. `swap` renames each copy's indexes (and so its
constraints) to the live names: afterwards the schema is exactly what Alembic created, and
`alembic -n read check` passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

READ_TABLES = ("post_view", "author_stats", "tag_stats")

_INDEXES = """
    SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition,
           CAST(c.contype AS text) AS constraint_type
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
    WHERE x.indrelid = CAST(CAST(:table AS text) AS regclass)
    ORDER BY i.relname
"""

# Privileges granted on the live table to others than its owner (e.g. a read-only role).
_GRANTS = """
    SELECT a.privilege_type AS privilege, a.is_grantable AS grantable,
           CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
    FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
    LEFT JOIN pg_roles r ON r.oid = a.grantee
    WHERE c.oid = CAST(CAST(:table AS text) AS regclass) AND a.grantee <> c.relowner
"""

_INDEX_DEF = re.compile(
    r"^CREATE (?P<unique>UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (?P<rest>USING .*)$"
)


class SwapError(RuntimeError):
    """A copy does not match its live table (a migration ran meanwhile): nothing is swapped."""


@dataclass(frozen=True, slots=True)
class _Index:
    name: str
    definition: str
    constraint_type: str | None  # "p" primary key, "u" unique constraint, None a plain index

    @property
    def is_key(self) -> bool:
        return self.constraint_type in {"p", "u"}


@dataclass(frozen=True, slots=True)
class Copies:
    suffix: str

    def name(self, table: str) -> str:
        return f"{table}{self.suffix}"

    async def create(self, conn: AsyncConnection) -> None:
        """The empty copies with their keys, replacing leftovers of an earlier run."""
        await self.drop(conn)
        for table in READ_TABLES:
            copy = _quote(self.name(table))
            await conn.execute(
                sa.text(
                    f"CREATE TABLE {copy} (LIKE {_quote(table)} INCLUDING DEFAULTS"
                    " INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)"
                )
            )
            for index in await _indexes(conn, table):
                if index.is_key:
                    await self._add_key(conn, table, index)
            await _copy_grants(conn, table, copy)

    async def _add_key(self, conn: AsyncConnection, table: str, index: _Index) -> None:
        name = _quote(index.name + self.suffix)
        await conn.execute(sa.text(self._index_ddl(table, index, concurrently=False)))
        kind = "PRIMARY KEY" if index.constraint_type == "p" else "UNIQUE"
        copy = _quote(self.name(table))
        await conn.execute(
            sa.text(f"ALTER TABLE {copy} ADD CONSTRAINT {name} {kind} USING INDEX {name}")
        )

    async def drop(self, conn: AsyncConnection) -> None:
        names = ", ".join(_quote(self.name(t)) for t in READ_TABLES)
        await conn.execute(sa.text(f"DROP TABLE IF EXISTS {names}"))

    async def build_indexes(self, engine: AsyncEngine) -> None:
        """The live tables' other indexes, on the filled copies (see the module docstring)."""
        async with engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in READ_TABLES:
                for index in await _indexes(auto, table):
                    if not index.is_key:
                        await auto.execute(
                            sa.text(self._index_ddl(table, index, concurrently=True))
                        )

    async def vacuum_analyze(self, engine: AsyncEngine) -> None:
        """Visibility map and planner statistics, so queries on a swapped-in table are planned
        as well as on the old one. No transaction id held, like CREATE INDEX CONCURRENTLY."""
        async with engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in READ_TABLES:
                await auto.execute(sa.text(f"VACUUM (ANALYZE) {_quote(self.name(table))}"))

    async def swap(self, conn: AsyncConnection, tables: tuple[str, ...]) -> None:
        """Replaces the live `tables` by their copies, inside the caller's transaction (queries
        see the old tables or the new ones, never neither). Checks every copy first."""
        renames: list[tuple[str, list[str]]] = []
        for table in tables:
            live = [i.name for i in await _indexes(conn, table)]
            copied = sorted(i.name for i in await _indexes(conn, self.name(table)))
            if sorted(name + self.suffix for name in live) != copied:
                raise SwapError(f"{self.name(table)} has indexes {copied}, {table} has {live}")
            renames.append((table, live))
        for table, live in renames:
            await conn.execute(sa.text(f"DROP TABLE {_quote(table)}"))
            await conn.execute(
                sa.text(f"ALTER TABLE {_quote(self.name(table))} RENAME TO {_quote(table)}")
            )
            for name in live:
                # Renaming a key's index renames its constraint too.
                await conn.execute(
                    sa.text(f"ALTER INDEX {_quote(name + self.suffix)} RENAME TO {_quote(name)}")
                )

    def _index_ddl(self, table: str, index: _Index, *, concurrently: bool) -> str:
        match = _INDEX_DEF.match(index.definition)
        if match is None:
            raise SwapError(f"unexpected definition of index {index.name}: {index.definition}")
        return (
            f"CREATE {match['unique'] or ''}INDEX {'CONCURRENTLY ' if concurrently else ''}"
            f"{_quote(index.name + self.suffix)} ON {_quote(self.name(table))} {match['rest']}"
        )


async def _indexes(conn: AsyncConnection, table: str) -> list[_Index]:
    rows = await conn.execute(sa.text(_INDEXES), {"table": _quote(table)})
    return [_Index(r.name, r.definition, r.constraint_type) for r in rows]


async def _copy_grants(conn: AsyncConnection, table: str, copy: str) -> None:
    for grant in await conn.execute(sa.text(_GRANTS), {"table": _quote(table)}):
        option = " WITH GRANT OPTION" if grant.grantable else ""
        await conn.execute(sa.text(f"GRANT {grant.privilege} ON {copy} TO {grant.grantee}{option}"))


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
