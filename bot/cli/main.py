"""Top-level commands and the sub-command groups."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.app import Runtime, SopLoadError, serve
from bot.cli import db, outbox, privacy, roles, sop
from bot.cli.common import (
    CommandLine,
    ConfigOption,
    fail,
    placeholder_problem,
    placeholders,
    run_async,
    settings_from,
)
from bot.cli.report import report
from bot.config import ConfigError, Settings
from bot.storage.migrate import upgrade
from bot.workers import WorkerSlot, check_workers, supervise

app = typer.Typer(
    name="bot",
    cls=CommandLine,
    help="Support and moderation bot: answers from your SOP, hands off to humans, moderates groups.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(sop.app, name="sop")
app.add_typer(roles.app, name="roles")
app.add_typer(outbox.app, name="outbox")
app.add_typer(privacy.app, name="privacy")
app.command("report")(report)


@app.command()
def run(
    config: ConfigOption = None,
    workers: Annotated[int, typer.Option(help="Worker processes sharing PostgreSQL (and Redis).")] = 1,
    worker: Annotated[str | None, typer.Option(hidden=True, help="This process's slot: INDEX/COUNT.")] = None,
) -> None:
    """Run the bot: every configured platform, the HTTP server, the outbox sender and timers."""
    settings = settings_from(config)
    unfilled = placeholders(settings)
    if unfilled:  # e.g. examples/bot.toml as shipped: its tokens cannot log in anywhere
        fail(placeholder_problem(unfilled, config))
    try:
        check_workers(settings, workers)
        if workers > 1:
            run_async(upgrade(settings.database_url))  # once, before the workers start
            raise typer.Exit(supervise(workers, str(config) if config else None))
        slot = WorkerSlot()
        if worker:
            index, _, count = worker.partition("/")
            slot = WorkerSlot(int(index), int(count))
        run_async(serve(settings, slot=slot))
    except SopLoadError as exc:
        fail(_sop_problems(settings, exc))
    except ConfigError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot start: {exc}")


@app.command()
def chat(
    config: ConfigOption = None,
    user: Annotated[str, typer.Option("--as", help="Your customer id in the console chat.")] = "customer",
    language: Annotated[str | None, typer.Option("--lang", help="Your 'platform language' (id or en).")] = None,
) -> None:
    """Chat with the bot as a customer in this terminal (also works with piped input)."""
    from bot.console_chat import chat as console_chat

    settings = settings_from(config, quiet=True)

    async def session() -> None:
        runtime = await Runtime.open(settings)
        try:
            await console_chat(runtime, sys.stdin, sys.stdout, user=user, language=language)
        finally:
            await runtime.close()

    try:
        run_async(session())
    except SopLoadError as exc:
        fail(_sop_problems(settings, exc))


def _sop_problems(settings: Settings, exc: SopLoadError) -> str:
    if not exc.problems:
        return str(exc)
    lines = [f"the SOP in {settings.support.sop_dir} has problems; fix them and start again:"]
    lines += [f"  {problem}" for problem in exc.problems]
    return "\n".join(lines)


def main() -> None:
    app()
