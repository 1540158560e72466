"""`bot report`: the service KPIs for a period, as a table, CSV or JSON."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal

import typer

from bot.cli.common import ConfigOption, fail, run_async, settings_from
from bot.clock import SystemClock
from bot.config import Settings
from bot.handoff import kpis
from bot.handoff.card import reason_text
from bot.handoff.report import build
from bot.i18n import Translator
from bot.storage import Database, Store
from bot.storage.migrate import upgrade

Format = Literal["table", "csv", "json"]


def _day(text: str, settings: Settings, option: str) -> datetime:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        fail(f"{option}: expected a date like 2026-01-31, got {text!r}")
    return datetime.combine(day, time(), tzinfo=settings.zone)


def report(
    since: Annotated[
        str | None, typer.Option(help="First day (YYYY-MM-DD, local time); default 7 days ago.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Day after the last (YYYY-MM-DD); default now.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = "table",
    language: Annotated[
        str, typer.Option("--lang", help="Language of the table: en or id.")
    ] = "en",
    config: ConfigOption = None,
) -> None:
    """Handoff and support KPIs: tickets, containment, response and handle times, FCR, CSAT, SLA, adherence."""
    settings = settings_from(config, quiet=True)
    now = SystemClock().now()
    start = (
        _day(since, settings, "--since")
        if since
        else datetime.combine(
            (now.astimezone(settings.zone) - timedelta(days=7)).date(), time(), tzinfo=settings.zone
        )
    )
    end = _day(until, settings, "--until") if until else now
    if end <= start:
        fail("--until must be after --since")

    async def work() -> kpis.Report:
        await upgrade(settings.database_url)
        database = Database(settings.database_url)
        try:
            async with Store(database).transaction() as tx:
                return await build(tx, settings, since=start, until=end, now=now)
        finally:
            await database.dispose()

    built = run_async(work())
    texts = Translator.load(default_language=settings.default_language)

    def label(key: str, **params: Any) -> str:
        return texts(f"handoff.{key}", language, **params)

    typer.echo(
        kpis.render(
            built,
            fmt,
            label,
            settings.zone,
            reason_label=lambda reason: reason_text(reason, texts, language),
        )
    )
