"""Where a server's CPU goes: py-spy samples of the process while a point runs, summarised.

py-spy samples Python stacks only: time in C extensions is charged to the Python frame that
called them (grpc's core to asyncio's `Handle._run`, asyncpg's protocol to its own frames).
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from bench.harness import REPO

OURS = ("post_service/", "edges/", "write_side/", "read_side/", "event_contract/", "projector/")
LIBRARIES = {
    "sqlalchemy/": "SQLAlchemy",
    "asyncpg/": "asyncpg",
    "grpc/": "grpc (Python side)",
    "google/protobuf/": "protobuf",
    "pydantic": "pydantic",
    "asyncio/": "asyncio loop and what it calls in C (grpc core, sockets)",
    "selectors.py": "waiting for I/O (idle)",
}


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    command = [str(REPO / ".venv/bin/py-spy"), "record", f"--pid={pid}", f"--duration={seconds}"]
    command += ["--format=raw", f"--output={out}", "--rate=200", "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise(raw: Path, top: int = 12) -> dict[str, Any]:
    """Self time by library (leaf frame) and inclusive time of our own functions, in %."""
    by_library: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples, frames = int(count), stack.split(";")
        total += samples
        by_library[_library(frames[-1])] += samples
        # The CLI entry point holds every sample: leave it out.
        for name in {f for f in frames if any(f" ({p}" in f for p in OURS) and "cli.py" not in f}:
            ours[name.split(" (")[0]] += samples
    if not total:
        return {"samples": 0}

    def share(counter: Counter[str]) -> dict[str, float]:
        return {k: round(100 * v / total, 1) for k, v in counter.most_common(top)}

    return {
        "samples": total,
        "self_by_library_pct": share(by_library),
        "ours_inclusive_pct": share(ours),
    }


def _library(frame: str) -> str:
    if any(f" ({p}" in frame for p in OURS):
        return "our code"
    for marker, name in LIBRARIES.items():
        if marker in frame:
            return name
    return "other"
