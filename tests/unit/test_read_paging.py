"""Pages: cut at page_size or at the reply budget, at least one item, and told whether more
follow; FULL views read fewer rows."""

from read_side.entrypoints.paging import (
    FULL_VIEW_ROWS,
    REPLY_BUDGET_BYTES,
    Page,
    fill,
    page_rows,
)


def test_a_page_takes_up_to_its_size_and_the_extra_row_says_more_follow():
    assert fill([1, 2, 3], 2, lambda _: 1) == Page([1, 2], more=True)
    assert fill([1, 2], 2, lambda _: 1) == Page([1, 2], more=False)
    assert fill([], 2, lambda _: 1) == Page([], more=False)


def test_a_page_stops_before_the_reply_budget_and_says_more_follow():
    third = REPLY_BUDGET_BYTES // 3 + 1
    assert fill(["a", "b", "c", "d"], 10, lambda _: third) == Page(["a", "b"], more=True)


def test_a_page_holds_at_least_one_item_however_large():
    assert fill(["huge", "next"], 10, lambda _: REPLY_BUDGET_BYTES * 2) == Page(["huge"], more=True)


def test_full_views_read_at_most_full_view_rows():
    assert page_rows(1000, with_body=True) == FULL_VIEW_ROWS
    assert page_rows(5, with_body=True) == 5
    assert page_rows(1000, with_body=False) == 1000
