"""Database problems worded for the person who runs the bot: one line, naming what to fix.

A driver's exception says "Connect call failed ('127.0.0.1', 5432)" or "unable to
open database file" from deep inside a 200-line traceback. `explain` turns the ones
an operator can fix (an unreachable or missing server, role or database, a wrong
password, a read-only or misplaced SQLite file, a lock held too long, a database
written by a newer version) into a `DatabaseProblem` whose text is one line and
never shows the password.
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

SETTING = "database_url / BOT_DATABASE_URL"


class DatabaseProblem(Exception):
    """A database the bot cannot use, and why, in one line."""


def shown_url(url: str) -> str:
    """The URL as people write it, without driver name or password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "(unreadable URL)"
    plain = URL.create(
        parsed.get_backend_name(),
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False)


def location(url: str) -> str:
    """Where the database is, for messages: a SQLite file's path, else the URL without password."""
    path = sqlite_path(url)
    return str(path) if path is not None else shown_url(url)


def sqlite_read_only(url: str) -> bool:
    """Whether a SQLite URL opens its file read-only (`file:...?mode=ro&uri=true`)."""
    return make_url(url).query.get("mode") == "ro"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (also `file:` URIs); None for in-memory and other databases."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database.startswith("file:"):
        database = database[len("file:") :].partition("?")[0]
        if parsed.query.get("mode") == "memory":
            return None
    if not database or database == ":memory:":
        return None
    return Path(database)


def explain(exc: BaseException, url: str, *, connecting: bool = True) -> DatabaseProblem | None:
    """The operator's version of `exc`, raised while using the database at `url`.

    None for anything else (a constraint, a bug, a serialisation failure): those keep
    their own exception, which code may handle. Network errors count only while
    `connecting`: a timeout in the middle of a query is not an unreachable server.
    """
    if isinstance(exc, DatabaseProblem):
        return exc
    cause = _driver_error(exc)
    if not connecting and isinstance(cause, OSError | TimeoutError):
        return None
    path = sqlite_path(url)
    if path is not None:
        text = _sqlite(cause, path)
    elif make_url(url).get_backend_name() == "postgresql":
        text = _postgres(cause, url)
    else:
        text = None
    return DatabaseProblem(text) if text else None


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception under SQLAlchemy's wrappers."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else None
        inner = inner or getattr(exc, "__cause__", None)
        if inner is None or not isinstance(inner, BaseException):
            break
        if type(exc).__module__.startswith(("sqlalchemy", "asyncpg")) or isinstance(exc, DBAPIError):
            exc = inner
        else:
            break
    return exc


# ---- PostgreSQL ---------------------------------------------------------------------------------

_CONNECT_ERRORS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ETIMEDOUT: "timed out",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
}


def _postgres(cause: BaseException, url: str) -> str | None:
    where = f"the database at {shown_url(url)} ({SETTING})"
    host = make_url(url).host or "localhost"
    if isinstance(cause, socket.gaierror):
        return f"cannot connect to {where}: unknown host {host}"
    if isinstance(cause, TimeoutError):
        return f"cannot connect to {where}: timed out"
    if isinstance(cause, OSError) and cause.errno in _CONNECT_ERRORS:
        return f"cannot connect to {where}: {_CONNECT_ERRORS[cause.errno]}"
    name = type(cause).__name__
    message = _first_line(cause)
    user = make_url(url).username or "postgres"
    database = make_url(url).database or user
    if name == "InvalidAuthorizationSpecificationError":  # the role does not exist
        return f"cannot connect to {where}: {message} (create it: createuser --pwprompt {user})"
    if name == "InvalidCatalogNameError":  # the database does not exist
        return f"cannot connect to {where}: {message} (create it: createdb --owner {user} {database})"
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecification"):
        return f"cannot connect to {where}: {message}"
    if name in ("CannotConnectNowError", "TooManyConnectionsError", "InsufficientPrivilegeError"):
        return f"cannot use {where}: {message}"
    return None


# ---- SQLite -------------------------------------------------------------------------------------


def _sqlite(cause: BaseException, path: Path) -> str | None:
    if isinstance(cause, sqlite3.Error):
        message = str(cause).lower()
        if "readonly" in message or "read-only" in message:
            return f"cannot write {path}: read-only{_why_read_only(path)}"
        if "locked" in message or "busy" in message:
            return (
                f"cannot use {path}: locked by another process for longer than the busy timeout; "
                "try again when it has finished"
            )
        if "not a database" in message or "malformed" in message:
            return f"cannot use {path}: the file is not a SQLite database (or is damaged)"
        if "disk is full" in message or "database or disk is full" in message:
            return f"cannot write {path}: the disk is full"
        if "unable to open" in message or "cannot open" in message:
            return _cannot_open(path)
        if "disk i/o" in message:
            return f"cannot use {path}: disk I/O error{_why_read_only(path)}"
        return None
    if isinstance(cause, OSError) and cause.filename is not None:
        return _folder_problem(path, cause)
    return None


def _folder_problem(path: Path, error: OSError) -> str:
    """Creating the database's folder failed."""
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        blocker = next((p for p in [path.parent, *path.parent.parents] if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return f"cannot create {path}: {blocker} is a file, not a folder"
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"cannot write {path}: read-only (cannot create the folder {error.filename})"
    return f"cannot create {path}: cannot create the folder {error.filename}: {error.strerror or error}"


def _cannot_open(path: Path) -> str:
    if path.is_dir():
        return f"cannot open {path}: it is a folder, not a database file"
    if not path.exists():
        return f"cannot open {path}: no such file"
    if _read_only(path.parent) or _read_only(path):
        return f"cannot write {path}: read-only{_why_read_only(path)}"
    return f"cannot open {path}"


def unusable_sqlite_file(path: Path, *, read_only: bool = False) -> str | None:
    """Make sure SQLite can open `path` (creating it empty if need be); else say why not.

    Done before connecting, because a failed aiosqlite connect leaves its worker thread
    reporting to an event loop that is already gone (a traceback after our message).
    """
    if path.is_dir():
        return f"cannot open {path}: it is a folder, not a database file"
    folder = path.parent
    blocker = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        return f"cannot create {path}: {blocker} is a file, not a folder"
    if not folder.exists():
        return f"cannot create {path}: the folder {folder} does not exist"
    if path.exists():
        return None if os.access(path, os.R_OK) else f"cannot read {path}: permission denied"
    if read_only:
        return f"cannot open {path}: no such file (the URL opens it read-only)"
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))  # an empty file is an empty database
    except FileExistsError:
        return None
    except OSError as error:
        if error.errno == errno.EROFS:
            return f"cannot write {path}: read-only (read-only file system)"
        if error.errno in (errno.EACCES, errno.EPERM):
            return f"cannot write {path}: read-only (the folder {folder} does not allow creating files)"
        return f"cannot create {path}: {error.strerror or error}"
    return None


def _read_only(path: Path) -> bool:
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(path, os.W_OK)


def _why_read_only(path: Path) -> str:
    folder = path.parent
    try:
        if folder.exists() and os.statvfs(folder).f_flag & os.ST_RDONLY:
            return " (read-only file system)"
    except OSError:
        return ""
    if path.exists() and not os.access(path, os.W_OK):
        return ""
    if folder.exists() and not os.access(folder, os.W_OK):
        return f" (the folder {folder} does not allow writing; SQLite also writes {path.name}-wal there)"
    return ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
