"""`post-service users-consumer`: the users service's UserDeleted deletes that user's posts.

How it works (one module per step):
- `loop`: a consumer in group USERS_CONSUMER_GROUP_ID on USERS_TOPIC, auto-commit off; one
  message at a time, its offset committed once the message has come to an end (at least once).
- `event_contract.consumed`: the CloudEvents binary-mode message decoded; only
  `users.v1.UserDeleted` is ours, other types are skipped with a log line.
- `handling`: decode failures are dead-lettered at once; a UserDeleted is tried up to
  USERS_CONSUMER_MAX_ATTEMPTS times with back-off, then dead-lettered (`dead_letters`:
  `<USERS_TOPIC>.dlq`, the original message plus its topic, partition, offset and the error).
  One bad message never stops the consumer.
- `deletion`: the user's posts from the write side's posts-by-author index, each deleted with
  DeletePost as the system actor through the CommandHandler, under a request id derived from
  the message, so a redelivery appends nothing.
Health: `users-consumer` in grpc.health.v1 (never the overall status), SERVING while it
consumes, NOT_SERVING while Kafka or PostgreSQL fails it.
"""

from write_side.entrypoints.users_consumer.config import UsersConsumerConfig, UsersConsumerSettings
from write_side.entrypoints.users_consumer.deletion import UserPostsDeleter
from write_side.entrypoints.users_consumer.loop import UsersConsumer

__all__ = ["UserPostsDeleter", "UsersConsumer", "UsersConsumerConfig", "UsersConsumerSettings"]
