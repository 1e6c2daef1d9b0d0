"""The RPC each scenario makes, built from a dataset (bench/dataset.py) and a channel.

Every call carries the auth metadata a gateway sends: the bearer token and an x-actor-id.
Commands carry no request_id: the unit of work is the command itself (a request_id adds the
idempotency record's insert; AIP-155 makes it optional). Mixed commands are sent as each
post's author, so each is allowed and does work.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from itertools import accumulate
from typing import Any

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from posts.v1 import command_service_pb2 as cmd
from posts.v1 import command_service_pb2_grpc, query_service_pb2_grpc
from posts.v1 import query_service_pb2 as qry

from bench.harness import AUTH

type Call = Callable[[], Awaitable[object]]
# What a stub's call returns (grpc ships no types, so it is Any): an awaitable reply.
type Reply = Any
READER = "0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70"
WRITER = "0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a71"
PAGE_SIZE = 20
DEEP_PAGE = 10
BODY = ("Benchmarks measure what the design does under load, not what it promises. " * 8).strip()


def metadata(actor: str) -> list[tuple[str, str]]:
    return [*AUTH, ("x-actor-id", actor)]


class Calls:
    def __init__(self, channel: grpc.aio.Channel, dataset: dict[str, Any], seed: int = 1) -> None:
        self.commands = command_service_pb2_grpc.PostCommandServiceStub(channel)
        self.queries = query_service_pb2_grpc.PostQueryServiceStub(channel)
        self.data = dataset
        self.rng = random.Random(seed)
        posts = dataset.get("posts") or [[str(uuid.uuid4()), WRITER]]
        self.posts: list[list[str]] = posts
        # Zipf (s = 1) over the posts: the first is 1/H(n) of all commands (~10% of 10,000).
        self.zipf = list(accumulate(1 / rank for rank in range(1, len(posts) + 1)))
        self.tokens: dict[str, str] = {}

    def create(self) -> Reply:
        request = cmd.CreatePostRequest(title="Benchmark post", body=BODY, tags=["bench", "grpc"])
        return self.commands.CreatePost(request, metadata=metadata(WRITER), timeout=30)

    def mix(self) -> Reply:
        """70% EditPost, 20% PublishPost/UnpublishPost, 10% CreatePost, Zipf over the posts."""
        r = self.rng.random()
        if r < 0.1:
            return self.create()
        post_id, author = self.rng.choices(self.posts, cum_weights=self.zipf)[0]
        if r < 0.3:
            name = "PublishPost" if r < 0.2 else "UnpublishPost"
            request = getattr(cmd, f"{name}Request")(post_id=post_id)
            method = getattr(self.commands, name)
            return method(request, metadata=metadata(author), timeout=30)
        return self.edit(post_id, author)

    def edit(self, post_id: str, author: str) -> Reply:
        request = cmd.EditPostRequest(
            post_id=post_id,
            title=f"Edited {self.rng.getrandbits(48):x}",
            update_mask=FieldMask(paths=["title"]),
        )
        return self.commands.EditPost(request, metadata=metadata(author), timeout=30)

    def get(self) -> Reply:
        request = qry.GetPostRequest(post_id=self.rng.choice(self.data["readable"]))
        return self.queries.GetPost(request, metadata=metadata(READER), timeout=30)

    def list_author(self, token: str = "") -> Reply:
        request = qry.ListPostsRequest(
            author_id=self.data["author"], page_size=PAGE_SIZE, page_token=token
        )
        return self.queries.ListPosts(request, metadata=metadata(READER), timeout=30)

    def list_tag(self, token: str = "") -> Reply:
        request = qry.ListPostsRequest(tag=self.data["tag"], page_size=PAGE_SIZE, page_token=token)
        return self.queries.ListPosts(request, metadata=metadata(READER), timeout=30)

    def search(self) -> Reply:
        request = qry.SearchPostsRequest(query=self.rng.choice(self.data["words"]), page_size=20)
        return self.queries.SearchPosts(request, metadata=metadata(READER), timeout=30)

    async def deep_token(self, lister: Callable[[str], Awaitable[Any]]) -> tuple[str, int]:
        """The token of page DEEP_PAGE (or of the last page, if there are fewer)."""
        token, page = "", 1
        while page < DEEP_PAGE:
            reply = await lister(token)
            if not reply.next_page_token:
                break
            token, page = reply.next_page_token, page + 1
        return token, page

    async def call(self, scenario: str) -> tuple[Call, dict[str, Any]]:
        """The call of `scenario`, and what it is about (for the results)."""
        simple: dict[str, Call] = {
            "create": self.create,
            "mix": self.mix,
            "get": self.get,
            "list_author": self.list_author,
            "list_tag": self.list_tag,
            "search": self.search,
        }
        if scenario in simple:
            return simple[scenario], {}
        lister = {"list_author_deep": self.list_author, "list_tag_deep": self.list_tag}[scenario]
        token, page = await self.deep_token(lister)
        return (lambda: lister(token)), {"page": page}
