"""Business hours: when the team works, as pure functions of a moment and a schedule.

The schedule is weekly (`{"mon": "08:00-20:00", "sat": "08:00-12:00, 13:00-17:00"}`)
in the bot's time zone, minus holidays. No schedule at all means the team works
around the clock (holidays still count). Every function takes the moment it is
asked about, so callers pass the injected clock's time and tests need no sleeping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})\s*$")
_SEARCH_DAYS = 400  # a schedule that is closed for longer than this is closed for good

Span = tuple[
    int, int
]  # minutes after local midnight: start inclusive, end exclusive (1440 = midnight)
ALL_DAY: tuple[Span, ...] = ((0, 1440),)


def parse_day(text: str) -> tuple[Span, ...]:
    """`"08:00-12:00, 13:00-17:00"` as minute spans; empty or `closed` is a closed day."""
    if not text.strip() or text.strip().lower() in ("closed", "tutup", "-"):
        return ()
    spans: list[Span] = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(
                f"expected ranges like 08:00-17:00 (comma-separated), got {part.strip()!r}"
            )
        start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if start_m > 59 or end_m > 59 or start >= 1440 or end > 1440 or start >= end:
            raise ValueError(
                f"{part.strip()!r} is not a range within one day (use 00:00-24:00 for all day)"
            )
        spans.append((start, end))
    spans.sort()
    for (_, first_end), (second_start, _) in pairwise(spans):
        if second_start < first_end:
            raise ValueError(f"ranges overlap in {text.strip()!r}")
    return tuple(spans)


def parse_weekly(mapping: Mapping[str, str]) -> tuple[tuple[Span, ...], ...]:
    """Seven days of spans, Monday first; an empty mapping is open all week, a missing day is closed."""
    unknown = sorted(set(mapping) - set(DAYS))
    if unknown:
        raise ValueError(f"unknown day {unknown[0]!r}; use {', '.join(DAYS)}")
    if not mapping:
        return tuple(ALL_DAY for _ in DAYS)
    week: list[tuple[Span, ...]] = []
    for day in DAYS:
        try:
            week.append(parse_day(mapping.get(day, "")))
        except ValueError as exc:
            raise ValueError(f"{day}: {exc}") from None
    return tuple(week)


@dataclass(frozen=True, slots=True)
class BusinessHours:
    zone: ZoneInfo
    weekly: tuple[tuple[Span, ...], ...] = tuple(ALL_DAY for _ in DAYS)
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def parse(
        cls, zone: str | ZoneInfo, weekly: Mapping[str, str], holidays: tuple[date, ...] = ()
    ) -> BusinessHours:
        return cls(
            zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone),
            parse_weekly(weekly),
            frozenset(holidays),
        )

    @property
    def around_the_clock(self) -> bool:
        return not self.holidays and all(spans == ALL_DAY for spans in self.weekly)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        return () if day in self.holidays else self.weekly[day.weekday()]

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)


def _intervals_from(
    day: date, hours: BusinessHours, days: int = _SEARCH_DAYS
) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals in UTC, day by day from `day` on for `days` days, joined across midnight."""
    pending: tuple[datetime, datetime] | None = None
    for offset in range(days):
        current = day + timedelta(days=offset)
        midnight = datetime.combine(current, time(), tzinfo=hours.zone)
        for start, end in hours.spans_on(current):
            opened = (midnight + timedelta(minutes=start)).astimezone(UTC)
            closed = (midnight + timedelta(minutes=end)).astimezone(UTC)
            if pending is not None and pending[1] == opened:
                pending = (pending[0], closed)
                continue
            if pending is not None:
                yield pending
            pending = (opened, closed)
    if pending is not None:
        yield pending


def is_open(moment: datetime, hours: BusinessHours) -> bool:
    local = hours.local(moment)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in hours.spans_on(local.date()))


def next_open(moment: datetime, hours: BusinessHours) -> datetime | None:
    """`moment` itself when the team is working, else when it starts again (None: never)."""
    if is_open(moment, hours):
        return moment
    start_day = hours.local(moment).date() - timedelta(days=1)
    for opened, _closed in _intervals_from(start_day, hours):
        if opened > moment:
            return opened
    return None


def open_intervals(
    start: datetime, end: datetime, hours: BusinessHours
) -> list[tuple[datetime, datetime]]:
    """The working time within [start, end), as UTC intervals."""
    found: list[tuple[datetime, datetime]] = []
    if end <= start:
        return found
    first_day = hours.local(start).date() - timedelta(days=1)
    days = (hours.local(end).date() - first_day).days + 2
    for opened, closed in _intervals_from(first_day, hours, days):
        if opened >= end:
            break
        if closed > start:
            found.append((max(opened, start), min(closed, end)))
    return found


def add_business_time(start: datetime, delta: timedelta, hours: BusinessHours) -> datetime:
    """When `delta` of working time has passed after `start` (an SLA clock that stops after hours)."""
    remaining = delta
    first_day = hours.local(start).date() - timedelta(days=1)
    for opened, closed in _intervals_from(first_day, hours):
        if closed <= start:
            continue
        begin = max(opened, start)
        if begin + remaining <= closed:
            return begin + remaining
        remaining -= closed - begin
    return start + delta  # never open again: fall back to wall-clock time
