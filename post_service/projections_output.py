"""What `post-service projections …` prints: readable tables by default, JSON on request."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from read_side.operations.rebuild import RebuildReport
from read_side.operations.status import Part, Status
from read_side.operations.verify import VerifyReport


def rebuild_summary(r: RebuildReport) -> str:
    return (
        f"rebuilt {', '.join(r.tables)} from {r.events:,} events (up to position {r.head:,}) in"
        f" {r.seconds:.1f} s: {r.events_per_second:,.0f} events/s; first pass"
        f" {r.replay_seconds:.1f} s, indexes {r.index_seconds:.1f} s, longest transaction"
        f" {r.longest_transaction_s:.1f} s, projectors paused {r.pause_seconds * 1000:.0f} ms"
    )


def status_json(s: Status) -> str:
    document: dict[str, Any] = dataclasses.asdict(s)
    document["healthy"] = s.healthy
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()


def status_table(s: Status) -> str:
    rows: list[tuple[str, ...]] = [
        ("PART", "AT", "OF", "BEHIND", "OLDEST WAITING", "LAST PROGRESS", "STATE")
    ]
    rows += [_status_row(part) for part in (s.store, s.relay, *s.partitions)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    newest = "none" if s.newest_applied_position is None else f"{s.newest_applied_position:,}"
    lines.append(f"read model (post_view, author_stats, tag_stats): newest event applied {newest}")
    if s.kafka_error:
        lines.append(f"kafka: unreachable, consumer lag unknown ({s.kafka_error})")
    elif not s.partitions:
        lines.append("projector: the events topic has no partitions yet (the relay creates it)")
    verdict = "STALLED: " + ", ".join(s.problems) if s.problems else "nothing stalled"
    lines.append(f"{verdict} (threshold {s.stalled_after_s:g} s)")
    return "\n".join(line.rstrip() for line in lines)


def _status_row(p: Part) -> tuple[str, ...]:
    state = "STALLED" if p.stalled else ("behind" if p.behind else "ok")
    return (
        p.name,
        _number(p.position),
        _number(p.target),
        _number(p.behind),
        _age(p.waiting_s),
        "never" if p.idle_s is None else f"{_age(p.idle_s)} ago",
        state,
    )


def verify_summary(r: VerifyReport) -> str:
    point = (
        "every event up to it applied"
        if r.applied.reached
        else f"NOT all applied ({r.applied.why_not}): rows behind it show as differences"
    )
    header = (
        f"verified at event-store position {r.applied.head:,} ({point}); {r.posts:,} posts,"
        f" {r.folded_on:,} of them at a later version the projector applied meanwhile"
    )
    lines = [header, "TABLE         MISSING  EXTRA  DIFFERENT"]
    lines += [f"{t.table:<12}  {t.missing:>7}  {t.extra:>5}  {t.different:>9}" for t in r.tables]
    for t in r.tables:
        for kind, samples in t.samples.items():
            shown = ", ".join(
                f"{s.key} ({', '.join(s.columns)})" if s.columns else s.key for s in samples
            )
            lines.append(
                f"{t.table} {kind}: {shown}{' …' if len(samples) < _count(t, kind) else ''}"
            )
    lines.append(f"{r.differences:,} differences" if r.differences else "no differences")
    return "\n".join(lines)


def _count(t: Any, kind: str) -> int:
    return int(getattr(t, kind))


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:  # noqa: PLR2004 - seconds up to two minutes, then minutes
        return f"{seconds:.1f}s"
    minutes = seconds / 60
    return f"{minutes:.0f}m" if minutes < 120 else f"{minutes / 60:.1f}h"  # noqa: PLR2004
