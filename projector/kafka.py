"""The projector's Kafka consumer: built, waited on, probed, and told what was applied."""

from __future__ import annotations

import logging
import os
import socket

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from projector.config import ProjectorConfig

log = logging.getLogger(__name__)


def make_consumer(config: ProjectorConfig) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=config.bootstrap_servers,
        group_id=config.group_id,
        # Which host and process owns a partition, in the group's description (lag tooling).
        client_id=f"post-service-projector-{socket.gethostname()}-{os.getpid()}",
        # Offsets live in the read database with the rows (checkpoints.py); Kafka's are only
        # committed after the database commit, for lag tooling.
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=config.batch_size,
    )


async def commit_offsets(
    consumer: AIOKafkaConsumer, topic: str, next_offsets: dict[int, int]
) -> None:
    """Informational: the truth is the database checkpoint, so a failed commit (a rebalance
    took the partition meanwhile, the broker is away) is only logged."""
    offsets = {TopicPartition(topic, p): offset for p, offset in next_offsets.items()}
    try:
        await consumer.commit(offsets)
    except KafkaError as error:
        log.debug("projector: Kafka offset commit skipped: %r", error)
