"""The pure decisions behind the handoff: business hours, the ticket lifecycle, waiting estimates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import ConfigError, load_settings
from bot.handoff.hours import (
    BusinessHours,
    add_business_time,
    is_open,
    next_open,
    open_intervals,
    parse_day,
)
from bot.handoff.lifecycle import Move, Refused, Status, TicketState, decide
from bot.handoff.waiting import WaitKind, estimate_wait, wait_notice

WIB = "Asia/Jakarta"
HOURS = BusinessHours.parse(
    WIB,
    {
        "mon": "08:00-17:00",
        "tue": "08:00-17:00",
        "wed": "08:00-17:00",
        "thu": "08:00-17:00",
        "fri": "08:00-11:30, 13:00-17:00",
        "sat": "09:00-12:00",
    },
    (date(2026, 1, 7),),
)


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in January 2026, given in WIB (UTC+7); 5 January is a Monday."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (wib(5, 8), True),
        (wib(5, 16, 59), True),
        (wib(5, 17), False),
        (wib(5, 7, 59), False),
        (wib(7, 10), False),  # a holiday
        (wib(9, 12), False),
        (wib(9, 13), True),  # Friday's lunch break
        (wib(10, 10), True),
        (wib(11, 10), False),  # Saturday morning, Sunday
    ],
)
def test_open_follows_the_weekly_schedule_and_holidays(moment: datetime, expected: bool) -> None:
    assert is_open(moment, HOURS) is expected


def test_next_open_skips_nights_holidays_and_weekends() -> None:
    assert next_open(wib(5, 10), HOURS) == wib(5, 10)
    assert next_open(wib(5, 18), HOURS) == wib(6, 8)
    assert next_open(wib(6, 18), HOURS) == wib(8, 8)  # Wednesday the 7th is a holiday
    assert next_open(wib(9, 12), HOURS) == wib(9, 13)
    assert next_open(wib(10, 12, 30), HOURS) == wib(12, 8)
    assert next_open(wib(5, 18), BusinessHours.parse(WIB, {"mon": "closed"})) is None


def test_business_time_runs_only_while_the_team_works() -> None:
    assert add_business_time(wib(5, 9), timedelta(minutes=5), HOURS) == wib(5, 9, 5)
    assert add_business_time(wib(5, 16, 58), timedelta(minutes=5), HOURS) == wib(6, 8, 3)
    assert add_business_time(wib(5, 20), timedelta(minutes=5), HOURS) == wib(6, 8, 5)
    assert add_business_time(wib(9, 11, 28), timedelta(minutes=5), HOURS) == wib(9, 13, 3)
    always = BusinessHours.parse(WIB, {})
    assert add_business_time(wib(11, 3), timedelta(minutes=5), always) == wib(11, 3, 5)


def test_open_intervals_cover_only_working_time() -> None:
    intervals = open_intervals(wib(9, 0), wib(10, 23), HOURS)
    assert intervals == [
        (wib(9, 8), wib(9, 11, 30)),
        (wib(9, 13), wib(9, 17)),
        (wib(10, 9), wib(10, 12)),
    ]
    midday = open_intervals(wib(5, 12), wib(5, 13), HOURS)
    assert midday == [(wib(5, 12), wib(5, 13))]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("8-17", "expected ranges like 08:00-17:00"),
        ("17:00-08:00", "not a range within one day"),
        ("08:00-12:00, 11:00-13:00", "ranges overlap"),
    ],
)
def test_bad_schedules_are_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_day(text)
    with pytest.raises(ConfigError, match=r"handoff\.business_hours"):
        load_settings(handoff={"business_hours": {"mon": text}})


def test_unknown_day_names_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown day 'monday'"):
        load_settings(handoff={"business_hours": {"monday": "08:00-17:00"}})


def test_all_day_and_closed_days_parse() -> None:
    assert parse_day("00:00-24:00") == ((0, 1440),)
    assert parse_day("tutup") == () and parse_day("") == ()


# ---- lifecycle ----------------------------------------------------------------------------------

QUEUED = TicketState(Status.QUEUED)
RINA, ANDI = "telegram:1", "telegram:2"


def test_the_happy_path() -> None:
    taken = decide(QUEUED, Move.TAKE, actor=RINA)
    assert taken == TicketState(Status.ASSIGNED, RINA)
    answered = decide(taken, Move.AGENT_REPLIED, actor=RINA)  # type: ignore[arg-type]
    assert answered == TicketState(Status.WAITING, RINA)
    back = decide(answered, Move.CUSTOMER_WROTE, actor="whatsapp:9")  # type: ignore[arg-type]
    assert back == TicketState(Status.ASSIGNED, RINA)
    closed = decide(back, Move.CLOSE, actor=RINA)  # type: ignore[arg-type]
    assert closed == TicketState(Status.RESOLVED, RINA)


def test_replying_to_a_queued_ticket_takes_it() -> None:
    assert decide(QUEUED, Move.AGENT_REPLIED, actor=ANDI) == TicketState(Status.WAITING, ANDI)


def test_taking_someone_elses_ticket_needs_a_supervisor() -> None:
    held = TicketState(Status.ASSIGNED, RINA)
    assert decide(held, Move.TAKE, actor=ANDI) == Refused("taken_by_other")
    assert decide(held, Move.TAKE, actor=ANDI, override=True) == TicketState(Status.ASSIGNED, ANDI)
    assert decide(held, Move.TAKE, actor=RINA) == Refused("already_yours")
    assert decide(held, Move.RELEASE, actor=ANDI) == Refused("not_yours")
    assert decide(QUEUED, Move.RELEASE, actor=ANDI) == Refused("not_assigned")


def test_transfers() -> None:
    held = TicketState(Status.WAITING, RINA)
    assert decide(held, Move.TRANSFER_TO_AGENT, actor=RINA, target=ANDI) == TicketState(
        Status.ASSIGNED, ANDI
    )
    assert decide(held, Move.TRANSFER_TO_AGENT, actor=RINA, target=RINA) == Refused(
        "already_theirs"
    )
    assert decide(held, Move.TRANSFER_TO_TEAM, actor=RINA, target="finance") == TicketState(
        Status.QUEUED, None, "finance"
    )


def test_closed_tickets_refuse_everything_but_reopening() -> None:
    closed = TicketState(Status.RESOLVED, RINA)
    for move in (Move.TAKE, Move.RELEASE, Move.CLOSE, Move.AGENT_REPLIED):
        assert decide(closed, move, actor=RINA, target=ANDI) == Refused("closed")
    assert decide(closed, Move.REOPEN, actor="whatsapp:9", target_online=True) == TicketState(
        Status.ASSIGNED, RINA
    )
    assert decide(closed, Move.REOPEN, actor="whatsapp:9", target_online=False) == TicketState(
        Status.QUEUED
    )


# ---- waiting ------------------------------------------------------------------------------------


def test_expected_wait_counts_rounds_of_the_queue() -> None:
    five = timedelta(minutes=5)
    assert estimate_wait(1, 1, five) == five
    assert estimate_wait(3, 2, five) == timedelta(minutes=10)
    assert estimate_wait(1, 0, timedelta(seconds=20)) == timedelta(minutes=1)


def test_the_notice_is_honest_about_hours_and_people() -> None:
    common = {
        "position": 2,
        "recent_responses": [timedelta(minutes=3)],
        "target": timedelta(minutes=5),
    }
    closed = wait_notice(wib(5, 20), HOURS, agents_online=3, **common)  # type: ignore[arg-type]
    assert (closed.kind, closed.back_at) == (WaitKind.CLOSED, wib(6, 8))
    nobody = wait_notice(wib(5, 10), HOURS, agents_online=0, **common)  # type: ignore[arg-type]
    assert nobody.kind is WaitKind.NOBODY_ONLINE and nobody.expected_wait is None
    queued = wait_notice(wib(5, 10), HOURS, agents_online=1, **common)  # type: ignore[arg-type]
    assert (queued.kind, queued.expected_wait) == (WaitKind.QUEUED, timedelta(minutes=6))
