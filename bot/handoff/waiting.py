"""What to tell a customer who waits for a person: an honest, pure decision.

Outside business hours they hear when the team is back; inside hours with nobody
online, that nobody is online and their place in the queue; otherwise their place
and an estimate built from how fast the team really answered recently.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import median
from zoneinfo import ZoneInfo

from bot.handoff.hours import BusinessHours, is_open, next_open


class WaitKind(StrEnum):
    CLOSED = "closed"  # outside business hours (or a holiday)
    NOBODY_ONLINE = "nobody_online"  # within hours, but no agent is online
    QUEUED = "queued"  # agents are online: a place in the queue and an estimate


@dataclass(frozen=True, slots=True)
class WaitNotice:
    kind: WaitKind
    position: int
    back_at: datetime | None = None  # CLOSED: when the team starts again (None: not scheduled)
    expected_wait: timedelta | None = None  # QUEUED: a rounded estimate


def typical_response(recent: list[timedelta], target: timedelta) -> timedelta:
    """The median of recent first responses, or the target when there is no history yet."""
    return timedelta(seconds=median(r.total_seconds() for r in recent)) if recent else target


def estimate_wait(position: int, agents_online: int, typical: timedelta) -> timedelta:
    """Rounds of the queue ahead (agents work in parallel) times a typical response, in whole minutes."""
    rounds = math.ceil(max(position, 1) / max(agents_online, 1))
    minutes = max(1, math.ceil(rounds * typical.total_seconds() / 60))
    return timedelta(minutes=minutes)


def wait_notice(
    now: datetime,
    hours: BusinessHours,
    *,
    position: int,
    agents_online: int,
    recent_responses: list[timedelta],
    target: timedelta,
) -> WaitNotice:
    if not is_open(now, hours):
        return WaitNotice(WaitKind.CLOSED, position, back_at=next_open(now, hours))
    if agents_online == 0:
        return WaitNotice(WaitKind.NOBODY_ONLINE, position)
    typical = typical_response(recent_responses, target)
    return WaitNotice(
        WaitKind.QUEUED, position, expected_wait=estimate_wait(position, agents_online, typical)
    )


def when_text(
    moment: datetime, now: datetime, zone: ZoneInfo, t: Callable[..., str], language: str
) -> str:
    """ "today at 08:00 WIB", "tomorrow at 08:00 WIB" or "Monday 12 January at 08:00 WIB"."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = t("handoff.clock", language, hour=local.hour, minute=local.minute)
    zone_name = local.tzname() or ""
    if local.date() == today:
        return t("handoff.when_today", language, time=clock, zone=zone_name)
    if local.date() == today + timedelta(days=1):
        return t("handoff.when_tomorrow", language, time=clock, zone=zone_name)
    day = t("handoff.day_names", language).split()[local.weekday()]
    month = t("handoff.month_names", language).split()[local.month - 1]
    return t(
        "handoff.when_day",
        language,
        day=day,
        date=local.day,
        month=month,
        time=clock,
        zone=zone_name,
    )
