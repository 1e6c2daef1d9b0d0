"""What the query side needs from the settings, as a narrow interface (like the relay's), so
the read side does not depend on the settings class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import SecretStr


class QuerySettings(Protocol):
    @property
    def page_token_secret(self) -> SecretStr: ...
    @property
    def min_version_wait_ms(self) -> int: ...
    @property
    def min_version_recheck_ms(self) -> int: ...
    @property
    def search_config(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryConfig:
    page_token_secret: bytes
    min_version_wait_s: float = 2.0
    min_version_recheck_s: float = 0.25
    search_config: str = "simple"

    @classmethod
    def from_settings(cls, settings: QuerySettings) -> QueryConfig:
        return cls(
            page_token_secret=settings.page_token_secret.get_secret_value().encode(),
            min_version_wait_s=settings.min_version_wait_ms / 1000,
            min_version_recheck_s=settings.min_version_recheck_ms / 1000,
            search_config=settings.search_config,
        )
