"""The query side's settings: converted once, and `serve` refuses to run without a secret."""

import pytest

from post_service.bootstrap import Service
from read_side.entrypoints.config import QueryConfig
from tests.conftest import make_settings

NOWHERE = "postgresql+asyncpg://nobody:nothing@127.0.0.1:9/nothing"  # never connected to


def test_query_config_takes_its_values_from_the_settings():
    settings = make_settings(
        NOWHERE,
        page_token_secret="s3cret",
        min_version_wait_ms=1500,
        min_version_recheck_ms=100,
        search_config="english",
    )
    assert QueryConfig.from_settings(settings) == QueryConfig(
        page_token_secret=b"s3cret",
        min_version_wait_s=1.5,
        min_version_recheck_s=0.1,
        search_config="english",
    )


async def test_serve_refuses_to_start_without_a_page_token_secret():
    service = Service(make_settings(NOWHERE, page_token_secret=""), frozenset({"serve"}))
    try:
        with pytest.raises(SystemExit, match="PAGE_TOKEN_SECRET"):
            await service.start()
    finally:
        await service.stop()
