"""What CLI commands share: the --config option, loading settings, clear failures.

Every command runs inside `CommandLine` (the top-level group), the one place where a
database problem becomes one line on stderr and exit code 2, whichever command met
it: an unreachable or missing server, role or database, a read-only or misplaced
SQLite file, a lock held too long, a database newer than this code. The database
layer words them (`bot.storage.problems`); this only prints them.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, SecretStr
from typer.core import TyperGroup

from bot.config import ENV_PREFIX, ConfigError, Settings, load_settings
from bot.logs import configure_logging
from bot.storage import Database, Store, Tx
from bot.storage.migrate import upgrade
from bot.storage.problems import DatabaseProblem

T = TypeVar("T")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar="BOT_CONFIG", help="TOML settings file (environment wins over it)."),
]


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


class CommandLine(TyperGroup):
    """The `bot` group: runs a command and prints its database problem, if any, as one line."""

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click.Context
        try:
            return super().invoke(ctx)
        except Exception as exc:
            problem = _database_problem(exc)
            if problem is None:
                raise
            typer.echo(str(problem), err=True)
            raise typer.Exit(2) from None


def _database_problem(exc: BaseException) -> DatabaseProblem | None:
    """The `DatabaseProblem` behind `exc` (SQLAlchemy and Alembic may wrap it)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, DatabaseProblem):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


PLACEHOLDER = "replace-"  # how examples/bot.toml marks what must be filled in


def settings_from(config: Path | None, *, quiet: bool = False) -> Settings:
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        fail(str(exc))
    unfilled = placeholders(settings, only=("database_url",))
    if unfilled:
        fail(placeholder_problem(unfilled, config))
    configure_logging("WARNING" if quiet else settings.log_level, settings.log_format == "json")
    return settings


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coroutine)
    except KeyboardInterrupt:
        sys.exit(130)


async def with_store(url: str, work: Callable[[Tx], Awaitable[T]]) -> T:
    """Run `work` in one transaction on an up-to-date database."""
    await upgrade(url)
    database = Database(url)
    try:
        async with Store(database).transaction() as tx:
            return await work(tx)
    finally:
        await database.dispose()


def placeholders(model: BaseModel, *, only: tuple[str, ...] | None = None, prefix: str = "") -> list[str]:
    """Keys (`telegram.token`) whose value is still an example's `replace-…` placeholder."""
    found: list[str] = []
    for name in type(model).model_fields:
        key = f"{prefix}{name}"
        if only is not None and key not in only and not any(wanted.startswith(f"{key}.") for wanted in only):
            continue
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            found += placeholders(value, only=only, prefix=f"{key}.")
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str) and PLACEHOLDER in value.lower():
            found.append(key)
    return found


def placeholder_problem(keys: list[str], config: Path | None) -> str:
    """One line: which keys still hold example values, and how to set them."""
    where = str(config) if config else "the settings"
    env = ENV_PREFIX + keys[0].upper().replace(".", "__")
    return (
        f"{where}: {', '.join(keys)} still hold the example's placeholder (replace-…): "
        f"set your own (e.g. {env}) or remove what you do not use"
    )
