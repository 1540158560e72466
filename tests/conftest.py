"""Fixtures every test may use: no network, databases, settings, a conversation harness."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.config import SAMPLE_SOP_DIR, Settings, load_settings
from bot.storage import Database, Store
from bot.storage.migrate import upgrade

POSTGRES_URL = os.environ.get("BOT_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("BOT_TEST_REDIS_URL")
_LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "::"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection beyond this machine fails the test: platforms are faked locally."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def _check(address: Any) -> None:
        if isinstance(address, tuple) and address and str(address[0]) not in _LOCAL_HOSTS:
            raise RuntimeError(f"test tried to reach the network: {address!r}")

    def connect(self: socket.socket, address: Any) -> Any:
        _check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        _check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(autouse=True, scope="session")
def vector_cache_in_a_temporary_directory(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The SOP's sentence vectors (and exports) go to a directory of this test run, not ~/.cache:
    the default semantic mode builds knowledge bases in many tests, each from that one file."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


@pytest.fixture(autouse=True)
def clean_bot_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come only from what a test sets, never from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("BOT_") and not name.startswith("BOT_TEST_"):
            monkeypatch.delenv(name)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need BOT_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    import asyncpg

    admin_dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = admin_dsn.rpartition("/")[0].removeprefix("postgresql://")
    try:
        yield f"postgresql+asyncpg://{base}/{name}"
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def postgres_database_url() -> AsyncIterator[str]:
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each test using this runs on SQLite and (when available) PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database at the head revision, copied for each test instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "bot.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def migrated_sqlite_url(tmp_path: Path, migrated_template: Path) -> str:
    """A fresh, already migrated SQLite database for one test."""
    path = tmp_path / "migrated.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def sop_dir() -> Path:
    return SAMPLE_SOP_DIR


def make_settings(database_url: str, **overrides: Any) -> Settings:
    return load_settings(database_url=database_url, **overrides)


@pytest.fixture
def settings(sqlite_database_url: str) -> Settings:
    return make_settings(sqlite_database_url)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A migrated store on each database `database_url` gives (a test module may define its own)."""
    await upgrade(database_url)
    database = Database(database_url)
    yield Store(database)
    await database.dispose()
