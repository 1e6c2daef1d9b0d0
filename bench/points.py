"""One measured point: a load process (bench/load.py) against a running server, as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.context import run_json
from bench.cpu import Roles
from bench.plan import Timing


def measure(
    port: int,
    scenario: str,
    timing: Timing,
    roles: Roles,
    dataset: Path | None = None,
    **options: str | float,
) -> dict[str, Any]:
    args = [
        f"--port={port}",
        f"--scenario={scenario}",
        f"--duration={timing.duration_s}",
        f"--warmup={timing.warmup_s}",
        *roles.as_args(),
        *(f"--{k.replace('_', '-')}={v}" for k, v in options.items()),
    ]
    if dataset is not None:
        args.append(f"--dataset={dataset}")
    return run_json("bench.load", *args)
