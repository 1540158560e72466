"""Engine and sessions for SQLite (embedded default) and PostgreSQL, from one URL.

SQLite runs in WAL mode with one pooled connection per process and `BEGIN IMMEDIATE`
transactions: writers queue in asyncio instead of failing with "database is locked",
and a second process (a CLI command next to `bot run`) waits on the busy timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.base import Executable


class BufferedSession(Session):
    """A session that can hold plain inserts back and write them in one statement.

    Transcript lines are written for every customer message; buffering them makes a
    batch of messages one multi-row INSERT. The buffer is written before any other
    statement runs in the session (so reads always see the rows) and before commit.
    """

    def buffer_insert(self, table: Table, row: dict[str, Any]) -> None:
        self.buffer_statement(table.name, lambda: insert(table), row)

    def buffer_statement(self, key: str, statement: Callable[[], Executable], row: dict[str, Any]) -> None:
        """Hold back `statement` with `row`; rows with the same `key` go in one executemany."""
        buffered: dict[str, tuple[Executable, list[dict[str, Any]]]] = self.info.setdefault(_BUFFER, {})
        if key not in buffered:
            buffered[key] = (statement(), [])
        buffered[key][1].append(row)

    def write_buffered(self) -> None:
        buffered: dict[str, tuple[Executable, list[dict[str, Any]]]] = self.info.pop(_BUFFER, {})
        for statement, rows in buffered.values():
            self.execute(statement, rows)


_BUFFER = "buffered_inserts"


@event.listens_for(BufferedSession, "do_orm_execute")
def _write_buffer_first(state: ORMExecuteState) -> None:
    session = state.session
    if _BUFFER in session.info and isinstance(session, BufferedSession):
        session.write_buffered()


@event.listens_for(BufferedSession, "before_flush")
def _write_buffer_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if _BUFFER in session.info and isinstance(session, BufferedSession):
        session.write_buffered()


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs.update(pool_size=1, max_overflow=0, connect_args={"timeout": 30})
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=BufferedSession
        )

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def session(self) -> AsyncSession:
        return self.sessions()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (see _on_begin) instead of the driver's lazy BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
