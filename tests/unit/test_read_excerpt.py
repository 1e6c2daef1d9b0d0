"""The excerpt is cut from the start of the body only; it must be the one the whole body gives."""

import random

from read_side.model.view import EXCERPT_LENGTH, excerpt_of


def excerpt_of_whole_body(body: str) -> str:
    """The definition: flatten every whitespace run of the whole body, then cut."""
    flat = " ".join(body.split())
    if len(flat) <= EXCERPT_LENGTH:
        return flat
    cut = flat[: EXCERPT_LENGTH - 1]
    space = cut.rfind(" ")
    if space >= EXCERPT_LENGTH // 2:
        cut = cut[:space]
    return cut + "…"


def test_the_excerpt_of_a_long_body_is_the_excerpt_of_the_whole_body():
    pick = random.Random(5)
    pieces = ["word", "слово", " ", "  ", "\n\n", "\t", " \u3000 ", "x" * 300, " " * 900]
    for _ in range(2_000):
        body = "".join(pick.choices(pieces, k=pick.randint(0, 400)))
        assert excerpt_of(body) == excerpt_of_whole_body(body), repr(body[:80])


def test_a_body_that_starts_with_a_lot_of_whitespace_still_gets_its_words():
    body = " " * 5_000 + "the words come late " * 30
    assert excerpt_of(body) == excerpt_of_whole_body(body)
    assert excerpt_of(body).startswith("the words come late")
