"""ListPosts and SearchPosts: pages of posts, keyset cursors in signed tokens tied to filters.

Each reads one row more than the page may hold, to know whether a next page exists, and cuts
the page at the reply size budget (paging.fill). A token names the last post of its page; the
next page starts strictly after it.
"""

from __future__ import annotations

from posts.v1 import query_service_pb2 as pb

from edges.grpc import fields
from edges.grpc.fields import Violations
from read_side.adapters.page_tokens import PageTokens
from read_side.adapters.post_queries import ListCursor, ListFilters, PostQueries
from read_side.adapters.search_queries import SearchCursor, SearchQueries
from read_side.entrypoints import messages, paging, translate


async def list_posts(
    posts: PostQueries, page_tokens: PageTokens, request: pb.ListPostsRequest
) -> pb.ListPostsResponse:
    problems = Violations()
    filters = _list_filters(request, problems)
    size = translate.page_size(request.page_size, problems)
    with_body = translate.with_body(request.view, problems)
    problems.raise_if_any()
    tokens = paging.Tokens(page_tokens, _token_filters(filters))
    after = tokens.cursor(request.page_token, ListCursor.load)
    limit = paging.page_rows(size, with_body=with_body)
    viewer = translate.viewer()
    views = await posts.list_page(filters, viewer, after, limit + 1, with_body=with_body)
    rows = [(v, messages.post(v, with_body=with_body)) for v in views]
    page = paging.fill(rows, limit, paging.weigh_reply)
    return pb.ListPostsResponse(
        posts=[message for _, message in page.items],
        next_page_token=tokens.next(page, lambda row: ListCursor.after(row[0]).dump()),
    )


async def search_posts(
    search: SearchQueries, page_tokens: PageTokens, request: pb.SearchPostsRequest
) -> pb.SearchPostsResponse:
    problems = Violations()
    text = translate.search_query(request.query, problems)
    size = translate.page_size(request.page_size, problems)
    with_body = translate.with_body(request.view, problems)
    problems.raise_if_any()
    tokens = paging.Tokens(page_tokens, {"rpc": "SearchPosts", "query": text})
    after = tokens.cursor(request.page_token, SearchCursor.load)
    limit = paging.page_rows(size, with_body=with_body)
    hits = await search.search(text, translate.viewer(), after, limit + 1, with_body=with_body)
    rows = [(h, messages.post(h.view, with_body=with_body)) for h in hits]
    page = paging.fill(rows, limit, paging.weigh_reply)
    return pb.SearchPostsResponse(
        posts=[message for _, message in page.items],
        next_page_token=tokens.next(page, lambda row: row[0].cursor.dump()),
    )


def _list_filters(request: pb.ListPostsRequest, problems: Violations) -> ListFilters:
    return ListFilters(
        author_id=fields.uuid(request.author_id, "author_id", problems, required=False),
        status=translate.status(request.status, problems),
        tag=translate.tag(request.tag, problems),
        show_deleted=request.show_deleted,
    )


def _token_filters(filters: ListFilters) -> dict[str, str | bool | None]:
    """What a ListPosts token is tied to: the filters after normalisation, so "Python" and
    "python" are the same listing."""
    return {
        "rpc": "ListPosts",
        "author_id": None if filters.author_id is None else str(filters.author_id),
        "status": None if filters.status is None else filters.status.value,
        "tag": filters.tag,
        "show_deleted": filters.show_deleted,
    }
