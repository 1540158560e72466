"""`bot privacy`: erase a person's data on request, purge transcripts past the retention period."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

import typer

from bot.app import Runtime
from bot.cli.common import ConfigOption, fail, run_async, settings_from
from bot.handoff.privacy import erase
from bot.storage.privacy import Erasure

app = typer.Typer(
    help="Personal data: erase a person, purge old transcripts.", no_args_is_help=True
)

PersonArg = Annotated[str, typer.Argument(help="platform:user_id, e.g. whatsapp:6281234567890")]


@app.command()
def forget(person: PersonArg, config: ConfigOption = None) -> None:
    """Erase PERSON's personal data and messages (anonymous counts stay); closes their open ticket."""
    platform, _, user_id = person.partition(":")
    if not platform or not user_id or ":" in user_id:
        fail(f"expected platform:user_id such as whatsapp:6281234567890, got {person!r}")
    settings = settings_from(config, quiet=True)

    async def work() -> Erasure:
        runtime = await Runtime.open(settings)
        try:
            async with runtime.store.transaction() as tx:
                ctx = runtime.core.context(tx)
                erasure, notices = await erase(ctx, platform, user_id, by="cli")
                # Notices to the staff chat go out through the outbox of the running bot; the
                # key must not name the person it is about.
                await tx.outbox.add(notices, f"cli:forget:{uuid.uuid4().hex}", ctx.now)
            return erasure
        finally:
            await runtime.close()

    erasure = run_async(work())
    typer.echo(
        f"erased {person}: {erasure.transcript_lines} message(s), {erasure.tickets} ticket(s) anonymised, "
        f"{erasure.outbox_rows} delivered message(s) deleted"
    )


@app.command()
def purge(
    config: ConfigOption = None,
    days: Annotated[
        int | None, typer.Option(help="Override privacy.transcript_retention_days.")
    ] = None,
) -> None:
    """Delete transcripts older than the retention period (the running bot does this every hour)."""
    settings = settings_from(config, quiet=True)
    keep = days if days is not None else settings.privacy.transcript_retention_days
    if keep is None or keep < 1:
        fail("no retention period: set privacy.transcript_retention_days or pass --days N")

    async def work() -> int:
        runtime = await Runtime.open(settings)
        try:
            async with runtime.store.transaction() as tx:
                return await tx.privacy.purge_before(runtime.clock.now() - timedelta(days=keep))
        finally:
            await runtime.close()

    typer.echo(f"purged {run_async(work())} transcript line(s) older than {keep} day(s)")
