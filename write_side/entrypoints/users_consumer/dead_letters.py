"""Dead letters: a consumed message we cannot handle, as it came, on `<topic>.dlq`.

The dead letter is the original key, value and headers, plus where it came from and why it
failed, so that an operator can inspect it and, once the cause is fixed, publish key, value
and the original headers back to the users topic (handling is idempotent, so that is safe).
"""

from __future__ import annotations

from dataclasses import dataclass

from edges.kafka.records import Record
from write_side.relay.publisher import KafkaPublisher

# Headers added to the original ones.
ORIGINAL_TOPIC = "dlq_original_topic"
ORIGINAL_PARTITION = "dlq_original_partition"
ORIGINAL_OFFSET = "dlq_original_offset"
ERROR = "dlq_error"
# Enough for an exception's message and a validation error's lines; headers are not for essays.
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class DeadLetter:
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]


def dead_letter(record: Record, error: str) -> DeadLetter:
    added = (
        (ORIGINAL_TOPIC, record.topic),
        (ORIGINAL_PARTITION, str(record.partition)),
        (ORIGINAL_OFFSET, str(record.offset)),
        (ERROR, error[:MAX_ERROR_CHARS]),
    )
    headers = (*record.headers, *((name, text.encode()) for name, text in added))
    return DeadLetter(record.key, record.value, headers)


class DeadLetterQueue:
    """Sends each dead letter and returns once the broker acknowledged it (acks=all,
    idempotent: the relay's publisher); only then may the original's offset be committed."""

    def __init__(self, publisher: KafkaPublisher) -> None:
        self._publisher = publisher

    async def send(self, record: Record, error: str) -> None:
        await self._publisher.publish([dead_letter(record, error)])
