"""The issue's targets, from the numbers of one run: where the design must get to (not a test)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

FRESHNESS_RATE = 200
FRESHNESS_P99_MS = 50


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | None
    against: str
    reference: float | None
    ratio: float | None
    goal: str
    met: bool | None


def point(points: list[dict[str, Any]], callers: int) -> dict[str, Any] | None:
    return next((p for p in points if p["callers"] == callers), None)


def _rate(p: dict[str, Any] | None) -> float | None:
    return None if p is None else float(p["per_second"])


def _ratio(name: str, ours: float | None, against: str, ref: float | None, goal: float) -> Target:
    ratio = round(ours / ref, 2) if ours is not None and ref else None
    met = None if ratio is None else ratio >= goal
    return Target(name, ours, against, ref, ratio, f">= {goal} x", met)


def targets(r: dict[str, Any], max_callers: int, peer_threads: int) -> list[Target]:
    create, get, ceil = r["commands"]["create"], r["queries"]["get"], r["ceilings"]
    found = [
        _ratio(
            f"CreatePost @{max_callers}",
            _rate(point(create, max_callers)),
            f"ceiling (c) insert @{max_callers}",
            _rate(point(ceil["insert"], max_callers)),
            0.7,
        ),
        _ratio(
            f"CreatePost @{peer_threads}",
            _rate(point(create, peer_threads)),
            f"eventsourcing, {peer_threads} threads",
            _rate(r["peer"]),
            3,
        ),
    ]
    found += [
        _ratio(
            f"GetPost @{n}",
            _rate(point(get, n)),
            f"ceiling (b) select @{n}",
            _rate(point(ceil["select"], n)),
            0.8,
        )
        for n in sorted({p["callers"] for p in get})
    ]
    copy = _rate(ceil["copy"])
    found += [
        _ratio("projector events/s", _rate(r["projector"]), "ceiling (d) COPY rows/s", copy, 0.2),
        _ratio("rebuild events/s", _rate(r["rebuild"]), "ceiling (d) COPY rows/s", copy, 0.5),
        _freshness(r["freshness"]["points"]),
    ]
    return found


def _freshness(points: list[dict[str, Any]]) -> Target:
    goal = f"<= {FRESHNESS_P99_MS} ms"
    # Smaller plans offer other rates: then the first one is judged.
    at = next((p for p in points if p["rate"] == FRESHNESS_RATE), points[0] if points else None)
    if at is None:
        return Target("freshness p99", None, "", None, None, goal, None)
    p99 = at["p99_ms"]
    name = f"freshness p99 @{at['rate']:g} cmd/s" + ("" if at["sustained"] else " (not sustained)")
    return Target(name, p99, "", None, None, goal, p99 is not None and p99 <= FRESHNESS_P99_MS)


def peer_bound(r: dict[str, Any], peer_threads: int) -> str | None:
    """The peer goal beside the ceilings at the peer's concurrency, on the same machine: (a) a
    gRPC server that does nothing, (c) one that commits one INSERT per call. The peer saves
    in-process, without an RPC, so a goal near (a) is out of reach of any gRPC server here."""
    echo = _rate(point(r["ceilings"]["echo"], peer_threads))
    insert = _rate(point(r["ceilings"]["insert"], peer_threads))
    peer = _rate(r["peer"])
    if echo is None or insert is None or peer is None:
        return None
    goal = 3 * peer
    return (
        f"For scale, at {peer_threads} callers on this machine: the peer goal is 3 x {peer:,.0f}"
        f" = {goal:,.0f} CreatePost/s ({goal / echo:.2f} x ceiling (a), the echo server:"
        f" {echo:,.0f} calls/s; {goal / insert:.2f} x ceiling (c), one INSERT per call:"
        f" {insert:,.0f} calls/s)."
    )


def as_json(found: list[Target]) -> list[dict[str, Any]]:
    return [asdict(t) for t in found]
