"""Names that every producer and consumer of our events must agree on."""

# CloudEvents `source` of every event this service emits (the relay puts it in `ce_source`).
EVENT_SOURCE = "post-service"

# Every event type is `posts.v1.<Name>`: the proto package, so one name serves gRPC and Kafka.
EVENT_TYPE_PREFIX = "posts.v1."

# The event's data (the Kafka value, StreamEvents' data) is always this JSON encoding.
DATA_CONTENT_TYPE = "application/json"
