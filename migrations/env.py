"""Alembic environment: async engine from the service's settings, one side at a time.

The alembic.ini section (`[alembic]` = write, `[read]` = read) picks the side's tables and
version table; `-x url=...`
overrides the database (the test suite migrates per-test databases this way), else the side's
URL comes from Settings (DATABASE_URL or READ_DATABASE_URL). Autogenerate and `alembic check`
compare only the side's own tables, so both sides can share one database.
"""

import asyncio
import logging.config
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from post_service.schema import SIDES
from post_service.settings import Settings

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

x_args = context.get_x_argument(as_dictionary=True)
side = SIDES["read" if config.config_ini_section == "read" else "write"]
target_metadata = list(side.metadata)


def _url() -> str:
    if x_args.get("url"):
        return x_args["url"]
    settings = Settings()
    return settings.database_url if side.name == "write" else settings.effective_read_database_url


def _include_object(
    obj: Any,  # noqa: ARG001
    name: str | None,
    type_: str,
    reflected: bool,  # noqa: ARG001, FBT001
    compare_to: Any,  # noqa: ARG001
) -> bool:
    # The other side's tables (and version table) may share this database: not ours to judge.
    if type_ == "table":
        return name is not None and side.owns(name)
    return True


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        version_table=side.version_table,
        include_object=_include_object,
        **kwargs,
    )


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
