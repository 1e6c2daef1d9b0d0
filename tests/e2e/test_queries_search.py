"""SearchPosts through the real server: matching, ranking, web-search syntax, any language,
views, pagination and its tokens, and input limits. Each test searches for words of its own."""

import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from posts.v1 import common_pb2

from tests.support.command_e2e import Running, refused, running_service
from tests.support.commands import Commands
from tests.support.queries import Reader, ids, project_all


@pytest.fixture(scope="module")
async def server(template_db: str) -> AsyncIterator[Running]:
    async with running_service(template_db) as running:
        yield running


def word() -> str:
    """A word no other test's post contains."""
    return f"w{uuid.uuid4().hex[:10]}"


async def publish(author: Commands, **fields) -> str:
    post_id = (await author.create(**fields)).post_id
    await author.publish(post_id)
    return post_id


async def project(server: Running) -> None:
    await project_all(server.service.engine, server.service.read_engine)


async def test_finds_words_in_title_body_and_tags_most_relevant_first(server):
    author, w = server.as_user(), word()
    once = await publish(author, title="Unrelated", body=f"{w} appears once here")
    everywhere = await publish(author, title=f"{w} news", body=f"{w} and {w}", tags=[w])
    in_tags = await publish(author, title="Tagged only", tags=[w])
    await publish(author, title="Nothing to see")
    await project(server)

    found = await Reader(server.channel).search(w)

    assert ids(found.posts)[0] == everywhere
    assert set(ids(found.posts)) == {once, everywhere, in_tags}


async def test_understands_phrases_or_and_exclusion(server):
    author, a, b = server.as_user(), word(), word()
    both = await publish(author, body=f"{a} {b}")
    reversed_ = await publish(author, body=f"{b} {a}")
    only_a = await publish(author, body=f"{a} alone")
    await project(server)
    anyone = Reader(server.channel)

    assert ids((await anyone.search(f'"{a} {b}"')).posts) == [both]
    assert set(ids((await anyone.search(f"{a} -{b}")).posts)) == {only_a}
    assert set(ids((await anyone.search(f"{a} or {b}")).posts)) == {both, reversed_, only_a}


async def test_matches_words_of_any_language(server):
    author, w = server.as_user(), word()
    post_id = await publish(author, title=f"Привет мир {w}", body="Ελληνικά και 日本語")
    await project(server)
    anyone = Reader(server.channel)

    assert ids((await anyone.search(f"ПРИВЕТ {w}")).posts) == [post_id]
    assert ids((await anyone.search(f"ελληνικά {w}")).posts) == [post_id]


async def test_gives_the_basic_view_unless_full_is_asked_for(server):
    author, w = server.as_user(), word()
    await publish(author, body=f"{w} body")
    await project(server)
    anyone = Reader(server.channel)

    [basic] = (await anyone.search(w)).posts
    [full] = (await anyone.search(w, view=common_pb2.POST_VIEW_FULL)).posts

    assert (basic.body, basic.excerpt) == ("", f"{w} body")
    assert full.body == f"{w} body"


async def test_pages_through_every_match_once_in_the_order_of_one_big_page(server):
    author, w = server.as_user(), word()
    for n in range(12):
        await publish(author, body=" ".join([w] * (n % 4 + 1) + ["filler"] * n))
    await project(server)
    anyone = Reader(server.channel)

    whole = ids((await anyone.search(w, page_size=100)).posts)
    paged = ids(await anyone.search_all(w, page_size=5))

    assert len(whole) == 12
    assert paged == whole


async def test_a_search_page_token_is_tied_to_its_query(server):
    author, w = server.as_user(), word()
    for _ in range(2):
        await publish(author, body=w)
    await project(server)
    anyone = Reader(server.channel)
    first = await anyone.search(w, page_size=1)

    failure = await refused(anyone.search(f"{w} other", page_token=first.next_page_token))

    assert (failure.code, failure.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
    )


@pytest.mark.parametrize(
    ("query", "page_size"), [("", 0), ("   ", 0), ("x" * 1001, 0), ("a\x00b", 0), ("fine", -1)]
)
async def test_refuses_an_empty_too_long_or_nul_query_and_a_negative_page_size(
    server, query, page_size
):
    failure = await refused(Reader(server.channel).search(query, page_size=page_size))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(failure.violations) <= {"query", "page_size"}
    assert failure.violations


async def test_a_query_of_only_punctuation_finds_nothing_rather_than_failing(server):
    found = await Reader(server.channel).search("!!! ??? ---")
    assert list(found.posts) == []
    assert found.next_page_token == ""
