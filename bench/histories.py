"""Realistic post histories, as the domain could have decided them, in global (time) order.

Posts are created as a Poisson process; each lives for a while, and its later events come at
random intervals, so histories interleave in the global order as real traffic does. What a post
goes through follows DESIGN.md's command table (a deleted post can only be restored; publish a
draft, unpublish a published post). Authors and tags are skewed (a few are very active), bodies
range from a line to a long article, and some PostRestored rows are in their older v1 shape
(`status`), as a store that lived through that schema change holds them.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import orjson
from uuid_utils.compat import uuid7

from event_contract import (
    PostCreated,
    PostDeleted,
    PostEdited,
    PostEvent,
    PostPublished,
    PostRestored,
    PostStatus,
    PostUnpublished,
    Visibility,
    encode_data,
)

START = datetime(2025, 1, 1, tzinfo=UTC)
CALLERS = ("gateway", "gateway", "gateway", "mobile-bff", "importer")
VISIBILITIES = (Visibility.PUBLIC,) * 8 + (Visibility.UNLISTED, Visibility.PRIVATE)

# One stored row, in the column order of bench/generate_events.py's COPY.
type Row = tuple[UUID, UUID, int, str, int, str, UUID, str, UUID | None, datetime]


@dataclass(order=True)
class _Post:
    next_at: float
    post_id: UUID = field(compare=False)
    author: UUID = field(compare=False)
    status: PostStatus = field(compare=False, default=PostStatus.DRAFT)
    before_delete: PostStatus = field(compare=False, default=PostStatus.DRAFT)
    version: int = field(compare=False, default=1)
    remaining: int = field(compare=False, default=0)


class Histories:
    def __init__(self, seed: int = 1, authors: int = 20_000, tags: int = 800) -> None:
        self._rng = random.Random(seed)
        words = [self._word() for _ in range(4000)]
        self._words = words
        self._paragraphs = [self._sentence(40, 120) for _ in range(3000)]
        self._tags = sorted({w.lower() for w in words[:tags]})
        # Zipf-like weights: the first authors and tags are by far the most active.
        self._authors = [uuid7() for _ in range(authors)]
        self._author_weights = _cumulative(len(self._authors))
        self._tag_weights = _cumulative(len(self._tags))

    def rows(self, events: int, v1_restored_share: float = 0.3) -> Iterator[Row]:
        """`events` rows in global order; the first `v1_restored_share` of the history writes
        PostRestored in its v1 shape."""
        active: list[_Post] = []
        now, emitted = 0.0, 0
        while emitted < events:
            now += self._rng.expovariate(1.0)  # about one creation per time unit
            while active and active[0].next_at <= now and emitted < events:
                post = heapq.heappop(active)
                yield self._next(post, v1=emitted < events * v1_restored_share)
                emitted += 1
                self._reschedule(active, post)
            if emitted < events:
                post, row = self._create(now)
                yield row
                emitted += 1
                self._reschedule(active, post)

    def created(self, posts: int) -> Iterator[Row]:
        """Only the PostCreated rows of `posts` new posts (a post-shaped sample, fast)."""
        for n in range(posts):
            yield self._create(float(n))[1]

    def _create(self, now: float) -> tuple[_Post, Row]:
        rng = self._rng
        author = rng.choices(self._authors, cum_weights=self._author_weights)[0]
        post_id = uuid7()
        # Mean length 6: most posts see a few edits, a long tail sees dozens.
        post = _Post(now, post_id, author, remaining=min(int(rng.expovariate(1 / 5)), 200))
        payload = PostCreated(
            post_id=post_id,
            author_id=author,
            title=self._sentence(3, 12),
            body=self._body(),
            tags=self._pick_tags(),
            visibility=rng.choice(VISIBILITIES),
        )
        return post, self._row(post, payload, now)

    def _reschedule(self, active: list[_Post], post: _Post) -> None:
        if post.remaining > 0:
            post.remaining -= 1
            # Lifetimes overlap: hundreds of posts are "live" at any moment.
            post.next_at += self._rng.expovariate(1 / 150)
            heapq.heappush(active, post)

    def _next(self, post: _Post, *, v1: bool) -> Row:
        post.version += 1
        payload = self._decide(post)
        if v1 and isinstance(payload, PostRestored):
            data = orjson.dumps({"post_id": str(post.post_id), "status": payload.restored_status})
            return self._row(post, payload, post.next_at, data=data.decode(), schema_version=1)
        return self._row(post, payload, post.next_at)

    def _decide(self, post: _Post) -> PostEvent:
        r, pid = self._rng.random(), post.post_id
        if post.status is PostStatus.DELETED:
            post.status = post.before_delete
            return PostRestored(post_id=pid, restored_status=post.before_delete)
        if r < 0.08:
            post.before_delete, post.status = post.status, PostStatus.DELETED
            return PostDeleted(post_id=pid)
        if post.status is PostStatus.DRAFT and r < 0.45:
            post.status = PostStatus.PUBLISHED
            return PostPublished(post_id=pid)
        if post.status is PostStatus.PUBLISHED and r < 0.2:
            post.status = PostStatus.DRAFT
            return PostUnpublished(post_id=pid)
        return self._edit(pid)

    def _edit(self, post_id: UUID) -> PostEdited:
        rng = self._rng
        title = self._sentence(3, 12) if rng.random() < 0.4 else None
        body = self._body() if rng.random() < 0.45 else None
        tags = self._pick_tags() if rng.random() < 0.3 else None
        visibility = rng.choice(VISIBILITIES) if rng.random() < 0.1 else None
        if (title, body, tags, visibility) == (None, None, None, None):
            title = self._sentence(3, 12)
        return PostEdited(post_id=post_id, title=title, body=body, tags=tags, visibility=visibility)

    def _row(
        self,
        post: _Post,
        payload: PostEvent,
        at: float,
        data: str | None = None,
        schema_version: int | None = None,
    ) -> Row:
        rng = self._rng
        return (
            uuid7(),
            post.post_id,
            post.version,
            payload.TYPE,
            schema_version or payload.SCHEMA_VERSION,
            data or encode_data(payload).decode(),
            post.author,
            rng.choice(CALLERS),
            None if rng.random() < 0.1 else uuid7(),
            START + timedelta(seconds=at * 60, microseconds=rng.randrange(1_000_000)),
        )

    def _body(self) -> str:
        # Lognormal number of paragraphs: a median of ~2 (≈1,100 characters), a few long reads.
        count = max(1, min(int(self._rng.lognormvariate(0.7, 0.9)), 60))
        return "\n\n".join(self._rng.choices(self._paragraphs, k=count))

    def _pick_tags(self) -> tuple[str, ...]:
        count = self._rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5, 8))
        picked = self._rng.choices(self._tags, cum_weights=self._tag_weights, k=count)
        return tuple(dict.fromkeys(picked))

    def _sentence(self, low: int, high: int) -> str:
        words = self._rng.choices(self._words, k=self._rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def _word(self) -> str:
        # Latin and Cyrillic, as the platform's users write both.
        alphabet = (
            "abcdefghijklmnopqrstuvwxyz" if self._rng.random() < 0.7 else "абвгдежзиклмнопрстуфхя"
        )
        return "".join(self._rng.choices(alphabet, k=self._rng.randint(2, 11)))


def _cumulative(n: int) -> list[float]:
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank
        out.append(total)
    return out
