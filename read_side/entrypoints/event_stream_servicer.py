"""PostEventService.StreamEvents: the event store as a resumable stream (event_feed).

Every post's events, whatever its visibility: like the Kafka topic, this is for trusted
services, so it needs the caller's bearer token (the edge interceptor) but no x-actor-id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from posts.v1 import event_service_pb2 as pb
from posts.v1 import event_service_pb2_grpc

from edges.grpc import fields
from edges.grpc.fields import Violations
from edges.grpc.status import ServiceError
from event_contract import event_types
from read_side.adapters.commit_horizon import StreamClosedError
from read_side.adapters.event_feed import EventFeed, EventFilter
from read_side.entrypoints import messages, translate


class EventStreamServicer(event_service_pb2_grpc.PostEventServiceServicer):
    def __init__(self, feed: EventFeed) -> None:
        self._feed = feed

    async def StreamEvents(
        self, request: pb.StreamEventsRequest, context: Any
    ) -> AsyncIterator[pb.StreamEventsResponse]:
        after, only = _parse(request)
        try:
            async for stored in self._feed.events(after, only):
                yield pb.StreamEventsResponse(event=messages.event(stored))
        except StreamClosedError:
            raise _shutting_down() from None


def _parse(request: pb.StreamEventsRequest) -> tuple[int, EventFilter]:
    """(the position to read after, the filter); from_position is inclusive, 0 = the start."""
    problems = Violations()
    start = translate.not_negative(request.from_position, "from_position", problems)
    post_id = fields.uuid(request.post_id, "post_id", problems, required=False)
    known = event_types()
    for index, name in enumerate(request.event_types):
        if name not in known:
            problems.add(f"event_types[{index}]", f"unknown event type; known: {', '.join(known)}")
    problems.raise_if_any()
    only = EventFilter(post_id=post_id, event_types=tuple(dict.fromkeys(request.event_types)))
    return max(start - 1, 0), only


def _shutting_down() -> ServiceError:
    return ServiceError(
        grpc.StatusCode.UNAVAILABLE,
        "SERVER_SHUTTING_DOWN",
        "the server is shutting down; reconnect with from_position = last position received + 1",
    )
