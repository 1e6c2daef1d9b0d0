"""The load generator: one scenario against one server, in a process of its own.

    .venv/bin/python -m bench.load --port 50071 --scenario create --callers 16 \
        --duration 5 --warmup 2 --dataset dataset.json [--pid server:N --postmaster-pid N]
    .venv/bin/python -m bench.load ... --scenario freshness --rate 200 --mode wait

Prints one JSON object: throughput, latency percentiles, errors by status code, and the CPU
seconds of the roles given (this process always, as `load`) over the measured window only.
The orchestrator (bench/run.py) starts one per measured point, so its own work is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import grpc

from bench.calls import Calls
from bench.cpu import CpuMeter, Roles
from bench.freshness import Freshness
from bench.loops import Window, closed_loop, open_loop

# Enough HTTP/2 streams for 64 callers on one connection (one channel, as a gateway has).
CHANNEL_OPTIONS = [("grpc.max_concurrent_streams", 1000)]


async def drive(args: argparse.Namespace, roles: Roles, dataset: dict[str, Any]) -> dict[str, Any]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{args.port}", options=CHANNEL_OPTIONS) as ch:
        calls = Calls(ch, dataset, args.seed)
        meter = CpuMeter(roles)
        cpu: dict[str, float] = {}
        window = Window(args.warmup, args.duration)
        watcher = asyncio.create_task(window.watch(meter.start, lambda: cpu.update(meter.stop())))
        if args.scenario == "freshness":
            fresh = Freshness(calls, args.mode, args.duration)
            result = await open_loop(fresh.call(), args.rate, window)
            extra: dict[str, Any] = {
                "rate": args.rate,
                "mode": args.mode,
                "command": fresh.commands.summary(),
                "unavailable_retries": fresh.retries,
            }
        else:
            call, extra = await calls.call(args.scenario)
            result = await closed_loop(call, args.callers, window)
        await watcher
    return {"scenario": args.scenario, "callers": args.callers, **result.summary(), **extra} | {
        "cpu_s": cpu
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--callers", type=int, default=16)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--dataset", help="JSON written by bench.dataset")
    parser.add_argument("--rate", type=float, default=200.0, help="freshness: commands/s")
    parser.add_argument("--mode", choices=["wait", "poll"], default="wait")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pid", action="append", default=[], help="role:pid, repeatable")
    parser.add_argument("--postmaster-pid", type=int)
    parser.add_argument("--kafka-pid", type=int)
    args = parser.parse_args()
    roles = Roles.from_args(args.pid, args.postmaster_pid, args.kafka_pid)
    dataset = json.loads(Path(args.dataset).read_text()) if args.dataset else {}
    print(json.dumps(asyncio.run(drive(args, roles, dataset))))


if __name__ == "__main__":
    main()
