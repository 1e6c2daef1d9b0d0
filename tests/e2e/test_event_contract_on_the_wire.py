"""The subscribers' contract holds for real messages: every event type, made by gRPC commands and
published by the relay, is read back from the broker and validated against the committed JSON
Schema its headers name (schemas/<ce_type>.v<ce_schemaversion>.schema.json), formats checked."""

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from posts.v1 import common_pb2

from event_contract import event_types
from tests.conftest import make_settings
from tests.support.commands import Commands
from tests.support.kafka import headers, read_at_least
from tests.support.services import KAFKA_BOOTSTRAP, REPO

SCHEMAS = REPO / "schemas"
# What every message carries (DESIGN.md, "Events on Kafka"); ce_requestid only with a request id.
REQUIRED_HEADERS = {
    "ce_specversion",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_subject",
    "ce_time",
    "content-type",
    "ce_postversion",
    "ce_position",
    "ce_actorid",
    "ce_caller",
    "ce_schemaversion",
}


def _validator(path: Path) -> Draft202012Validator:
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


async def _every_event_type(commands: Commands) -> int:
    """Drives one post through every event type; returns how many events that makes."""
    post_id = (
        await commands.create(tags=["python"], visibility=common_pb2.VISIBILITY_UNLISTED)
    ).post_id
    await commands.edit(post_id, title="Новый заголовок", tags=["grpc", "кафка"])
    await commands.edit(post_id, visibility=common_pb2.VISIBILITY_PRIVATE)
    await commands.publish(post_id, request_id=str(uuid.uuid4()))
    await commands.unpublish(post_id)
    await commands.delete(post_id)
    await commands.restore(post_id)
    return 7


async def test_every_message_on_the_topic_is_valid_against_its_committed_schema(
    fresh_db, start_service, channel_to
):
    topic = f"posts-contract-{uuid.uuid4().hex[:10]}"
    settings = make_settings(fresh_db, events_topic=topic, events_partitions=3)
    service = await start_service(settings, frozenset({"serve", "relay"}))
    count = await _every_event_type(Commands(channel_to(service)))

    records = await read_at_least(KAFKA_BOOTSTRAP, topic, count)

    seen: set[str] = set()
    for record in records:
        attrs = headers(record)
        assert set(attrs) >= REQUIRED_HEADERS, sorted(REQUIRED_HEADERS - set(attrs))
        assert attrs["content-type"] == "application/json"
        assert datetime.fromisoformat(attrs["ce_time"]).utcoffset() is not None
        schema = SCHEMAS / f"{attrs['ce_type']}.v{attrs['ce_schemaversion']}.schema.json"
        _validator(schema).validate(json.loads(record.value))
        seen.add(attrs["ce_type"])
    assert seen == set(event_types())


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        # Complete but for the format of one id: fails only if formats are checked.
        (
            "posts.v1.PostCreated",
            {
                "post_id": "not-a-uuid",
                "author_id": str(uuid.uuid4()),
                "title": "t",
                "body": "",
                "tags": [],
                "visibility": "PUBLIC",
            },
        ),
        ("posts.v1.PostRestored", {"post_id": str(uuid.uuid4()), "status": "ARCHIVED"}),
    ],
)
def test_the_schemas_are_not_vacuous(event_type: str, data: dict[str, Any]):
    with pytest.raises(ValidationError):
        _validator(SCHEMAS / f"{event_type}.v1.schema.json").validate(data)
