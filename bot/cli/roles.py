"""`bot roles`: who is owner, supervisor, agent or moderator."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import ConfigOption, fail, run_async, settings_from, with_store
from bot.clock import SystemClock
from bot.roles import Role, parse_role

app = typer.Typer(help="Staff roles: grant, revoke, list.", no_args_is_help=True)

PersonArg = Annotated[str, typer.Argument(help="platform:user_id, e.g. telegram:123456789")]
RoleArg = Annotated[str, typer.Argument(help="owner, supervisor, agent or moderator")]


def _split(person: str) -> tuple[str, str]:
    platform, _, user_id = person.partition(":")
    if not platform or not user_id:
        fail(f"expected platform:user_id such as telegram:123456789, got {person!r}")
    return platform, user_id


def _role(text: str) -> Role:
    try:
        return parse_role(text)
    except ValueError as exc:
        fail(str(exc))


@app.command()
def grant(person: PersonArg, role: RoleArg, config: ConfigOption = None) -> None:
    """Give PERSON a ROLE."""
    platform, user_id = _split(person)
    wanted = _role(role)
    settings = settings_from(config, quiet=True)
    added = run_async(
        with_store(
            settings.database_url,
            lambda tx: tx.roles.grant(platform, user_id, wanted, SystemClock().now(), "cli"),
        )
    )
    typer.echo(f"{person} is {wanted.value}" + ("" if added else " (already)"))


@app.command()
def revoke(person: PersonArg, role: RoleArg, config: ConfigOption = None) -> None:
    """Take ROLE away from PERSON."""
    platform, user_id = _split(person)
    wanted = _role(role)
    settings = settings_from(config, quiet=True)
    removed = run_async(with_store(settings.database_url, lambda tx: tx.roles.revoke(platform, user_id, wanted)))
    if not removed:
        fail(f"{person} did not have the role {wanted.value}", code=1)
    typer.echo(f"{person} is no longer {wanted.value}")


@app.command("list")
def list_roles(config: ConfigOption = None) -> None:
    """List everyone with a role (owners from the settings included)."""
    settings = settings_from(config, quiet=True)
    rows = run_async(with_store(settings.database_url, lambda tx: tx.roles.holders()))
    for owner in settings.owners:
        typer.echo(f"{owner}\towner\t(settings)")
    for row in rows:
        typer.echo(f"{row.platform}:{row.user_id}\t{row.role}")
    if not rows and not settings.owners:
        typer.echo("no roles granted yet; try: bot roles grant telegram:123456789 supervisor")
