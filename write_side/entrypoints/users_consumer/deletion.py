"""UserDeleted → DeletePost for every post of that user, through the normal command path.

The posts come from the write side's own index (never behind the store, unlike the read
model), and each is deleted by the CommandHandler as the system actor, so a UserDeleted
deletes exactly as a moderator's DeletePost would: same decide, same events, same guarantees.

Redelivery is harmless twice over: each DeletePost carries a request id derived from the
message's CloudEvents identity (source + id) and the post, so a repeat within the idempotency
window replays the first result; after it, deleting a deleted post is a no-op anyway.
"""

from __future__ import annotations

import hashlib
from typing import Protocol
from uuid import UUID, uuid5

from event_contract.consumed import ConsumedEvent, UserDeleted
from write_side.application.handler import CommandContext, CommandResult
from write_side.domain import SYSTEM_ACTOR, Command, DeletePost

# The caller in the events' metadata and the logs: who asked for the deletion.
CALLER = "users-consumer"
# Fixed forever: changing it would make every redelivery look like a new request.
# (uuid5 of NAMESPACE_URL and "urn:post-service:users-consumer:request-ids")
_REQUEST_IDS = UUID("edabba44-3f2c-555b-8739-43491726678f")


class PostIndex(Protocol):
    async def post_ids(self, author_id: UUID) -> list[UUID]: ...


class CommandRunner(Protocol):
    async def execute(self, command: Command, ctx: CommandContext) -> CommandResult: ...


def request_id(event: ConsumedEvent, post_id: UUID) -> UUID:
    """The same for every delivery of one message (CloudEvents: source + id identify an
    event), different for each post and each message."""
    return uuid5(_REQUEST_IDS, f"{event.source}\n{event.id}\n{post_id}")


def fingerprint(post_id: UUID) -> bytes:
    # What the request is (AIP-155): a replay with the same id must be the same request.
    return hashlib.sha256(
        f"DeletePost\0{CALLER}\0{SYSTEM_ACTOR.actor_id}\0{post_id}".encode()
    ).digest()


class UserPostsDeleter:
    def __init__(self, index: PostIndex, commands: CommandRunner) -> None:
        self._index = index
        self._commands = commands

    async def delete_posts_of(self, event: ConsumedEvent, user: UserDeleted) -> int:
        """Deletes every post of the user; returns how many posts the user had. Raises on the
        first failure: a retry starts over, and what was deleted already replays as a no-op."""
        post_ids = await self._index.post_ids(user.user_id)
        for post_id in post_ids:
            ctx = CommandContext(
                actor=SYSTEM_ACTOR,
                caller=CALLER,
                request_id=request_id(event, post_id),
                fingerprint=fingerprint(post_id),
            )
            await self._commands.execute(DeletePost(post_id), ctx)
        return len(post_ids)
