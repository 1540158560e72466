"""`bot sop`: validate the SOP files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import ConfigOption, fail, run_async, settings_from, with_store
from bot.clock import SystemClock
from bot.sop.improvement import ApprovedChange, apply_changes
from bot.sop.loader import dump_entries, load_sop
from bot.sop_sync import approved_changes
from bot.storage import Tx
from bot.storage.models import SopDraft, SopGap

app = typer.Typer(help="The SOP knowledge base: check, reload, gaps, export.", no_args_is_help=True)


@app.command()
def check(
    directory: Annotated[Path, typer.Argument(help="SOP directory (or one YAML file).")],
    languages: Annotated[str, typer.Option(help="Languages every entry must have, comma-separated.")] = "id,en",
) -> None:
    """Validate SOP files; prints `file:line: problem` for each problem and exits 1 if any."""
    if not directory.exists():
        fail(f"{directory}: no such file or directory")
    loaded = load_sop(directory, tuple(part.strip() for part in languages.split(",") if part.strip()))
    for problem in loaded.problems:
        typer.echo(str(problem))
    if loaded.problems:
        typer.echo(f"{len(loaded.problems)} problem(s) in {directory}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{directory}: {len(loaded.entries)} entries, no problems")


@app.command()
def reload(config: ConfigOption = None) -> None:
    """Check the SOP files and tell every running bot to reload them (no restart needed)."""
    settings = settings_from(config, quiet=True)
    directory = settings.support.sop_dir
    loaded = load_sop(directory, settings.support.languages)
    if loaded.problems:
        for problem in loaded.problems:
            typer.echo(str(problem))
        fail(f"{len(loaded.problems)} problem(s): the running bot keeps its current SOP", code=1)

    async def bump(tx: Tx) -> int:
        return await tx.sop.bump_generation(SystemClock().now())

    generation = run_async(with_store(settings.database_url, bump))
    typer.echo(f"{directory}: {len(loaded.entries)} entries; running bots reload within seconds "
               f"(generation {generation})")


@app.command()
def gaps(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 20,
    since: Annotated[datetime | None, typer.Option(help="Only questions asked since DATE (YYYY-MM-DD).",
                                                  formats=["%Y-%m-%d"])] = None,
) -> None:
    """The questions the SOP could not answer, most asked first (personal data masked)."""
    settings = settings_from(config, quiet=True)
    cutoff = since.replace(tzinfo=settings.zone) if since else None

    async def top(tx: Tx) -> list[SopGap]:
        return await tx.sop.top_gaps(limit, cutoff)

    rows = run_async(with_store(settings.database_url, top))
    if not rows:
        typer.echo("no unanswered questions recorded")
        return
    typer.echo(f"{'gap':>5}  {'count':>5}  lang  last asked        question")
    for gap in rows:
        when = gap.last_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{gap.id:>5}  {gap.count:>5}  {gap.language:<4}  {when}  {gap.example[:100]}")


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="Where to write the SOP files.")],
    config: ConfigOption = None,
) -> None:
    """Write the SOP with every approved draft merged in, as SOP files in DIRECTORY."""
    settings = settings_from(config, quiet=True)
    loaded = load_sop(settings.support.sop_dir, settings.support.languages)
    if loaded.problems:
        for problem in loaded.problems:
            typer.echo(str(problem))
        fail("fix the SOP files before exporting", code=1)

    async def changes(tx: Tx) -> tuple[ApprovedChange, ...]:
        return await approved_changes(tx)

    approved = run_async(with_store(settings.database_url, changes))
    merged = {entry.id: entry for entry in loaded.entries}
    merged.update({entry.id: entry for entry in apply_changes(merged, approved)})
    written = dump_entries(merged.values(), directory)
    typer.echo(f"wrote {len(merged)} entries ({len(approved)} approved change(s)) to "
               f"{len(written)} file(s) in {directory}")


@app.command()
def drafts(config: ConfigOption = None) -> None:
    """Proposals from agents waiting for a supervisor's review."""
    settings = settings_from(config, quiet=True)

    async def pending(tx: Tx) -> list[SopDraft]:
        return await tx.sop.drafts("pending", limit=200)

    rows = run_async(with_store(settings.database_url, pending))
    if not rows:
        typer.echo("no proposals waiting for review")
    for draft in rows:
        question = next((q for qs in draft.questions.values() for q in qs), "")
        target = f"paraphrase of {draft.entry_id}" if draft.kind == "paraphrase" else "new entry"
        typer.echo(f"#{draft.id} {target} by {draft.proposed_by}: {question[:100]}")
