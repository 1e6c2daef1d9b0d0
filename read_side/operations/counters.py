"""author_stats and tag_stats as what they are: functions of the set of post views.

The projector keeps them up to date by differences (`read_side.model.StatsDelta`); these
queries compute them from the views at once. Verify compares the live counters with them (so a
bug in the differences would show), and a one-table rebuild recounts the rows it realigns.

- author: posts that are not deleted, posts published, the latest publication of any of them
  (published_at is kept through unpublishing and deletion, and only grows);
- tag: published PUBLIC posts carrying it. Tags whose count fell to 0 may keep a row in the
  live table; these queries have no such rows, so comparisons leave zero counts out.
"""

# ruff: noqa: S608 - SQL is built from our own table names, never from input

from __future__ import annotations

from event_contract import PostStatus, Visibility

_DELETED = f"'{PostStatus.DELETED.value}'"
_PUBLISHED = f"'{PostStatus.PUBLISHED.value}'"
_PUBLIC = f"'{Visibility.PUBLIC.value}'"


def author_counts(views: str, where: str = "TRUE") -> str:
    """SELECT author_id, post_count, published_count, last_published_at of the views in
    `views` (a table or a CTE name) that satisfy `where`."""
    return (
        f"SELECT author_id, count(*) FILTER (WHERE status <> {_DELETED}) AS post_count,"
        f" count(*) FILTER (WHERE status = {_PUBLISHED}) AS published_count,"
        f" max(published_at) AS last_published_at"
        f" FROM {views} WHERE {where} GROUP BY author_id"
    )


def tag_counts(views: str, where: str = "TRUE") -> str:
    """SELECT tag, post_count; `where` may use the unnested `tag`."""
    return (
        f"SELECT tag, count(*) AS post_count FROM {views} CROSS JOIN LATERAL unnest(tags) AS tag"
        f" WHERE status = {_PUBLISHED} AND visibility = {_PUBLIC} AND {where} GROUP BY tag"
    )
