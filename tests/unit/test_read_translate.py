"""Query request translation: AIP-158 page sizes, and tags normalised as CreatePost does."""

import pytest

from edges.grpc.fields import Violations
from read_side.entrypoints import translate
from write_side.domain.limits import normalise_tag


@pytest.mark.parametrize(("raw", "size"), [(0, 50), (1, 1), (1000, 1000), (1001, 1000)])
def test_page_size_defaults_and_caps(raw, size):
    problems = Violations()
    assert translate.page_size(raw, problems) == size
    assert problems.items == []


def test_a_negative_page_size_is_a_violation():
    problems = Violations()
    translate.page_size(-1, problems)
    assert [field for field, _ in problems.items] == ["page_size"]


@pytest.mark.parametrize(
    "tag", ["Python", "\uff30\uff59\uff54\uff48\uff4f\uff4e", "ПРИВЕТ", "İstanbul", "ǅ", "ß"]
)
def test_the_tag_filter_is_normalised_exactly_as_the_write_side_stores_tags(tag):
    # The read side may not import the write side; this test keeps the two copies equal.
    assert translate.tag(tag, Violations()) == normalise_tag(tag)


def test_an_empty_tag_filter_means_any_tag():
    assert translate.tag("", Violations()) is None


def test_nul_in_a_tag_or_a_query_is_a_violation_not_a_database_error():
    problems = Violations()
    translate.tag("a\x00b", problems)
    translate.search_query("a\x00b", problems)
    assert [field for field, _ in problems.items] == ["tag", "query"]
