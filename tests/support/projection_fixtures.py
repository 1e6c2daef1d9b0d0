"""Fixtures of the projector's tests, loaded with `pytest_plugins = [...]` by the modules that
use them: the write and read databases, as one database or two (the read side may live apart).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from post_service.cli import migrate
from post_service.settings import Settings
from tests.support.databases import create_database, drop_database, unique_name
from tests.support.projection import Databases
from tests.support.projector_processes import ProjectorProcesses


@pytest.fixture(scope="session")
async def read_template_db() -> AsyncIterator[str]:
    """A template with the read tables only (no event store), for a separate read database:
    a projector that read the store from the wrong database would find nothing there."""
    read_name, scratch_name = unique_name("tplr"), unique_name("tplw")
    read_url = await create_database(read_name)
    scratch_url = await create_database(scratch_name)
    await asyncio.to_thread(migrate, Settings(), scratch_url, read_url)
    await drop_database(scratch_name)
    yield read_name
    await drop_database(read_name)


@pytest.fixture(params=["one database", "separate read database"])
async def databases(
    request: pytest.FixtureRequest, fresh_db: str, read_template_db: str
) -> AsyncIterator[Databases]:
    if request.param == "one database":
        yield Databases(fresh_db, fresh_db)
        return
    name = unique_name("r")
    read_url = await create_database(name, template=read_template_db)
    yield Databases(fresh_db, read_url)
    await drop_database(name)


@pytest.fixture
def projector_processes(tmp_path: Path) -> Iterator[ProjectorProcesses]:
    processes = ProjectorProcesses(tmp_path)
    yield processes
    processes.close()
