"""The PNG plots: throughput and latency percentiles of every measured point, and freshness."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # files only, no display
import matplotlib.pyplot as plt


def _points(r: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(group, label, point) for every closed-loop point of the run."""
    found = [
        ("ceiling", f"ceiling {kind} @{p['callers']}", p)
        for kind in ("echo", "select", "insert")
        for p in r["ceilings"][kind]
    ]
    for group in ("commands", "queries"):
        found += [
            (group, f"{name} @{p['callers']}", p) for name, ps in r[group].items() for p in ps
        ]
    found.append(("peer", f"eventsourcing @{r['peer']['callers']}", r["peer"]))
    return found


COLOURS = {"ceiling": "#999999", "commands": "#1f77b4", "queries": "#2ca02c", "peer": "#d62728"}


def draw(r: dict[str, Any], out: Path) -> list[str]:
    points = _points(r)
    labels = [label for _, label, _ in points]
    height = 0.3 * len(points) + 1.5
    fig, ax = plt.subplots(figsize=(9, height))
    ax.barh(labels, [p["per_second"] for *_, p in points], color=[COLOURS[g] for g, *_ in points])
    ax.invert_yaxis()
    ax.set_xlabel("calls per second")
    ax.set_title(f"Throughput per scenario ({r['plan']} run, {r['machine']['cores']} cores)")
    _save(fig, out / "throughput.png")

    fig, ax = plt.subplots(figsize=(9, height))
    for i, (pct, colour) in enumerate((("p50", "#9ecae1"), ("p95", "#4292c6"), ("p99", "#08519c"))):
        values = [max(p[f"{pct}_ms"] or 0.0, 0.01) for *_, p in points]
        rows = [y + (i - 1) * 0.27 for y in range(len(points))]
        ax.barh(rows, values, height=0.27, color=colour, label=pct)
    ax.set_yticks(range(len(points)), labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("latency, ms (log)")
    ax.legend()
    ax.set_title("Latency percentiles per scenario")
    _save(fig, out / "latency.png")

    # Points where nothing was answered in the window have no latency to draw.
    fresh = sorted((p for p in r["freshness"]["points"] if p["calls"]), key=lambda p: p["rate"])
    fig, ax = plt.subplots(figsize=(7, 4))
    for pct in ("p50", "p95", "p99"):
        ax.plot([p["rate"] for p in fresh], [p[f"{pct}_ms"] for p in fresh], marker="o", label=pct)
    ax.axhline(50, color="red", linestyle=":", label="target p99 at 200/s")
    ax.set_xlabel("offered commands/s")
    ax.set_ylabel("command reply → visible, ms (log)")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("Freshness")
    _save(fig, out / "freshness.png")
    return ["throughput.png", "latency.png", "freshness.png"]


def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
