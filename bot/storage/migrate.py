"""Schema migrations with Alembic, callable from the CLI, `bot run` and tests."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from bot.config import PROJECT_ROOT
from bot.storage.db import Database
from bot.storage.models import Base
from bot.storage.problems import DatabaseProblem, location

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to call at every start."""
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), revision)
    except CommandError:
        await _unknown_revision_in(url)
        raise


async def downgrade(url: str, revision: str) -> None:
    try:
        await asyncio.to_thread(command.downgrade, alembic_config(url), revision)
    except CommandError:
        await _unknown_revision_in(url)
        raise


def known_revision(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision) is not None
    except CommandError:
        return False


async def _unknown_revision_in(url: str) -> None:
    """Raise a `DatabaseProblem` if the database carries a revision this code has never heard of."""
    current = await current_revision(url)
    if current is not None and not known_revision(current):
        raise DatabaseProblem(
            f"the database {location(url)} is at revision {current}, which this version of sopbot "
            f"does not know (newest here: {head_revision()}): it was upgraded by a newer sopbot; "
            "run that version, or point database_url at another database"
        )


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(url: str) -> str | None:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await database.dispose()


async def pending_model_changes(url: str) -> list[Any]:
    """What autogenerate would still add: empty when models and migrations agree."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await database.dispose()
