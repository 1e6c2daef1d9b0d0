"""ListPosts through the real server: order, filters, views, page sizes, paging while posts
are created, and page tokens that are forged, malformed or presented with other filters."""

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from posts.v1 import common_pb2
from uuid_utils.compat import uuid7

from event_contract import EventMetadata, PostCreated, StoredEvent, Visibility
from read_side.adapters.page_tokens import PageTokens
from read_side.adapters.projection import ProjectionWriter
from tests.support.command_e2e import Running, refused, running_service
from tests.support.commands import Commands
from tests.support.queries import Reader, ids, project_all

FULLWIDTH_PYTHON = "\uff30\uff59\uff54\uff48\uff4f\uff4e"  # full-width "Python": NFKC folds it
INVALID_TOKEN = (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN")


@pytest.fixture(scope="module")
async def server(template_db: str) -> AsyncIterator[Running]:
    async with running_service(template_db) as running:
        yield running


async def project(server: Running) -> None:
    await project_all(server.service.engine, server.service.read_engine)


async def published(author: Commands, count: int, **fields) -> list[str]:
    """`count` new published posts of `author`, oldest first."""
    post_ids = []
    for _ in range(count):
        post_id = (await author.create(**fields)).post_id
        await author.publish(post_id)
        post_ids.append(post_id)
    return post_ids


async def test_posts_are_listed_newest_first(server):
    author = server.as_user()
    post_ids = await published(author, 3)
    await project(server)

    listed = await Reader(server.channel).list_page(author_id=str(author.actor))

    assert ids(listed.posts) == post_ids[::-1]
    assert listed.next_page_token == ""


async def test_filters_by_author_status_and_normalised_tag(server):
    author = server.as_user()
    [tagged] = await published(author, 1, tags=["python"])
    [untagged] = await published(author, 1, tags=["go"])
    draft = (await author.create(tags=["python"])).post_id
    await project(server)
    as_author = Reader(server.channel, author.actor)
    mine = str(author.actor)

    by_tag = await as_author.list_page(author_id=mine, tag=FULLWIDTH_PYTHON)
    drafts = await as_author.list_page(author_id=mine, status=common_pb2.POST_STATUS_DRAFT)
    live = await as_author.list_page(author_id=mine, status=common_pb2.POST_STATUS_PUBLISHED)
    others = await as_author.list_page(author_id=str(uuid.uuid4()))

    assert ids(by_tag.posts) == [draft, tagged]
    assert ids(drafts.posts) == [draft]
    assert ids(live.posts) == [untagged, tagged]
    assert ids(others.posts) == []


async def test_deleted_posts_are_listed_only_with_show_deleted_also_when_filtering_for_them(
    server,
):
    author = server.as_user()
    kept, deleted = await published(author, 2)
    await author.delete(deleted)
    await project(server)
    as_author = Reader(server.channel, author.actor)
    mine = str(author.actor)
    deleted_status = common_pb2.POST_STATUS_DELETED

    plain = await as_author.list_page(author_id=mine)
    by_status = await as_author.list_page(author_id=mine, status=deleted_status)
    shown = await as_author.list_page(author_id=mine, show_deleted=True)
    shown_by_status = await as_author.list_page(
        author_id=mine, status=deleted_status, show_deleted=True
    )

    assert ids(plain.posts) == [kept]
    assert ids(by_status.posts) == []
    assert ids(shown.posts) == [deleted, kept]
    assert ids(shown_by_status.posts) == [deleted]


async def test_lists_give_the_basic_view_unless_full_is_asked_for(server):
    author = server.as_user()
    await published(author, 1, body="The whole body")
    await project(server)
    anyone = Reader(server.channel)

    [basic] = (await anyone.list_page(author_id=str(author.actor))).posts
    [full] = (
        await anyone.list_page(author_id=str(author.actor), view=common_pb2.POST_VIEW_FULL)
    ).posts

    assert (basic.body, basic.excerpt) == ("", "The whole body")
    assert (full.body, full.excerpt) == ("The whole body", "The whole body")


async def test_page_size_defaults_to_50(server):
    author = server.as_user()
    for _ in range(51):
        await author.create()
    await project(server)

    first = await Reader(server.channel, author.actor).list_page(author_id=str(author.actor))

    assert len(first.posts) == 50
    assert first.next_page_token


async def test_page_size_above_1000_is_reduced_to_1000(server):
    author_id = uuid.uuid4()
    await _project_drafts(server, author_id, 1001)

    first = await Reader(server.channel, author_id).list_page(
        author_id=str(author_id), page_size=5000
    )

    assert len(first.posts) == 1000
    assert first.next_page_token


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"page_size": -1}, "page_size"),
        ({"author_id": "nope"}, "author_id"),
        ({"status": 42}, "status"),
        ({"view": 42}, "view"),
        ({"tag": "a\x00b"}, "tag"),
    ],
)
async def test_malformed_filters_and_a_negative_page_size_are_invalid(server, fields, field):
    failure = await refused(Reader(server.channel).list_page(**fields))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.violations) == {field}


async def test_a_full_page_stops_short_of_the_reply_limit_and_goes_on_on_the_next_page(server):
    author = server.as_user()
    # 100,000 four-byte code points: ~400 kB a post, 12 of them more than one reply may carry.
    post_ids = await published(author, 12, body="\U0001f600" * 100_000)
    await project(server)
    anyone = Reader(server.channel)

    pages = [
        page
        async for page in anyone.list_pages(
            author_id=str(author.actor), view=common_pb2.POST_VIEW_FULL
        )
    ]

    assert len(pages) > 1
    assert all(len(page.posts) < 12 for page in pages)
    assert [p.post_id for page in pages for p in page.posts] == post_ids[::-1]
    assert all(len(p.body) == 100_000 for page in pages for p in page.posts)


async def test_paging_while_posts_are_created_repeats_nothing_and_skips_nothing(server):
    author = server.as_user()
    before = await published(author, 20)
    await project(server)
    anyone = Reader(server.channel)
    seen: list[str] = []
    token = ""

    while True:
        page = await anyone.list_page(author_id=str(author.actor), page_size=6, page_token=token)
        seen += ids(page.posts)
        token = page.next_page_token
        if not token:
            break
        await published(author, 3)  # newer than everything listed so far
        await project(server)

    assert len(seen) == len(set(seen))
    assert seen == before[::-1]


async def test_a_page_token_may_be_reused_with_another_page_size_and_an_equivalent_tag(server):
    author = server.as_user()
    post_ids = await published(author, 3, tags=["python"])
    await project(server)
    anyone = Reader(server.channel)
    mine = str(author.actor)

    first = await anyone.list_page(author_id=mine, tag="python", page_size=1)
    rest = await anyone.list_page(
        author_id=mine, tag="PYTHON", page_size=10, page_token=first.next_page_token
    )

    assert ids(first.posts) + ids(rest.posts) == post_ids[::-1]


async def _first_token(server: Running) -> tuple[Commands, str]:
    author = server.as_user()
    await published(author, 2, tags=["python"])
    await project(server)
    page = await Reader(server.channel).list_page(author_id=str(author.actor), page_size=1)
    assert page.next_page_token
    return author, page.next_page_token


def _flip_a_byte(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[len(raw) // 3] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "spoil",
    [
        _flip_a_byte,
        lambda token: token[: len(token) // 2],
        lambda token: token + "A",
        lambda token: token.replace(token[5], "*"),
        lambda _token: "garbage",
        lambda _token: "ÿ" * 10,
        lambda _token: "A" * 5000,
    ],
    ids=["forged", "truncated", "extended", "bad-alphabet", "garbage", "non-ascii", "huge"],
)
async def test_a_forged_or_malformed_page_token_is_invalid(server, spoil):
    author, token = await _first_token(server)

    failure = await refused(
        Reader(server.channel).list_page(author_id=str(author.actor), page_token=spoil(token))
    )

    assert (failure.code, failure.reason) == INVALID_TOKEN
    assert "page_token" in failure.violations


@pytest.mark.parametrize(
    "other_filters",
    [
        {"author_id": str(uuid.uuid4())},
        {"tag": "python"},
        {"status": common_pb2.POST_STATUS_PUBLISHED},
        {"show_deleted": True},
    ],
    ids=["author", "tag", "status", "show_deleted"],
)
async def test_a_page_token_presented_with_other_filters_is_invalid(server, other_filters):
    author, token = await _first_token(server)
    filters = {"author_id": str(author.actor), **other_filters}

    failure = await refused(Reader(server.channel).list_page(**filters, page_token=token))

    assert (failure.code, failure.reason) == INVALID_TOKEN


async def test_a_list_page_token_is_invalid_for_search_and_history(server):
    author, token = await _first_token(server)
    anyone = Reader(server.channel)
    [post_id] = ids((await anyone.list_page(author_id=str(author.actor), page_size=1)).posts)

    for call in (
        anyone.search("anything", page_token=token),
        anyone.history(post_id, page_token=token),
    ):
        failure = await refused(call)
        assert (failure.code, failure.reason) == INVALID_TOKEN


async def test_a_well_formed_page_token_signed_with_another_secret_is_invalid(server):
    author, _ = await _first_token(server)
    filters = {
        "rpc": "ListPosts",
        "author_id": str(author.actor),
        "status": None,
        "tag": None,
        "show_deleted": False,
    }
    cursor = {"t": datetime.now(UTC).isoformat(), "id": str(uuid.uuid4())}
    forged = PageTokens(b"someone else's secret").encode(filters, cursor)
    genuine = PageTokens(b"test-page-token-secret").encode(filters, cursor)

    failure = await refused(
        Reader(server.channel).list_page(author_id=str(author.actor), page_token=forged)
    )
    accepted = await Reader(server.channel).list_page(
        author_id=str(author.actor), page_token=genuine
    )

    assert (failure.code, failure.reason) == INVALID_TOKEN
    assert accepted.posts  # the same payload, signed with the server's secret, is good


async def _project_drafts(server: Running, author_id: uuid.UUID, count: int) -> None:
    """Puts `count` drafts straight into the read model with the projector's writer: faster
    than `count` commands, and the read side can't tell the difference."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = []
    for n in range(count):
        post_id = uuid7()
        payload = PostCreated(
            post_id=post_id,
            author_id=author_id,
            title=f"Post {n}",
            body="Body",
            tags=(),
            visibility=Visibility.PUBLIC,
        )
        metadata = EventMetadata(
            event_id=uuid7(),
            post_id=post_id,
            version=1,
            occurred_at=start + timedelta(seconds=n),
            actor_id=author_id,
            caller="test-suite",
        )
        events.append(StoredEvent(position=n + 1, metadata=metadata, payload=payload))

    async def no_gaps(*_args: object) -> list[StoredEvent]:
        return []

    async with server.service.read_engine.begin() as conn:
        await ProjectionWriter("simple").apply(conn, events, no_gaps)
