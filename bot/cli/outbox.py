"""`bot outbox`: what is waiting, what failed and why, sending a failed action again, and
resuming a platform whose sending paused because its token was refused."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bot.cli.common import ConfigOption, fail, run_async, settings_from, with_store
from bot.clock import SystemClock
from bot.storage import Tx
from bot.storage.outbox import Pause

app = typer.Typer(help="The outbox: pending, sent and failed actions.", no_args_is_help=True)

PLATFORMS = ("telegram", "discord", "whatsapp")


@app.command()
def status(config: ConfigOption = None) -> None:
    """How many actions are pending, being sent, sent, failed and skipped."""
    settings = settings_from(config, quiet=True)

    async def read(tx: Tx) -> tuple[dict[str, int], dict[str, Pause]]:
        return await tx.outbox.counts(), await tx.outbox.paused()

    counts, paused = run_async(with_store(settings.database_url, read))
    for name in ("pending", "sending", "sent", "failed", "skipped"):
        typer.echo(f"{name:8} {counts.get(name, 0)}")
    for platform, pause in sorted(paused.items()):
        typer.echo(
            f"paused   {platform} since {pause.since:%Y-%m-%d %H:%M} UTC: {pause.reason[:200]} "
            f"(after a new token: `bot outbox resume {platform}`)"
        )


@app.command()
def failed(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
    platform: Annotated[str | None, typer.Option(help="Only this platform (telegram, discord, whatsapp).")] = None,
) -> None:
    """Actions that were not delivered, newest first, with the reason and the platform's words."""
    settings = settings_from(config, quiet=True)
    rows: list[Any] = run_async(
        with_store(settings.database_url, lambda tx: tx.outbox.failures(limit, platform=platform))
    )
    if not rows:
        typer.echo("nothing failed")
        return
    for row in rows:
        where = f"{row.platform}:{row.chat_id}"
        thread = row.payload.get("address", [None, None, None])[2]
        if thread:
            where += f"/{thread}"
        text = str(row.payload.get("text") or "")
        preview = f" “{text[:60]}{'…' if len(text) > 60 else ''}”" if text else ""
        typer.echo(
            f"#{row.id}  {row.created_at:%Y-%m-%d %H:%M}  {row.kind} to {where}{preview}\n"
            f"    {row.status}: {row.failure_reason or 'rejected'} after {row.attempts} attempt(s): "
            f"{(row.last_error or '')[:300]}"
        )


@app.command()
def retry(
    row_id: Annotated[int, typer.Argument(help="The number shown by `bot outbox failed`.")],
    config: ConfigOption = None,
) -> None:
    """Send a failed action again (after fixing what stopped it: rights, a template, ...)."""
    settings = settings_from(config, quiet=True)
    queued = run_async(
        with_store(settings.database_url, lambda tx: tx.outbox.requeue(row_id, SystemClock().now()))
    )
    if not queued:
        fail(f"#{row_id} is not a failed or skipped action", code=1)
    typer.echo(f"#{row_id} queued again; a running bot sends it within a second")


@app.command()
def resume(
    platform: Annotated[str, typer.Argument(help="The paused platform: telegram, discord or whatsapp.")],
    config: ConfigOption = None,
) -> None:
    """Send again on a platform paused because its token was refused (set the new token first)."""
    if platform not in PLATFORMS:
        fail(f"unknown platform {platform!r}: expected one of {', '.join(PLATFORMS)}")
    settings = settings_from(config, quiet=True)
    ended = run_async(with_store(settings.database_url, lambda tx: tx.outbox.resume(platform)))
    if ended is None:
        fail(f"{platform} is not paused", code=1)
    typer.echo(
        f"{platform}: sending resumed; a running bot sends what waited within a second "
        "(if the token is still refused, it pauses again and tells the owners)"
    )
