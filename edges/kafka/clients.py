"""Kafka consumer helpers shared by the parts that consume (projector, users-consumer)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


def group_consumer(
    bootstrap_servers: str, group_id: str, role: str, **options: Any
) -> AIOKafkaConsumer:
    """A consumer in a group whose offsets we commit ourselves, after our work is done, and
    which starts a new group at the beginning of what the topic retains."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        # Which host and process owns a partition, in the group's description (lag tooling).
        client_id=f"post-service-{role}-{socket.gethostname()}-{os.getpid()}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **options,
    )


async def wait_for_topic(consumer: AIOKafkaConsumer, topic: str, retry_s: float) -> None:
    """Subscribing to a topic that does not exist yet would leave the consumer idle until its
    next metadata refresh (minutes) after the topic is created: wait for it instead."""
    if topic not in await consumer.topics():
        log.info("waiting for topic %s to exist", topic)
        while topic not in await consumer.topics():  # noqa: ASYNC110 - a broker request
            await asyncio.sleep(retry_s)


async def broker_answers(consumer: AIOKafkaConsumer, timeout_s: float) -> bool:
    """While no records come, an unreachable broker and a quiet topic look the same to
    getmany (it just returns nothing): a metadata request tells them apart."""
    try:
        async with asyncio.timeout(timeout_s):
            await consumer.topics()
    except (KafkaError, TimeoutError):
        return False
    return True
