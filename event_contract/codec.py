"""The JSON encoding of event data, and THE one place where stored or received events are decoded.

Encoding: UUIDs as strings, enums as their short names, tuples as arrays, times RFC 3339 UTC
with `Z`, fields in declaration order (post_id first), and None fields left out (PostEdited
carries only what changed). Decoding: upcast to the current schema version, then validate
strictly with pydantic built from the same dataclasses that generate the JSON Schemas, so the
validator and the published contract cannot drift apart.
"""

from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from event_contract.errors import EventDecodeError, UnknownEventTypeError
from event_contract.events import EVENT_CLASSES, PostEvent
from event_contract.upcasting import UPCASTERS, JsonObject, UpcasterRegistry

_CLASSES_BY_TYPE: dict[str, type[PostEvent]] = {cls.TYPE: cls for cls in EVENT_CLASSES}
_JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
_ADAPTERS: dict[str, TypeAdapter[PostEvent]] = {}


def event_types() -> tuple[str, ...]:
    return tuple(_CLASSES_BY_TYPE)


def event_class(event_type: str) -> type[PostEvent]:
    try:
        return _CLASSES_BY_TYPE[event_type]
    except KeyError:
        raise UnknownEventTypeError(event_type) from None


def encode_data(payload: PostEvent) -> bytes:
    return orjson.dumps(to_json_object(payload), option=_JSON_OPTIONS)


def to_json_object(payload: PostEvent) -> JsonObject:
    """The payload as a dict, None fields left out; values are still Python objects."""
    values = ((field.name, getattr(payload, field.name)) for field in fields(payload))
    return {name: value for name, value in values if value is not None}


def decode_data(
    event_type: str,
    schema_version: int,
    data: bytes | str | Mapping[str, Any],
    *,
    upcasters: UpcasterRegistry = UPCASTERS,
) -> PostEvent:
    cls = event_class(event_type)
    if schema_version == cls.SCHEMA_VERSION and isinstance(data, str | bytes):
        # Nothing to upcast: validate the JSON text as it is, rather than parse it into a dict
        # and serialise it again (a rebuild decodes every stored event).
        return _validate_json(cls, data)
    obj = _as_json_object(event_type, schema_version, data)
    current = upcasters.upcast(event_type, schema_version, cls.SCHEMA_VERSION, obj)
    return _validate(cls, current)


def encode_time(moment: datetime) -> str:
    """RFC 3339 in UTC with `Z` and microseconds, e.g. for the relay's `ce_time`."""
    if moment.utcoffset() is None:
        raise ValueError("refusing to encode a naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def decode_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError(f"time without an offset: {text!r}")
    return moment.astimezone(UTC)


def _as_json_object(
    event_type: str, schema_version: int, data: bytes | str | Mapping[str, Any]
) -> JsonObject:
    if isinstance(data, Mapping):
        return dict(data)
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise EventDecodeError(event_type, schema_version, f"not JSON: {error}") from error
    if not isinstance(obj, dict):
        raise EventDecodeError(event_type, schema_version, "data is not a JSON object")
    return obj


def _validate(cls: type[PostEvent], obj: JsonObject) -> PostEvent:
    # Strict JSON-mode validation: strings are not numbers, enum names must match exactly.
    # Unknown fields are ignored on purpose: v1 grows additively, and a reader one release
    # behind (during a rolling deploy, or a subscriber) must still read the newer events.
    try:
        raw = orjson.dumps(obj, option=_JSON_OPTIONS)
    except TypeError as error:
        raise EventDecodeError(cls.TYPE, cls.SCHEMA_VERSION, str(error)) from error
    return _validate_json(cls, raw)


def _validate_json(cls: type[PostEvent], raw: str | bytes) -> PostEvent:
    try:
        return _adapter(cls).validate_json(raw, strict=True)
    except (ValidationError, TypeError) as error:
        raise EventDecodeError(cls.TYPE, cls.SCHEMA_VERSION, str(error)) from error


def _adapter(cls: type[PostEvent]) -> TypeAdapter[PostEvent]:
    # Built on first use, not at import: building the validators is the slow part of pydantic.
    adapter = _ADAPTERS.get(cls.TYPE)
    if adapter is None:
        adapter = _ADAPTERS[cls.TYPE] = TypeAdapter(cls)
    return adapter
