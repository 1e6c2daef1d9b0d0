"""The event contract: event models, their JSON encoding, the upcaster chain.

Everything that reads or writes events (aggregate loading, relay, projector, rebuild,
StreamEvents) goes through this package. It does no I/O.
"""

from event_contract.codec import (
    decode_data,
    decode_time,
    encode_data,
    encode_time,
    event_class,
    event_types,
    to_json_object,
)
from event_contract.constants import DATA_CONTENT_TYPE, EVENT_SOURCE, EVENT_TYPE_PREFIX
from event_contract.enums import PostStatus, Visibility
from event_contract.envelope import Envelope, EventMetadata, NewEvent, StoredEvent
from event_contract.errors import EventContractError, EventDecodeError, UnknownEventTypeError
from event_contract.events import (
    EVENT_CLASSES,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostEvent,
    PostPublished,
    PostRestored,
    PostUnpublished,
)
from event_contract.upcasting import UPCASTERS, Upcaster, UpcasterRegistry

__all__ = [
    "DATA_CONTENT_TYPE",
    "EVENT_CLASSES",
    "EVENT_SOURCE",
    "EVENT_TYPE_PREFIX",
    "UPCASTERS",
    "Envelope",
    "EventContractError",
    "EventDecodeError",
    "EventMetadata",
    "NewEvent",
    "PostCreated",
    "PostDeleted",
    "PostEdited",
    "PostEvent",
    "PostPublished",
    "PostRestored",
    "PostStatus",
    "PostUnpublished",
    "StoredEvent",
    "UnknownEventTypeError",
    "Upcaster",
    "UpcasterRegistry",
    "Visibility",
    "decode_data",
    "decode_time",
    "encode_data",
    "encode_time",
    "event_class",
    "event_types",
    "to_json_object",
]
