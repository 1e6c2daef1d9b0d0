"""Reading a topic back in tests: every record from the beginning, without a consumer group."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

type Records = list[ConsumerRecord[bytes, bytes]]

# DescribeConfigs' config source for a value set on the topic (KIP-226).
DYNAMIC_TOPIC_CONFIG = 1


async def read_topic(
    bootstrap: str, topic: str, until: Callable[[Records], bool], within_s: float = 20
) -> Records:
    """Every record of `topic` from its beginning, once `until(records)` holds; waits for the
    topic to exist first. Fails with what it saw if the condition never holds in time."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: Records = []
    try:
        async with asyncio.timeout(within_s):
            consumer.assign(await _partitions(bootstrap, topic))
            while not until(records):
                batches = await consumer.getmany(timeout_ms=200)
                records += [r for batch in batches.values() for r in batch]
    except TimeoutError:
        raise AssertionError(f"{topic}: condition not met; saw {len(records)} records") from None
    finally:
        await consumer.stop()
    return records


async def read_at_least(bootstrap: str, topic: str, count: int, within_s: float = 20) -> Records:
    return await read_topic(bootstrap, topic, lambda records: len(records) >= count, within_s)


async def wait_for_messages(bootstrap: str, topic: str, count: int, within_s: float = 30) -> None:
    """Until the topic holds at least `count` messages (by end offsets: no reading)."""
    partitions = await _partitions(bootstrap, topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        async with asyncio.timeout(within_s):
            while sum((await consumer.end_offsets(partitions)).values()) < count:
                await asyncio.sleep(0.002)
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topic: str) -> list[TopicPartition]:
    """The topic's partitions, once it exists (the consumer's own metadata would not notice a
    topic created after it started for minutes)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        while True:
            [described] = await admin.describe_topics([topic])
            if described["partitions"]:
                return [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


def headers(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


def first_versions_by_post(records: Sequence[ConsumerRecord[bytes, bytes]]) -> dict[str, list[int]]:
    """Each post's versions in the order of their first occurrence (offset order within a
    partition; a post's records all share one partition)."""
    ordered = sorted(records, key=lambda r: (r.partition, r.offset))
    seen: set[tuple[str, int]] = set()
    firsts: dict[str, list[int]] = {}
    for record in ordered:
        post, version = headers(record)["ce_subject"], int(headers(record)["ce_postversion"])
        if (post, version) not in seen:
            seen.add((post, version))
            firsts.setdefault(post, []).append(version)
    return firsts


async def describe_topic(bootstrap: str, topic: str) -> tuple[int, dict[str, str]]:
    """(number of partitions, the configs set on the topic itself rather than inherited from
    the broker's defaults) as the broker reports them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    entries = response.resources[0][4]  # (name, value, read_only, source, sensitive, synonyms)
    overrides = {e[0]: e[1] for e in entries if e[3] == DYNAMIC_TOPIC_CONFIG}
    return len(described["partitions"]), overrides
