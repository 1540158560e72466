"""The few places where SQLite and PostgreSQL need different SQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Executable
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from bot.storage.db import Database


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def fit(table: Any, column: str, value: str | None) -> str | None:
    """`value` cut to the column's declared length: PostgreSQL refuses longer strings where
    SQLite would keep them, so both databases store the same thing."""
    length = table.c[column].type.length
    return value[:length] if value is not None and length is not None else value


async def run_alone(database: Database, *statements: Executable) -> None:
    """Run statements outside any unit of work, each committed as it runs, in as few round trips
    as the database allows: a pooled transaction costs four or five (checkout ping, BEGIN, the
    statement, COMMIT), each a wait in a busy event loop; on PostgreSQL each statement here is
    one, on an autocommitting connection. SQLite (one process, one connection) uses an ordinary
    transaction."""
    engine = database.engine
    if not database.is_postgres:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(statement)
        return
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in statements:
            await autocommit.execute(statement)
