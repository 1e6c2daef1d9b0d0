"""What the query and command scenarios call on: ids, an author, a tag, words, from a read model.

Read once from a projected database (after scenario 5) and handed to each load process as
JSON, so every scenario asks about data that exists and that its caller may see.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from bench.harness import dsn

MIX_POSTS = 10_000
_LISTED = "status = 'PUBLISHED' AND visibility = 'PUBLIC'"


async def read_dataset(database: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn(database))
    try:
        posts = await conn.fetch(
            "SELECT post_id::text, author_id::text FROM post_view"
            " WHERE status <> 'DELETED' ORDER BY post_id LIMIT $1",
            MIX_POSTS,
        )
        readable = await conn.fetch(
            "SELECT post_id::text FROM post_view"
            " WHERE status = 'PUBLISHED' AND visibility IN ('PUBLIC', 'UNLISTED')"
        )
        author = await conn.fetchval(
            f"SELECT author_id::text FROM post_view WHERE {_LISTED}"  # noqa: S608 - constant
            " GROUP BY author_id ORDER BY count(*) DESC LIMIT 1"
        )
        tag = await conn.fetchval("SELECT tag FROM tag_stats ORDER BY post_count DESC LIMIT 1")
        # Words that many posts share, but not the very commonest: a typical search.
        words = await conn.fetch(
            "SELECT word FROM ts_stat('SELECT search FROM post_view')"
            " WHERE length(word) > 3 ORDER BY ndoc DESC OFFSET 10 LIMIT 40"
        )
    finally:
        await conn.close()
    return {
        "posts": [[r[0], r[1]] for r in posts],
        "readable": [r[0] for r in readable],
        "author": author,
        "tag": tag,
        "words": [r[0] for r in words],
    }
