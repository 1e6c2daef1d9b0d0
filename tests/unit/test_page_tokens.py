"""Page tokens: they round-trip, and anything not made by this server for these filters fails."""

import base64

import pytest

from read_side.adapters.page_tokens import MAX_TOKEN_LENGTH, InvalidPageTokenError, PageTokens

FILTERS = {"rpc": "ListPosts", "author_id": None, "tag": "python", "show_deleted": False}
CURSOR = {"t": "2026-11-27T08:00:00.123456+00:00", "id": "0193a5e2-7c4f-7b1e-9d3a-2f6c8e1b4a70"}
TOKENS = PageTokens(b"secret")


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_token_gives_back_its_cursor_for_the_same_filters():
    assert TOKENS.decode(TOKENS.encode(FILTERS, CURSOR), FILTERS) == CURSOR


def test_filters_are_compared_whatever_their_order():
    token = TOKENS.encode(FILTERS, CURSOR)
    assert TOKENS.decode(token, dict(reversed(FILTERS.items()))) == CURSOR


def test_a_token_is_url_safe_text():
    token = TOKENS.encode(FILTERS, CURSOR)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    "other", [{**FILTERS, "tag": "go"}, {**FILTERS, "rpc": "SearchPosts"}, {**FILTERS, "x": 1}]
)
def test_a_token_for_other_filters_is_refused(other):
    with pytest.raises(InvalidPageTokenError, match="other filters"):
        TOKENS.decode(TOKENS.encode(FILTERS, CURSOR), other)


def test_a_token_signed_with_another_secret_is_refused():
    with pytest.raises(InvalidPageTokenError):
        TOKENS.decode(PageTokens(b"other").encode(FILTERS, CURSOR), FILTERS)


def test_a_token_whose_payload_was_changed_is_refused():
    raw = _raw(TOKENS.encode(FILTERS, CURSOR))
    forged = raw.replace(b"0193a5e2", b"0193a5e3")
    assert forged != raw
    with pytest.raises(InvalidPageTokenError):
        TOKENS.decode(_token(forged), FILTERS)


def test_a_validly_signed_token_that_is_not_ours_in_shape_is_refused():
    # Someone holding the secret (or an older format) signs a payload we never make.
    for payload in (b"[1, 2]", b"not json", b'{"v": 99, "f": "", "c": {}}'):
        signed = payload + TOKENS._mac(payload)
        with pytest.raises(InvalidPageTokenError):
            TOKENS.decode(_token(signed), FILTERS)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token: token[:-1],
        lambda token: token[:10],
        lambda token: token + "AA",
        lambda token: token[:5] + "!" + token[6:],
        lambda token: token[:5] + " " + token[5:],
        lambda _token: "",
        lambda _token: "é",
        lambda _token: "A" * (MAX_TOKEN_LENGTH + 1),
    ],
    ids=["short-1", "truncated", "extended", "bad-char", "space", "empty", "non-ascii", "huge"],
)
def test_a_truncated_or_malformed_token_is_refused(spoil):
    with pytest.raises(InvalidPageTokenError):
        TOKENS.decode(spoil(TOKENS.encode(FILTERS, CURSOR)), FILTERS)


def test_an_empty_secret_is_refused():
    with pytest.raises(ValueError, match="secret"):
        PageTokens(b"")
