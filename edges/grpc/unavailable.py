"""Recognises "the database (or broker) can't be reached" among the errors a call may raise.

Those become UNAVAILABLE, which clients retry; everything unrecognised is a bug (INTERNAL).
"""

from __future__ import annotations

import asyncpg
import sqlalchemy.exc

_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.InterfaceError,  # e.g. "connection is closed"
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)


def is_database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sqlalchemy.exc.TimeoutError):  # connection pool exhausted
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        cause = exc.orig.__cause__ if exc.orig is not None else None
        return isinstance(exc.orig, _CONNECTION_ERRORS) or isinstance(cause, _CONNECTION_ERRORS)
    return isinstance(exc, _CONNECTION_ERRORS)
