"""What CLI commands share: the --config option, loading settings, clear failures."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging
from bot.storage import Database, Store, Tx
from bot.storage.migrate import upgrade

T = TypeVar("T")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar="BOT_CONFIG", help="TOML settings file (environment wins over it)."),
]


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def settings_from(config: Path | None, *, quiet: bool = False) -> Settings:
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        fail(str(exc))
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
