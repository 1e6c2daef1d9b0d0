"""AIP-158 pages: bounded by page_size and by the reply size limit, with signed tokens.

A page may hold fewer items than page_size and still have a next page: a page is cut where the
reply would pass REPLY_BUDGET_BYTES (FULL views of long posts), and a FULL view reads at most
FULL_VIEW_ROWS rows per page (so a request can't make the server read gigabytes of bodies to
throw most of them away). Only an empty next_page_token ends a listing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from google.protobuf.message import Message

from edges.grpc.server import MAX_MESSAGE_BYTES
from read_side.adapters.page_tokens import Cursor, Filters, InvalidPageTokenError, PageTokens
from read_side.entrypoints.errors import invalid_page_token

# Below the 4 MiB that gRPC clients accept by default (our own limit, MAX_MESSAGE_BYTES, is
# higher), with headroom for framing and the reply's other fields.
REPLY_BUDGET_BYTES = min(3 * 1024 * 1024, MAX_MESSAGE_BYTES // 2)
FULL_VIEW_ROWS = 100


@dataclass(frozen=True, slots=True)
class Page[T]:
    items: list[T]
    more: bool


def page_rows(page_size: int, *, with_body: bool) -> int:
    """The most rows one page may hold. Read one more, to learn whether more follow."""
    return min(page_size, FULL_VIEW_ROWS) if with_body else page_size


def fill[T](rows: Sequence[T], limit: int, weigh: Callable[[T], int]) -> Page[T]:
    """The first rows (at least one) up to `limit` rows and REPLY_BUDGET_BYTES, as weighed;
    `rows` may hold one more, which only tells that the listing goes on."""
    items: list[T] = []
    used = 0
    for row in rows[:limit]:
        used += weigh(row)
        if items and used > REPLY_BUDGET_BYTES:
            break
        items.append(row)
    return Page(items, more=len(rows) > len(items))


class Tokens:
    """Page tokens for one RPC's filters, with errors as the edge reports them."""

    def __init__(self, tokens: PageTokens, filters: Filters) -> None:
        self._tokens = tokens
        self._filters = filters

    def cursor[C](self, token: str, load: Callable[[Cursor], C]) -> C | None:
        if not token:
            return None
        try:
            return load(self._tokens.decode(token, self._filters))
        except InvalidPageTokenError as exc:
            raise invalid_page_token(str(exc)) from None

    def next[T](self, page: Page[T], cursor_of: Callable[[T], Cursor]) -> str:
        """The token of the page after `page`, which starts after its last item; empty if
        `page` is the last one."""
        if not page.more or not page.items:
            return ""
        return self._tokens.encode(self._filters, cursor_of(page.items[-1]))


def weigh_reply[T](item: tuple[T, Message]) -> int:
    """An item of a page as (what it was made from, its message): the message's wire size."""
    return item[1].ByteSize()
