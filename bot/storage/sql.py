"""The few places where SQLite and PostgreSQL need different SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


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
