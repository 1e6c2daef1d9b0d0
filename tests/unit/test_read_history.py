"""PostHistory: reads a post's whole history in chunks through the reader interface, folds it
with the read model's fold, and keeps the page or the point asked for."""

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from event_contract import (
    PostCreated,
    PostEdited,
    PostEvent,
    PostPublished,
    StoredEvent,
    Visibility,
)
from read_side.adapters.history import CHUNK, PostHistory
from read_side.model import fold_view
from tests.unit.conftest import T0, EventFactory


class FakeReader:
    """The event store of one post, in memory; records each read."""

    def __init__(self, events: list[StoredEvent]) -> None:
        self.events = events
        self.reads: list[tuple[int, int]] = []

    async def read(self, post_id: UUID, after_version: int, limit: int) -> list[StoredEvent]:
        self.reads.append((after_version, limit))
        later = [e for e in self.events if e.metadata.post_id == post_id]
        return [e for e in later if e.metadata.version > after_version][:limit]


@pytest.fixture
def history_of(stamp: EventFactory, author_id: UUID):
    """A post's `length` stored events: created, published, then edits (title "Title n")."""

    def make(length: int) -> list[StoredEvent]:
        post_id = uuid4()
        payloads: list[PostEvent] = [
            PostCreated(
                post_id=post_id,
                author_id=author_id,
                title="Title 1",
                body="Body",
                tags=(),
                visibility=Visibility.PUBLIC,
            ),
            PostPublished(post_id=post_id),
        ]
        payloads += [PostEdited(post_id=post_id, title=f"Title {n}") for n in range(3, length + 1)]
        return [stamp(p, n).stored_at(100 + n) for n, p in enumerate(payloads[:length], 1)]

    return make


async def test_a_page_holds_the_events_after_the_cursor_and_now_is_the_whole_fold(history_of):
    events = history_of(7)
    history = PostHistory(FakeReader(events))

    folded = await history.page(events[0].metadata.post_id, after_version=2, limit=3)

    assert [e.metadata.version for e in folded.page] == [3, 4, 5]
    assert folded.now == fold_view(None, events)


async def test_a_long_history_is_read_in_chunks(history_of):
    events = history_of(CHUNK * 2 + 5)
    reader = FakeReader(events)

    folded = await PostHistory(reader).page(events[0].metadata.post_id, 0, 10)

    assert reader.reads == [(0, CHUNK), (CHUNK, CHUNK), (2 * CHUNK, CHUNK)]
    assert folded.now is not None
    assert folded.now.version == CHUNK * 2 + 5


async def test_at_a_version_is_the_fold_up_to_it(history_of):
    events = history_of(5)

    folded = await PostHistory(FakeReader(events)).at(events[0].metadata.post_id, 3)

    assert folded.then == fold_view(None, events[:3])
    assert folded.now == fold_view(None, events)


async def test_at_a_time_is_the_fold_up_to_the_last_event_at_or_before_it(history_of):
    events = history_of(5)  # one minute apart, from T0 + 1 min
    history = PostHistory(FakeReader(events))
    post_id = events[0].metadata.post_id

    exactly = await history.at(post_id, T0 + timedelta(minutes=3))
    between = await history.at(post_id, T0 + timedelta(minutes=3, seconds=59))
    before = await history.at(post_id, T0)

    assert exactly.then == between.then == fold_view(None, events[:3])
    assert before.then is None
    assert before.now == fold_view(None, events)


async def test_an_unknown_post_folds_to_nothing():
    folded = await PostHistory(FakeReader([])).page(uuid4(), 0, 10)
    assert (folded.now, folded.page) == (None, [])
