"""A stored event as a CloudEvents message, Kafka binary mode (DESIGN.md, "Events on Kafka").

The value is the event's data as JSON; every other attribute travels in a header `ce_<name>`,
except `datacontenttype`, which the Kafka binding carries as the plain `content-type` header.
`attributes` is the one attribute set: the relay's Kafka messages and StreamEvents carry the same.
`from_kafka_message` is how received messages of ours are decoded (through the codec, so
upcasters apply to them too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from event_contract.codec import decode_data, decode_time, encode_data, encode_time
from event_contract.constants import DATA_CONTENT_TYPE, EVENT_SOURCE
from event_contract.envelope import EventMetadata, StoredEvent
from event_contract.errors import EventDecodeError

SPEC_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class KafkaMessage:
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def attributes(event: StoredEvent) -> dict[str, str]:
    """CloudEvents attributes by name, in the order of DESIGN.md's example. `caller` and
    `schemaversion` are extensions; `requestid` is left out when the command had none."""
    meta = event.metadata
    attrs = {
        "specversion": SPEC_VERSION,
        "id": str(meta.event_id),
        "source": EVENT_SOURCE,
        "type": event.type,
        "subject": str(meta.post_id),
        "time": encode_time(meta.occurred_at),
        "datacontenttype": DATA_CONTENT_TYPE,
        "postversion": str(meta.version),
        "position": str(event.position),
        "actorid": str(meta.actor_id),
    }
    if meta.request_id is not None:
        attrs["requestid"] = str(meta.request_id)
    attrs["caller"] = meta.caller
    attrs["schemaversion"] = str(event.schema_version)
    return attrs


def to_kafka_message(event: StoredEvent) -> KafkaMessage:
    # Key = post id: one post's events share a partition, so Kafka keeps them in order.
    headers = tuple((_header(name), value.encode()) for name, value in attributes(event).items())
    return KafkaMessage(
        key=str(event.metadata.post_id).encode(),
        value=encode_data(event.payload),
        headers=headers,
    )


def from_kafka_message(
    key: bytes | None, value: bytes | None, headers: Iterable[tuple[str, bytes]]
) -> StoredEvent:
    """Decodes one of our messages; anything malformed raises an EventContractError."""
    attrs = header_attributes(headers)
    event_type = attrs.get("type", "?")
    try:
        schema_version = int(attrs.get("schemaversion", "1"))
        metadata = EventMetadata(
            event_id=UUID(attrs["id"]),
            post_id=UUID((key or b"").decode()),
            version=int(attrs["postversion"]),
            occurred_at=decode_time(attrs["time"]),
            actor_id=UUID(attrs["actorid"]),
            caller=attrs.get("caller", ""),
            request_id=UUID(attrs["requestid"]) if attrs.get("requestid") else None,
        )
        position = int(attrs["position"])
    except (KeyError, ValueError) as exc:
        raise EventDecodeError(event_type, 0, f"bad attributes: {exc!r}") from exc
    payload = decode_data(event_type, schema_version, value or b"")
    try:
        return StoredEvent(position=position, metadata=metadata, payload=payload)
    except ValueError as exc:  # e.g. the key names another post than the data
        raise EventDecodeError(event_type, schema_version, str(exc)) from exc


def header_attributes(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """CloudEvents attributes by name from a binary-mode message's headers (ours or another
    service's): `ce_id` -> `id`, `content-type` -> `datacontenttype`."""
    return {_attribute(name): raw.decode("utf-8", "replace") for name, raw in headers}


def _header(attribute: str) -> str:
    return "content-type" if attribute == "datacontenttype" else f"ce_{attribute}"


def _attribute(header: str) -> str:
    return "datacontenttype" if header == "content-type" else header.removeprefix("ce_")
