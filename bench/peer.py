"""Scenario 7's peer: the `eventsourcing` library saving one new aggregate with one event per
call, from N threads, on its PostgreSQL persistence (psycopg 3) in the same PostgreSQL.

    .venv/bin/python -m bench.peer --database D --threads 8 --duration 5 --warmup 2

The same unit of work as our CreatePost: a new post (title, body, tags) whose creation event
is durably stored. The library runs in this process (it is a library, not a server), so its
CPU is `peer`. Prints one JSON object, as bench/load.py does.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.calls import BODY
from bench.cpu import CpuMeter, Roles
from bench.harness import PG_PORT
from bench.loops import LoadResult, Window


class Post(Aggregate):
    @event("Created")
    def __init__(self, title: str, body: str, tags: list[str]) -> None:
        self.title = title
        self.body = body
        self.tags = tags


class Posts(Application[Any]):
    def create(self, title: str, body: str, tags: list[str]) -> object:
        post = Post(title, body, tags)
        self.save(post)
        return post.id


def application(database: str, threads: int) -> Posts:
    return Posts(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": database,
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(PG_PORT),
            "POSTGRES_USER": "post_service",
            "POSTGRES_PASSWORD": "post_service",
            "POSTGRES_POOL_SIZE": str(threads),
            "CREATE_TABLE": "y",
        }
    )


def run(app: Posts, threads: int, window: Window, meter: CpuMeter) -> dict[str, Any]:
    result = LoadResult(window.stop - window.start)
    lock = threading.Lock()

    def loop() -> None:
        while (began := time.monotonic()) < window.stop:
            app.create("Benchmark post", BODY, ["bench", "grpc"])
            if window.measuring(began):
                with lock:
                    result.latencies_ms.append((time.monotonic() - began) * 1000)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(max(0.0, window.start - time.monotonic()))
    meter.start()
    time.sleep(max(0.0, window.stop - time.monotonic()))
    cpu = meter.stop()
    for worker in workers:
        worker.join()
    return {"scenario": "peer", "callers": threads, **result.summary(), "cpu_s": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--postmaster-pid", type=int)
    args = parser.parse_args()
    app = application(args.database, args.threads)
    meter = CpuMeter(Roles({"peer": (-1,)}, args.postmaster_pid))
    window = Window(args.warmup, args.duration)
    print(json.dumps(run(app, args.threads, window, meter)))


if __name__ == "__main__":
    main()
