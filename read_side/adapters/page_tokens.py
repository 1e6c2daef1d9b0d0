"""Opaque, signed page tokens (AIP-158), tied to the filters of the request that made them.

A token is base64url(payload || HMAC-SHA256(secret, payload)), the payload a small JSON object:
the token format version, a digest of the request's filters, and the keyset cursor (where the
next page starts). The MAC makes forged or altered tokens fail; the digest makes a token
presented with other filters fail, so a cursor can never be applied to a listing it does not
belong to. The payload is signed, not encrypted: it only holds values from the page the caller
already saw (a create time and a post id, a rank, a version), so there is nothing to hide.
Keyset cursors never go stale, so tokens don't expire.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import orjson

FORMAT_VERSION = 1
_MAC_BYTES = hashlib.sha256().digest_size
# Our tokens are ~150 characters; anything much longer is not worth decoding.
MAX_TOKEN_LENGTH = 1024

type Filters = Mapping[str, str | int | bool | None]
type Cursor = dict[str, Any]


class InvalidPageTokenError(ValueError):
    """The token was not made by this server for these filters."""


class PageTokens:
    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("page tokens need a non-empty secret")
        self._secret = secret

    def encode(self, filters: Filters, cursor: Cursor) -> str:
        payload = orjson.dumps({"v": FORMAT_VERSION, "f": _digest(filters), "c": cursor})
        return base64.urlsafe_b64encode(payload + self._mac(payload)).rstrip(b"=").decode()

    def decode(self, token: str, filters: Filters) -> Cursor:
        """The cursor in `token`; InvalidPageTokenError if it is malformed, forged, made with
        another secret or for other filters."""
        payload = self._verified_payload(token)
        try:
            body = orjson.loads(payload)
        except orjson.JSONDecodeError:
            raise InvalidPageTokenError("not a page token of this server") from None
        if not isinstance(body, dict) or body.get("v") != FORMAT_VERSION:
            raise InvalidPageTokenError("not a page token of this server")
        if not hmac.compare_digest(str(body.get("f")), _digest(filters)):
            raise InvalidPageTokenError("made for a request with other filters")
        cursor = body.get("c")
        if not isinstance(cursor, dict):
            raise InvalidPageTokenError("not a page token of this server")
        return cursor

    def _verified_payload(self, token: str) -> bytes:
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidPageTokenError("not a page token of this server")
        try:
            # validate=True: a character outside the alphabet is an error, not skipped.
            raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise InvalidPageTokenError("not a page token of this server") from None
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        # Constant-time: timing must not help anyone build a valid MAC byte by byte.
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidPageTokenError("not a page token of this server")
        return payload

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()


def _digest(filters: Filters) -> str:
    # Sorted keys: the same filters always give the same digest, whatever the dict's order.
    canonical = orjson.dumps(dict(filters), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:32]
