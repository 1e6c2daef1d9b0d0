"""`make bench`: every scenario of the benchmark issue, one after another, into bench/results/.

    .venv/bin/python -m bench.run [--quick | --plan smoke] [--out bench/results]

Starts the bench instance of the local services, then: scenario 5 (a backlog bulk-loaded,
relayed to a topic of its own, drained by the projector), which leaves a projected store;
the ceilings (a)-(e) on it; queries and commands against `post-service serve`; freshness with
the relay and projector running; the rebuild of a larger store; the peer. Every load runs in
a process of its own (bench/load.py). Writes latest.json, latest.md and the plots.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import ceilings, service_points
from bench.backlog import make_backlog, store_events
from bench.context import Context, run_json
from bench.cpu import Roles, pid_with_cmdline, postmaster_pid
from bench.dataset import read_dataset
from bench.freshness_stage import freshness
from bench.harness import (
    ADMIN_DSN,
    KAFKA_CMDLINE,
    REPO,
    drop_databases,
    services_down,
    services_up,
)
from bench.machine import machine_facts
from bench.plan import PLANS, Plan
from bench.projector_drain import drain
from bench.report import write_results


def run(plan: Plan, out: Path) -> dict[str, Any]:
    """Stops afterwards only the services it started (as scripts/with-services.sh does)."""
    already_running = services_up()
    try:
        return _run(plan, out)
    finally:
        if not already_running:
            services_down()


def _run(plan: Plan, out: Path) -> dict[str, Any]:
    started = time.monotonic()
    postmaster = asyncio.run(postmaster_pid(ADMIN_DSN))
    roles = Roles(postmaster=postmaster, kafka=pid_with_cmdline(KAFKA_CMDLINE))
    results: dict[str, Any] = {"plan": plan.name, "machine": machine_facts()}
    stages: dict[str, float] = {}
    loads: dict[str, float] = {}
    results["machine"]["load_average_by_stage"] = loads

    def stage(name: str, begun: float) -> None:
        stages[name] = round(time.monotonic() - begun, 1)
        # Other work on the machine competes for the same cores: the load average says how much.
        loads[name] = round(os.getloadavg()[0], 2)
        print(f"bench: {name} done in {stages[name]} s", flush=True)

    t = time.monotonic()
    backlog = asyncio.run(make_backlog(plan.projector_events, roles))
    results["projector"] = asyncio.run(drain(backlog, roles))
    stage("projector", t)
    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / "dataset.json"
        data = asyncio.run(read_dataset(backlog.database))
        dataset.write_text(json.dumps(data))
        results["dataset"] = {"posts": len(data["posts"]), "readable": len(data["readable"])}
        ctx = Context(plan, roles, backlog.database, backlog.topic, dataset)
        t = time.monotonic()
        results["ceilings"] = ceilings.server_ceilings(ctx)
        results["ceilings"] |= ceilings.bulk_ceilings(ctx, backlog.messages)
        stage("ceilings", t)
        t = time.monotonic()
        results |= service_points.queries_and_commands(ctx)
        stage("queries and commands", t)
        t = time.monotonic()
        results["freshness"] = freshness(ctx, data["posts"])
        stage("freshness", t)
        t = time.monotonic()
        results["peer"] = service_points.peer(ctx)
        stage("peer", t)
    t = time.monotonic()
    results["rebuild"] = rebuild(plan, roles)
    stage("rebuild", t)
    asyncio.run(drop_databases([backlog.database]))
    results["stages_s"] = stages
    results["total_s"] = round(time.monotonic() - started, 1)
    write_results(results, out)
    return results


def rebuild(plan: Plan, roles: Roles) -> dict[str, Any]:
    """Scenario 6: a store of its own, bulk-loaded by the generator, replayed by the rebuild."""
    database, load_s = asyncio.run(store_events(plan.rebuild_events))
    try:
        pg = f"--postmaster-pid={roles.postmaster}"
        return run_json("bench.bulk", "rebuild", f"--database={database}", pg) | {
            "load_s": round(load_s, 1)
        }
    finally:
        asyncio.run(drop_databases([database]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_const", const="quick", dest="plan")
    parser.add_argument("--plan", choices=sorted(PLANS), default="full")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results")
    args = parser.parse_args()
    results = run(PLANS[args.plan or "full"], args.out)
    print(f"bench: {results['plan']} run took {results['total_s']} s; see {args.out}/latest.md")


if __name__ == "__main__":
    main()
