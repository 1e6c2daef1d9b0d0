"""Read-side values → posts.v1 messages: Post (BASIC or FULL), Event, AuthorStats."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from posts.v1 import common_pb2
from posts.v1 import query_service_pb2 as pb

from event_contract import PostStatus, StoredEvent, Visibility, decode_time, encode_data
from event_contract.cloudevents import attributes
from read_side.adapters.stats_queries import AuthorCounts
from read_side.model import PostView

_STATUS = {
    PostStatus.DRAFT: common_pb2.POST_STATUS_DRAFT,
    PostStatus.PUBLISHED: common_pb2.POST_STATUS_PUBLISHED,
    PostStatus.DELETED: common_pb2.POST_STATUS_DELETED,
}
_VISIBILITY = {
    Visibility.PUBLIC: common_pb2.VISIBILITY_PUBLIC,
    Visibility.UNLISTED: common_pb2.VISIBILITY_UNLISTED,
    Visibility.PRIVATE: common_pb2.VISIBILITY_PRIVATE,
}


def post(view: PostView, *, with_body: bool) -> common_pb2.Post:
    """FULL with the body; BASIC without it. The excerpt is set in both."""
    message = common_pb2.Post(
        post_id=str(view.post_id),
        author_id=str(view.author_id),
        title=view.title,
        body=view.body if with_body else "",
        excerpt=view.excerpt,
        tags=list(view.tags),
        visibility=_VISIBILITY[view.visibility],
        status=_STATUS[view.status],
        create_time=_timestamp(view.created_at),
        update_time=_timestamp(view.updated_at),
        version=view.version,
        position=view.position,
    )
    if view.published_at is not None:
        message.publish_time.CopyFrom(_timestamp(view.published_at))
    if view.deleted_at is not None:
        message.delete_time.CopyFrom(_timestamp(view.deleted_at))
    return message


def event(stored: StoredEvent) -> common_pb2.Event:
    """The CloudEvents attributes of the event contract (the same set the Kafka headers and
    StreamEvents carry), and its data as the Kafka value's JSON bytes."""
    attrs = attributes(stored)
    return common_pb2.Event(
        event_id=attrs["id"],
        type=attrs["type"],
        source=attrs["source"],
        post_id=attrs["subject"],
        version=int(attrs["postversion"]),
        position=int(attrs["position"]),
        occurred_at=_timestamp(decode_time(attrs["time"])),
        actor_id=attrs["actorid"],
        caller=attrs["caller"],
        request_id=attrs.get("requestid", ""),
        schema_version=int(attrs["schemaversion"]),
        data=encode_data(stored.payload),
    )


def author_stats(counts: AuthorCounts) -> pb.AuthorStats:
    message = pb.AuthorStats(
        author_id=str(counts.author_id),
        post_count=counts.post_count,
        published_count=counts.published_count,
    )
    if counts.last_published_at is not None:
        message.last_publish_time.CopyFrom(_timestamp(counts.last_published_at))
    return message


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp
