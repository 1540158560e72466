"""KPIs: the arithmetic on hand-made facts, and the report from a real conversation."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.handoff.kpis import (
    Closing,
    QuestionFacts,
    Rating,
    StatusChange,
    TicketFacts,
    TicketStep,
    closings_of,
    compute,
    render,
)
from tests.handoff.conftest import SOP_DIR, desk_settings, open_desk

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
WEEK = (T0, T0 + timedelta(days=7))


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def ticket(
    id: int,
    customer: str,
    *,
    opened: float,
    first: float | None = None,
    assigned: float | None = None,
    resolved: float | None = None,
    reopens: int = 0,
    breached: float | None = None,
    csat: int | None = None,
    reason: str = "asked",
) -> TicketFacts:
    at = lambda m: None if m is None else T0 + minutes(m)  # noqa: E731
    closed_at = at(resolved)
    closings = () if closed_at is None else (Closing(closed_at, at(assigned)),)
    ratings = () if closed_at is None or csat is None else (Rating(closed_at, csat),)
    return TicketFacts(
        id,
        customer,
        reason,
        "resolved" if resolved is not None else "queued",
        T0 + minutes(opened),
        first_response_at=at(first),
        reopen_count=reopens,
        sla_breached_at=at(breached),
        closings=closings,
        ratings=ratings,
    )


def label(key: str, **params: object) -> str:
    return key + (" " + " ".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_response_handle_and_resolution_figures() -> None:
    tickets = [
        ticket(1, "a", opened=0, first=2, assigned=1, resolved=31, csat=5),
        ticket(2, "b", opened=10, first=14, assigned=10, resolved=20, csat=4, reason="sop_miss"),
        ticket(
            3, "c", opened=20, first=30, assigned=25, resolved=85, reopens=1, csat=2, breached=25
        ),
        ticket(
            4, "a", opened=60 * 24 * 3, reason="sop_miss"
        ),  # customer a comes back within 7 days
        ticket(5, "d", opened=60 * 24 * 10),  # after the period: only there for the FCR look-ahead
    ]
    report = compute(tickets, [], [], since=WEEK[0], until=WEEK[1], working_time=[])
    assert (report.tickets_opened, report.tickets_closed) == (4, 3)
    assert report.first_response_median == 240 and report.first_responses == 3
    assert report.first_response_p90 == pytest.approx(
        4 * 60 + 0.8 * 6 * 60
    )  # of 2, 4 and 10 minutes
    assert report.average_handle_time == pytest.approx((30 + 10 + 60) / 3 * 60)
    assert report.fcr_resolved_first_time == 1 and report.fcr == pytest.approx(
        1 / 3
    )  # only ticket 2
    assert (report.csat_average, report.csat_top_two, report.csat_answers) == (
        pytest.approx(11 / 3),
        2,
        3,
    )
    assert report.sla_breaches == 1
    assert report.top_reasons == (("asked", 2), ("sop_miss", 2))


def test_handle_time_runs_per_spell_of_work_and_leaves_out_unworked_closings() -> None:
    """Opened, taken at 4, closed at 20; reopened at 60 back to its agent, closed at 75;
    a second ticket closed at 30 without anyone touching it."""
    steps = [
        TicketStep("opened", T0, "queued"),
        TicketStep("taken", T0 + minutes(4), "assigned"),
        TicketStep("agent_replied", T0 + minutes(6), "waiting"),
        TicketStep("closed", T0 + minutes(20), "resolved"),
        TicketStep("reopened", T0 + minutes(60), "assigned"),
        TicketStep("closed", T0 + minutes(75), "resolved"),
    ]
    assert closings_of(steps) == (
        Closing(T0 + minutes(20), T0 + minutes(4)),
        Closing(T0 + minutes(75), T0 + minutes(60)),
    )
    untouched = [TicketStep("opened", T0, "queued"), TicketStep("closed", T0 + minutes(30))]
    assert closings_of(untouched) == (Closing(T0 + minutes(30), None),)
    # A reopen into the queue starts a spell nobody works on until someone replies.
    queued_again = [
        *steps[:4],
        TicketStep("reopened", T0 + minutes(60), "queued"),
        TicketStep("agent_replied", T0 + minutes(66), "waiting"),
        TicketStep("closed", T0 + minutes(70), "resolved"),
    ]
    assert closings_of(queued_again)[1] == Closing(T0 + minutes(70), T0 + minutes(66))

    tickets = [
        TicketFacts(1, "a", "asked", "resolved", T0, closings=closings_of(steps),
                    ratings=(Rating(T0 + minutes(20), 4), Rating(T0 + minutes(75), 2)),
                    reopen_count=1),
        TicketFacts(2, "b", "asked", "resolved", T0, closings=closings_of(untouched)),
    ]
    report = compute(tickets, [], [], since=WEEK[0], until=WEEK[1], working_time=[])
    assert report.average_handle_time == (16 + 15) / 2 * 60
    assert (report.handled, report.closed_unworked, report.tickets_closed) == (2, 1, 2)
    # Both ratings of the reopened ticket count, once each.
    assert (report.csat_average, report.csat_answers, report.csat_top_two) == (3.0, 2, 1)
    # A period holding only the first closing keeps its figures when the ticket reopens later.
    first_hour = compute(
        [replace(tickets[0], status="assigned")], [], [],
        since=T0, until=T0 + minutes(30), working_time=[],
    )
    assert (first_hour.tickets_closed, first_hour.average_handle_time) == (1, 16 * 60)
    assert (first_hour.csat_average, first_hour.fcr) == (4, 0.0)


def test_containment_counts_questions_the_sop_answered_without_a_person() -> None:
    at = T0 + minutes(1)
    questions = [
        QuestionFacts(at, "answer", "cara refund?", handed_off=False),
        QuestionFacts(
            at, "answer", "cara refund", handed_off=True
        ),  # answered, then went to a person
        QuestionFacts(at, "clarify", "refund", handed_off=False),
        QuestionFacts(
            at, "choice", "[refund-how]", handed_off=False
        ),  # the clarification was resolved
        QuestionFacts(at, "no_match", "Jual saham?", handed_off=False),
        QuestionFacts(at, "no_match", "jual  saham", handed_off=True),
        QuestionFacts(at, "no_match", "tiket pesawat", handed_off=True),
        QuestionFacts(T0 - minutes(1), "answer", "before the period", handed_off=False),
    ]
    report = compute([], questions, [], since=WEEK[0], until=WEEK[1], working_time=[])
    assert (report.questions, report.contained) == (6, 2) and report.containment == pytest.approx(
        1 / 3
    )
    assert report.top_unanswered == (("Jual saham?", 2), ("tiket pesawat", 1))


def test_adherence_is_online_time_within_working_hours() -> None:
    working = [(T0, T0 + timedelta(hours=8))]
    changes = [
        StatusChange("telegram:1", "online", T0 - timedelta(hours=1)),
        StatusChange("telegram:1", "away", T0 + timedelta(hours=2)),
        StatusChange("telegram:1", "online", T0 + timedelta(hours=3)),
        StatusChange("telegram:1", "offline", T0 + timedelta(hours=9)),
        StatusChange("telegram:2", "online", T0 + timedelta(hours=6)),
    ]
    report = compute(
        [],
        [],
        changes,
        since=WEEK[0],
        until=WEEK[1],
        working_time=working,
        agents=["telegram:3"],
        now=T0 + timedelta(hours=7),
    )
    shares = {item.person_key: item.share for item in report.adherence}
    assert shares == {
        "telegram:1": pytest.approx(7 / 8),
        "telegram:2": pytest.approx(1 / 8),
        "telegram:3": 0.0,
    }


def test_an_empty_period_renders_without_dividing_by_zero() -> None:
    report = compute([], [], [], since=WEEK[0], until=WEEK[1], working_time=[])
    table = render(report, "table", label)
    assert "kpi_of share=– part=0 whole=0" in table
    data = json.loads(render(report, "json", label))
    assert data["containment"] is None and data["tickets_opened"] == 0
    with pytest.raises(ValueError, match="unknown format"):
        render(report, "xml", label)


def test_bot_report_from_the_command_line(desk_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real week: the bot answers one question, a customer is served and rates 5."""

    async def a_day_at_the_desk() -> None:
        desk = await open_desk(desk_settings(desk_db), datetime.now(UTC) - timedelta(hours=2))
        try:
            await desk.agent_online()
            await desk.customer("bagaimana cara mengajukan refund?")
            await desk.customer("apakah kalian jual saham perusahaan?")
            await desk.customer("mau bicara dengan CS")
            desk.clock.advance(minutes=3)
            await desk.agent("Halo Kak, kami tidak menjual saham.", thread=await desk.thread_of())
            desk.clock.advance(minutes=7)
            await desk.agent_command("close", "dijawab", thread=await desk.thread_of())
            await desk.customer_press("csat:1:5")
        finally:
            await desk.bot.close()

    asyncio.run(a_day_at_the_desk())
    monkeypatch.setenv("BOT_DATABASE_URL", desk_db)
    monkeypatch.setenv("BOT_SUPPORT__SOP_DIR", str(SOP_DIR))
    runner = CliRunner()

    as_json = runner.invoke(app, ["report", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert (data["tickets_opened"], data["tickets_closed"]) == (1, 1)
    # The refund answer contained its question; the share question sent the customer to a person.
    assert (data["questions"], data["questions_contained"], data["containment"]) == (2, 1, 0.5)
    # Handle time runs from the agent taking the ticket (by replying, at 3 minutes) to closing.
    assert (
        data["first_response_median_seconds"] == 180 and data["average_handle_time_seconds"] == 420
    )
    assert (data["csat_average"], data["csat_share_4_5"], data["first_contact_resolution"]) == (
        5,
        1.0,
        1.0,
    )
    assert data["top_handoff_reasons"] == [{"reason": "asked", "tickets": 1}]
    assert data["top_unanswered_questions"] == [
        {"question": "apakah kalian jual saham perusahaan?", "times": 1}
    ]

    table = runner.invoke(app, ["report"])
    assert (
        table.exit_code == 0
        and "Tickets opened" in table.output
        and "the customer asked for a person" in table.output
    )
    rows = list(csv.reader(io.StringIO(runner.invoke(app, ["report", "--format", "csv"]).output)))
    assert rows[0] == ["metric", "key", "value"] and ["tickets_opened", "", "1"] in rows
    bad = runner.invoke(app, ["report", "--since", "last week"])
    assert bad.exit_code == 2 and "expected a date like 2026-01-31" in bad.output
