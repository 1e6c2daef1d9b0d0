"""The append path: CreatePost (one event each) over gRPC at N concurrent callers.

    .venv/bin/python bench/append_throughput.py --callers 16 --duration 20

Starts the bench instance of PostgreSQL, a fresh migrated database and `post-service serve` in
its own process, then drives it from this process. Durability stays on (fsync, synchronous
commit). Prints events/s and latency percentiles; writes bench/results/append_throughput.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import grpc
from posts.v1 import command_service_pb2 as pb
from posts.v1 import command_service_pb2_grpc

from bench.harness import AUTH, REPO, fresh_database, run_load, server_process, services_up


async def drive(port: int, callers: int, duration_s: float, warmup_s: float) -> dict[str, float]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = command_service_pb2_grpc.PostCommandServiceStub(channel)
        metadata = [*AUTH, ("x-actor-id", "0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70")]
        request = pb.CreatePostRequest(title="Benchmark post", body="body " * 40, tags=["bench"])

        async def create() -> object:
            return await stub.CreatePost(request, metadata=metadata, timeout=30)

        result = await run_load(create, callers, duration_s, warmup_s)
    return {"callers": callers, **result.summary()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callers", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--port", type=int, default=50071)
    args = parser.parse_args()
    services_up()
    database = asyncio.run(fresh_database())
    with server_process(database, args.port):
        summary = asyncio.run(drive(args.port, args.callers, args.duration, args.warmup))
    print(json.dumps(summary, indent=2))
    out = REPO / "bench/results/append_throughput.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
