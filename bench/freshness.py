"""Scenario 4, the client side: how long after a command's reply its version can be read.

Each command is an EditPost (a post chosen uniformly, so commands rarely collide), sent at a
fixed rate by an open loop; its reply starts the clock, which stops at the first GetPost that
returns that version. Two ways of asking:
- `wait`: one GetPost with min_version = the reply's version; the server answers as soon as
  the read model holds it (it is woken by the projector's NOTIFY) — what a client doing
  read-your-writes does;
- `poll`: GetPost with min_version = 0 every POLL_S until the version shows, so the figure
  does not rest on the server's own waiting (it adds at most POLL_S, and load).
"""

from __future__ import annotations

import asyncio
import time

import grpc
from posts.v1 import query_service_pb2 as qry

from bench.calls import Calls, metadata
from bench.loops import LoadResult, RecordingCall

POLL_S = 0.002


class Freshness:
    def __init__(self, calls: Calls, mode: str, seconds: float) -> None:
        self._calls = calls
        self._mode = mode
        # The commands' own latencies, beside the freshness figures in the main result.
        self.commands = LoadResult(seconds)
        self.retries = 0

    def call(self) -> RecordingCall:
        async def one(result: LoadResult, *, record: bool) -> None:
            post_id, author = self._calls.rng.choice(self._calls.posts)
            sent = time.monotonic()
            try:
                reply = await self._calls.edit(post_id, author)
            except grpc.aio.AioRpcError as error:
                if record:
                    self.commands.errors[error.code().name] += 1
                return
            replied = time.monotonic()
            await self._until_visible(post_id, author, reply.version)
            if record:
                self.commands.latencies_ms.append((replied - sent) * 1000)
                result.latencies_ms.append((time.monotonic() - replied) * 1000)

        return one

    async def _until_visible(self, post_id: str, author: str, version: int) -> None:
        stub, md = self._calls.queries, metadata(author)
        while True:
            wait = version if self._mode == "wait" else 0
            request = qry.GetPostRequest(post_id=post_id, min_version=wait)
            try:
                post = await stub.GetPost(request, metadata=md, timeout=30)
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE:  # PROJECTION_BEHIND: again
                    raise
                self.retries += 1
                continue
            if post.version >= version:
                return
            await asyncio.sleep(POLL_S)
