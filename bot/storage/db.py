"""Engine and sessions for SQLite (embedded default) and PostgreSQL, from one URL.

SQLite runs in WAL mode with one pooled connection per process and `BEGIN IMMEDIATE`
transactions: writers queue in asyncio instead of failing with "database is locked",
and a second process (a CLI command next to `bot run`) waits on the busy timeout
(30 s, or `?timeout=SECONDS` in the URL). `secure_delete` is on, so deleted rows are
zeroed in the file rather than left in free space: an erased person stays erased for
someone reading the file itself.

A database the operator must fix (unreachable, a missing role or database, a read-only
or misplaced file, a lock held too long) raises a `DatabaseProblem` that says what to
fix in one line (see `bot.storage.problems`), for every user of the engine, Alembic
included.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, insert, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.base import Executable

from bot.storage.problems import (
    DatabaseProblem,
    explain,
    sqlite_path,
    sqlite_read_only,
    unusable_sqlite_file,
)

SQLITE_BUSY_SECONDS = 30.0
log = logging.getLogger("bot.storage")


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
            path = sqlite_path(url)
            if path is not None:
                _make_folder(path, url)
            busy = float(parsed.query.get("timeout", SQLITE_BUSY_SECONDS))  # type: ignore[arg-type]
            kwargs.update(pool_size=1, max_overflow=0, connect_args={"timeout": busy})
        else:
            busy = 0.0
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        _explain_operator_errors(self.engine, url)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine, busy)
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

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database file and empty it (SQLite; a no-op elsewhere).

        Run after an erasure: the WAL still holds the pages as they were before it.
        False when readers kept it from finishing (it is retried at the next one).
        """
        if self.dialect != "sqlite":
            return True
        try:
            async with self.engine.connect() as connection:
                raw = await connection.get_raw_connection()
                driver: Any = raw.driver_connection
                cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                row = await cursor.fetchone()
                await cursor.close()
        except Exception:  # the erasure itself is committed; the next checkpoint finishes the job
            log.warning("WAL checkpoint after an erasure failed", exc_info=True)
            return False
        done = row is None or row[0] == 0
        if not done:
            log.warning("WAL checkpoint after an erasure was blocked by readers; the next one completes it")
        return done


def _make_folder(path: Path, url: str) -> None:
    """Create the database's folder, and refuse at once a file SQLite could not open."""
    try:
        path.expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise explain(error, url) or DatabaseProblem(f"cannot create {path}: {error}") from None
    problem = unusable_sqlite_file(path.expanduser(), read_only=sqlite_read_only(url))
    if problem is not None:
        raise DatabaseProblem(problem)


def _explain_operator_errors(engine: AsyncEngine, url: str) -> None:
    """Errors the operator can fix (unreachable server, missing role, read-only file, a lock
    held too long) become a `DatabaseProblem` naming the fix; the rest stay as they are."""

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as error:
            problem = explain(error, url)
            if problem is None:
                raise
            raise problem from None

    @event.listens_for(engine.sync_engine, "handle_error")
    def _statement(context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping or context.is_disconnect:
            return None  # the pool reconnects on its own
        return explain(context.original_exception, url, connecting=context.connection is None)


def _configure_sqlite(engine: AsyncEngine, busy_seconds: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (see _on_begin) instead of the driver's lazy BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        # Deleted content is overwritten with zeros, not left in free pages for `strings` to find.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
