"""Row-by-row comparison of a live read table with what it should hold, in SQL (FULL JOIN on the
key), inside the caller's transaction: counts of missing, extra and different rows, and the
first few keys of each (with the columns that differ)."""

# ruff: noqa: S608 - SQL is built from our own table and column names, never from input

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class Sample:
    key: str
    columns: tuple[str, ...] = ()  # for a different row: the columns that differ


@dataclass(frozen=True, slots=True)
class TableDifferences:
    table: str
    missing: int = 0  # rows it should have and lacks
    extra: int = 0  # rows it has and should not
    different: int = 0
    samples: dict[str, list[Sample]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.missing + self.extra + self.different


@dataclass(frozen=True, slots=True)
class Comparison:
    table: str
    key: str
    columns: tuple[str, ...]  # every compared column, the key included
    live: str  # SELECT of the live rows
    expected: str  # SELECT of the rows it should hold


async def compare(conn: AsyncConnection, c: Comparison, samples: int = 5) -> TableDifferences:
    rows = await conn.execute(sa.text(_diff_sql(c)), {"samples": samples})
    counts = {"missing": 0, "extra": 0, "different": 0}
    found: dict[str, list[Sample]] = {}
    for row in rows:
        counts[row.kind] = row.total
        columns = tuple(row.columns) if row.kind == "different" else ()
        found.setdefault(row.kind, []).append(Sample(row.key, columns))
    return TableDifferences(c.table, **counts, samples=found)


def _diff_sql(c: Comparison) -> str:
    differs = " OR ".join(f"l.{col} IS DISTINCT FROM e.{col}" for col in c.columns)
    which = ", ".join(
        f"CASE WHEN l.{col} IS DISTINCT FROM e.{col} THEN '{col}' END" for col in c.columns
    )
    k = c.key
    return f"""
        WITH live AS ({c.live}), expected AS ({c.expected}),
        diff AS (
            SELECT CAST(COALESCE(l.{k}, e.{k}) AS text) AS key,
                   CASE WHEN l.{k} IS NULL THEN 'missing'
                        WHEN e.{k} IS NULL THEN 'extra' ELSE 'different' END AS kind,
                   array_remove(ARRAY[{which}], NULL) AS columns
            FROM live l FULL JOIN expected e ON e.{k} = l.{k}
            WHERE l.{k} IS NULL OR e.{k} IS NULL OR {differs}
        ),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY kind ORDER BY key) AS n,
                   count(*) OVER (PARTITION BY kind) AS total
            FROM diff
        )
        SELECT kind, key, columns, total FROM ranked WHERE n <= :samples ORDER BY kind, key
    """
