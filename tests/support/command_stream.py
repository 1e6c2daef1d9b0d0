"""A stream of commands over gRPC, as real traffic looks: a few authors creating, editing,
retagging, publishing, unpublishing, deleting and restoring posts, concurrently, until stopped.

Authors and tags are few on purpose: posts on different partitions then share author_stats and
tag_stats rows, which is where concurrent projectors meet.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import grpc
from posts.v1 import common_pb2

from tests.support.commands import Commands

TAGS = ("python", "grpc", "kafka", "postgres", "тег")
VISIBILITIES = (common_pb2.VISIBILITY_PUBLIC, common_pb2.VISIBILITY_UNLISTED)


class CommandStream:
    def __init__(self, channel: grpc.aio.Channel, authors: int = 3, seed: int = 7) -> None:
        self._authors = [Commands(channel) for _ in range(authors)]
        self._posts: dict[int, list[str]] = {i: [] for i in range(authors)}
        self._random = random.Random(seed)
        self.commands = 0

    @property
    def authors(self) -> list[uuid.UUID]:
        return [commands.actor for commands in self._authors]

    async def run(self, stop: asyncio.Event, workers: int = 4) -> None:
        """Until `stop` is set; a command refused because its post is deleted is expected."""
        await asyncio.gather(*(self._work(i % len(self._authors), stop) for i in range(workers)))

    async def _work(self, author: int, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._one(author)
            except grpc.aio.AioRpcError as error:
                if error.code() is not grpc.StatusCode.FAILED_PRECONDITION:
                    raise
            self.commands += 1

    async def _one(self, author: int) -> None:
        commands, posts, pick = self._authors[author], self._posts[author], self._random
        if len(posts) < 3 or pick.random() < 0.15:
            tags = pick.sample(TAGS, pick.randint(0, 3))
            created = await commands.create(tags=tags, visibility=pick.choice(VISIBILITIES))
            posts.append(created.post_id)
            return
        await pick.choice(self._changes(commands))(pick.choice(posts))

    def _changes(self, c: Commands) -> list[Callable[[str], Coroutine[Any, Any, object]]]:
        pick = self._random
        return [
            lambda p: c.edit(p, tags=pick.sample(TAGS, pick.randint(0, 3))),
            lambda p: c.edit(p, title=f"Title {pick.randint(0, 10**6)}"),
            lambda p: c.edit(p, visibility=pick.choice(VISIBILITIES)),
            c.publish,
            c.publish,
            c.unpublish,
            c.delete,
            c.restore,
        ]
