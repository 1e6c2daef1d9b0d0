"""An example subscriber of posts.events.v1: one line per event, duplicates dropped.

    .venv/bin/python examples/subscriber.py --bootstrap 127.0.0.1:19092

Standalone on purpose (aiokafka only, nothing of this repository), so that another team can copy
it. See docs/subscribers.md for the contract it relies on. Ctrl-C (or SIGTERM) stops it.

What it shows:
- a consumer group: run it twice with one --group and the partitions are shared; a new group
  starts at the oldest message the topic still keeps (StreamEvents has all of history);
- at-least-once: offsets are committed only after the batch is handled, so a crash re-reads
  some messages, and the relay itself may publish an event twice;
- deduplication by `ce_id` in a bounded LRU. Bounded, because the ids of a topic that never
  ends would otherwise fill memory; a window is enough because duplicates arrive close to the
  original (a relay republishing an unacknowledged batch, a rebalance re-reading uncommitted
  offsets). It is in memory, so it does not span restarts: a subscriber whose effects must
  happen once keeps, per post, the last version it applied, in the same transaction as the
  effect, and skips anything not newer (post id + version identify an event too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections import OrderedDict
from typing import Any

from aiokafka import AIOKafkaConsumer

DEFAULT_TOPIC = "posts.events.v1"
DEFAULT_GROUP = "example-subscriber"


class RecentIds:
    """The last `capacity` event ids seen, least recently seen dropped first."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen_before(self, event_id: str) -> bool:
        """True for an id already seen (a duplicate); otherwise remembers it."""
        if event_id in self._ids:
            self._ids.move_to_end(event_id)
            return True
        self._ids[event_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return False


def describe(attrs: dict[str, str], value: bytes) -> str:
    """One line: position, type, post and its version, who did it, and the data."""
    data = json.loads(value)
    data.pop("post_id", None)  # it is in ce_subject already
    return (
        f"{attrs['ce_position']:>8}  {attrs['ce_type'].removeprefix('posts.v1.'):<15}"
        f"  post={attrs['ce_subject']} v{attrs['ce_postversion']}"
        f"  actor={attrs.get('ce_actorid', '?')}  {json.dumps(data, ensure_ascii=False)}"
    )


def handle(record: Any, recent: RecentIds) -> None:
    attrs = {name: raw.decode() for name, raw in record.headers}
    event_id = attrs.get("ce_id")
    if event_id is None:  # not a CloudEvent: not ours; say so and go on
        print(f"skipped {record.partition}/{record.offset}: no ce_id", file=sys.stderr)
        return
    if recent.seen_before(event_id):
        return
    print(describe(attrs, record.value), flush=True)


async def consume(args: argparse.Namespace, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        enable_auto_commit=False,  # commit after handling: at-least-once
        auto_offset_reset="earliest",  # a new group starts at the oldest message still kept
    )
    recent = RecentIds(args.dedup_window)
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for records in batches.values():  # each partition's records in offset order
                for record in records:
                    handle(record, recent)
            if batches:
                await consumer.commit()
    finally:
        await consumer.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:19092", help="Kafka bootstrap servers")
    parser.add_argument("--topic", default=DEFAULT_TOPIC)
    parser.add_argument("--group", default=DEFAULT_GROUP, help="consumer group id")
    parser.add_argument(
        "--dedup-window", type=int, default=100_000, help="event ids remembered for dedup"
    )
    return parser.parse_args(argv)


async def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await consume(args, stop)


if __name__ == "__main__":
    asyncio.run(main())
