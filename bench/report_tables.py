"""Markdown pieces of the results: numbers, CPU, tables of points and of targets."""

from __future__ import annotations

from typing import Any

from bench.targets import Target, point

NONE = "-"
POINT_HEADER = [
    (
        "| scenario | callers | calls/s | p50 ms | p95 ms | p99 ms | errors | ratio to ceiling "
        "| server CPU ms/call | CPU s server / load / pg / other |"
    ),
    "|---|---:|---:|---:|---:|---:|---|---:|---:|---|",
]


def cpu(p: dict[str, Any], roles: tuple[str, ...] = ("server", "load", "postgres", "other")) -> str:
    seconds = p.get("cpu_s", {})
    return " / ".join(f"{seconds[r]:.1f}" if r in seconds else NONE for r in roles)


def per_call_ms(p: dict[str, Any], role: str = "server") -> str:
    seconds, calls = p.get("cpu_s", {}).get(role), p.get("calls")
    return f"{1000 * seconds / calls:.2f}" if seconds is not None and calls else NONE


def num(value: float | None, digits: int = 0) -> str:
    return NONE if value is None else f"{value:,.{digits}f}"


def ms(value: float | None) -> str:
    """A latency; None when nothing was answered in the window."""
    return num(value, 1)


def machine_line(m: dict[str, Any]) -> str:
    return (
        f"{m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, Linux {m['kernel']}, Python "
        f"{m['python']}, PostgreSQL {m['postgresql']}, Kafka {m['kafka']}; 1-minute load "
        f"average {m['load_average_at_start'][0]} at the start, at most "
        f"{max(m.get('load_average_by_stage', {}).values(), default=NONE)} at the end of a "
        f"stage ({m['measured_at']})"
    )


def target_table(found: list[Target]) -> list[str]:
    rows = [
        "| target | measured | against | its value | ratio | goal | met |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    for t in found:
        met = NONE if t.met is None else ("yes" if t.met else "**no**")
        rows.append(
            f"| {t.name} | {num(t.measured, 1)} | {t.against} | {num(t.reference, 1)} | "
            f"{num(t.ratio, 2)} | {t.goal} | {met} |"
        )
    return rows


type Points = dict[str, list[dict[str, Any]]]


def points_table(groups: Points, ceilings: Points) -> list[str]:
    """One row per point; the ratio is to `ceilings[scenario]` at the same callers."""
    rows = list(POINT_HEADER)
    for name, points in groups.items():
        for p in points:
            ref = point(ceilings.get(name, []), p["callers"])
            ratio = num(p["per_second"] / ref["per_second"], 2) if ref else NONE
            errors = ", ".join(f"{k} {v}" for k, v in p.get("errors", {}).items()) or NONE
            rows.append(
                f"| {name} | {p['callers']} | {p['per_second']:,.0f} | {ms(p['p50_ms'])} | "
                f"{ms(p['p95_ms'])} | {ms(p['p99_ms'])} | {errors} | {ratio} | "
                f"{per_call_ms(p)} | {cpu(p)} |"
            )
    return rows
