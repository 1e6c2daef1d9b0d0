"""How big and how long each part of a run is: `full` (make bench, under 15 minutes on two
cores), `quick` (under 3), `smoke` (seconds: the harness end to end, for `make test`).

Durations are short because everything shares the machine's two cores; each measured point
is a fresh load process with its own warm-up, so points are independent of each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """How long each measured point lasts, and its warm-up (not counted)."""

    duration_s: float
    warmup_s: float


@dataclass(frozen=True)
class Plan:
    name: str
    timing: Timing
    command_callers: tuple[int, ...]
    query_callers: tuple[int, ...]
    # Scenario 4: the offered rates; a rate the machine does not sustain starts a search
    # downwards (at most `freshness_search` more points) for the most it does.
    freshness_rates: tuple[float, ...]
    freshness_search: int
    freshness_timing: Timing
    projector_events: int
    rebuild_events: int
    copy_rows: int
    peer_threads: int = 8
    profile_s: float = 0.0  # py-spy on the server for the two headline points; 0 = none


FULL = Plan(
    name="full",
    timing=Timing(duration_s=5, warmup_s=2),
    command_callers=(1, 16, 64),
    query_callers=(16, 64),
    freshness_rates=(200, 1000),
    freshness_search=3,
    freshness_timing=Timing(duration_s=8, warmup_s=2),
    projector_events=100_000,
    rebuild_events=1_000_000,
    copy_rows=20_000,
    profile_s=5,
)
QUICK = Plan(
    name="quick",
    timing=Timing(duration_s=1, warmup_s=0.5),
    command_callers=(1, 16, 64),
    query_callers=(16, 64),
    freshness_rates=(200, 1000),
    freshness_search=1,
    freshness_timing=Timing(duration_s=1.5, warmup_s=0.5),
    projector_events=20_000,
    rebuild_events=100_000,
    copy_rows=3_000,
)
SMOKE = Plan(
    name="smoke",
    # Long enough that a commit stalled by someone else's heavy writes on the shared test
    # cluster (fsync waits of a few hundred ms) still leaves answered calls in the window.
    timing=Timing(duration_s=1, warmup_s=0.3),
    command_callers=(4,),
    query_callers=(4,),
    freshness_rates=(20,),
    freshness_search=0,
    freshness_timing=Timing(duration_s=1, warmup_s=0.3),
    projector_events=300,
    rebuild_events=300,
    copy_rows=200,
    peer_threads=4,
)
PLANS = {plan.name: plan for plan in (FULL, QUICK, SMOKE)}
