"""`bot db`: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer
from alembic.util import CommandError

from bot.cli.common import ConfigOption, fail, run_async, settings_from
from bot.storage import migrate

app = typer.Typer(help="Database schema: upgrade, downgrade, current revision.", no_args_is_help=True)


@app.command()
def upgrade(
    config: ConfigOption = None,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the database schema up to date (bot run does this on start too)."""
    settings = settings_from(config)
    try:
        run_async(migrate.upgrade(settings.database_url, revision))
    except CommandError as exc:  # an unknown target revision (database problems: see CommandLine)
        fail(f"database upgrade failed: {exc}")
    typer.echo(f"database at revision {run_async(migrate.current_revision(settings.database_url))}")


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")],
    config: ConfigOption = None,
) -> None:
    """Undo migrations down to REVISION."""
    settings = settings_from(config)
    try:
        run_async(migrate.downgrade(settings.database_url, revision))
    except CommandError as exc:
        fail(f"database downgrade failed: {exc}")
    typer.echo(f"database at revision {run_async(migrate.current_revision(settings.database_url))}")


@app.command()
def current(config: ConfigOption = None) -> None:
    """Show the database's revision and the newest one this code knows."""
    settings = settings_from(config)
    revision = run_async(migrate.current_revision(settings.database_url))
    typer.echo(f"current: {revision or '(empty)'}\nhead:    {migrate.head_revision()}")
