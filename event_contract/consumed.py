"""Events of other services that we consume: decoded here, like our own (DESIGN.md, "Consumed").

`users.events.v1` uses the same CloudEvents binary binding as our topic: attributes in `ce_*`
headers, the data as JSON in the value. Of its types only `users.v1.UserDeleted` matters to us;
any other type is returned without data, for the consumer to skip. A message that breaks the
binding, or a UserDeleted whose data does not fit the model, raises MalformedMessageError: it
can never be handled, however often it is retried. Fields we don't know are ignored, so the
users service may add some.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from event_contract.cloudevents import header_attributes
from event_contract.constants import DATA_CONTENT_TYPE
from event_contract.errors import EventContractError

USER_DELETED = "users.v1.UserDeleted"
_REQUIRED = ("specversion", "id", "source")


class MalformedMessageError(EventContractError):
    """A consumed message that can never be decoded."""


class UserDeleted(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    user_id: UUID
    deleted_at: AwareDatetime


@dataclass(frozen=True, slots=True)
class ConsumedEvent:
    id: str
    source: str
    type: str
    # None for the types we don't consume.
    data: UserDeleted | None


def decode_users_message(
    value: bytes | None, headers: Iterable[tuple[str, bytes]]
) -> ConsumedEvent:
    attrs = header_attributes(headers)
    event_type = attrs.get("type")
    if not event_type:
        raise MalformedMessageError("no ce_type header: not a CloudEvents binary-mode message")
    if event_type != USER_DELETED:  # not ours to judge: skipped whatever else it carries
        return ConsumedEvent(attrs.get("id", ""), attrs.get("source", ""), event_type, None)
    _check_binding(attrs)
    try:
        data = UserDeleted.model_validate_json(value or b"", strict=True)
    except ValidationError as error:
        raise MalformedMessageError(f"{event_type} data: {error}") from error
    return ConsumedEvent(attrs["id"], attrs["source"], event_type, data)


def _check_binding(attrs: dict[str, str]) -> None:
    missing = [f"ce_{name}" for name in _REQUIRED if not attrs.get(name)]
    if missing:
        raise MalformedMessageError(f"missing CloudEvents headers: {', '.join(missing)}")
    if attrs["specversion"].split(".")[0] != "1":
        raise MalformedMessageError(f"unsupported ce_specversion {attrs['specversion']!r}")
    # Absent means JSON too (the users service's binding, like ours, carries JSON data).
    content_type = attrs.get("datacontenttype", DATA_CONTENT_TYPE).split(";")[0].strip()
    if content_type != DATA_CONTENT_TYPE:
        raise MalformedMessageError(f"content-type {content_type!r} is not {DATA_CONTENT_TYPE}")
