"""Creates the events topic when it is missing: configured partitions, delete (never compact).

Compaction would keep only a post's last event and silently drop the rest of its history, so
the policy is set explicitly rather than left to the broker's default. Auto-creation by the
first produce is not relied on: it would use the broker's partition count and policy.
An existing topic is left as it is: adding partitions moves keys to other partitions, which
breaks per-post order for subscribers, so that is an operator's decision, never the relay's.
"""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

log = logging.getLogger(__name__)

MAX_REPLICATION_FACTOR = 3


async def ensure_topic(
    bootstrap_servers: str, topic: str, partitions: int, timeout_s: float
) -> None:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_s * 1000)
    )
    try:
        await admin.start()
        brokers = len((await admin.describe_cluster())["brokers"])
        new_topic = NewTopic(
            topic,
            num_partitions=partitions,
            # Three copies where the cluster has them; a one-node development broker has one.
            replication_factor=min(MAX_REPLICATION_FACTOR, brokers),
            topic_configs={"cleanup.policy": "delete"},
        )
        response = await admin.create_topics([new_topic])
    finally:
        await admin.close()
    _check(response.topic_errors, topic, partitions)


def _check(topic_errors: list[tuple[str, int, str | None]], topic: str, partitions: int) -> None:
    for name, code, message in topic_errors:
        error = for_code(code)
        if code == 0:
            log.info("created topic %s with %d partitions", name, partitions)
        elif error is not TopicAlreadyExistsError:
            raise error(f"cannot create topic {topic}: {message}")
