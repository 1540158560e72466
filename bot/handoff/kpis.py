"""Service KPIs, computed purely from ticket facts, judged questions and agents' status changes.

Definitions (the same for `bot report` and the supervisors' `/kpi`), for a period [since, until):

- tickets opened / closed: opened in the period / closed in the period (a ticket closed
  twice in the period counts once; one closed in the period and reopened later still
  counts, so a past period's report does not change afterwards);
- bot containment: of the customer questions the SOP judged in the period (answered,
  clarified or not covered), the share the SOP answered (directly or after the
  customer picked an option) and that did not send the customer to a person (the
  last question before a ticket opened counts as handed off, even if answered);
- first response time: from opening to the first agent message the customer got, for
  tickets opened in the period (median and 90th percentile, wall-clock time);
- average handle time: for each closing in the period, from the first assignment in
  that spell of work (an agent taking the ticket, replying to it, or having it
  transferred to them, after it opened or reopened) to the closing; a ticket closed
  without anyone ever working on it in that spell (spam, a duplicate) is left out;
- first-contact resolution: of the tickets closed in the period, the share never
  reopened and not followed by another ticket from the same customer within 7 days;
- CSAT: the average rating (1-5) and the share of 4s and 5s, of every rating given for
  a closing in the period, each counted once (a ticket closed, rated, reopened, closed
  and rated again contributes both ratings, each to the period of the closing it rates);
- SLA breaches: tickets whose first-response target passed unanswered in the period;
- adherence: each agent's online time within business hours, against those hours;
- top handoff reasons: why the tickets opened in the period were opened;
- top unanswered questions: what customers asked that the SOP did not cover.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from statistics import mean, median, quantiles
from typing import Any
from zoneinfo import ZoneInfo

FCR_WINDOW = timedelta(days=7)
_QUESTION = ("answer", "clarify", "no_match")
Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Closing:
    """One time the ticket was closed; `worked_from` is the first assignment of that spell of work
    (None: nobody took it, replied or had it transferred to them since it last opened)."""

    at: datetime
    worked_from: datetime | None = None


@dataclass(frozen=True, slots=True)
class Rating:
    """A CSAT answer, dated by the closing it rates."""

    closed_at: datetime
    score: int


@dataclass(frozen=True, slots=True)
class TicketFacts:
    id: int
    customer_key: str
    reason: str
    status: str
    opened_at: datetime
    first_response_at: datetime | None = None
    reopen_count: int = 0
    sla_breached_at: datetime | None = None
    closings: tuple[Closing, ...] = ()
    ratings: tuple[Rating, ...] = ()

    @property
    def resolved_at(self) -> datetime | None:
        """The latest closing, if the ticket is closed now."""
        if self.status != "resolved" or not self.closings:
            return None
        return max(closing.at for closing in self.closings)


@dataclass(frozen=True, slots=True)
class TicketStep:
    """One stored step of a ticket's life (`ticket_events`), as far as the KPIs need it."""

    action: str
    at: datetime
    to_status: str | None = None


_STARTS = ("opened", "reopened")
_ASSIGNING = ("taken", "agent_replied", "transferred")


def closings_of(steps: Sequence[TicketStep]) -> tuple[Closing, ...]:
    """Each closing with the first assignment since the ticket last (re)opened.

    A reopen that hands the ticket straight back to its agent (they are online) is an
    assignment at the moment of reopening.
    """
    closings: list[Closing] = []
    worked_from: datetime | None = None
    for step in sorted(steps, key=lambda s: s.at):
        if step.action in _STARTS:
            worked_from = step.at if step.to_status == "assigned" else None
        elif step.action in _ASSIGNING and worked_from is None:
            worked_from = step.at
        elif step.action == "closed":
            closings.append(Closing(step.at, worked_from))
            worked_from = None
    return tuple(closings)


@dataclass(frozen=True, slots=True)
class QuestionFacts:
    """A customer message the SOP judged: `outcome` as stored, `handed_off` if it became part of a ticket."""

    at: datetime
    outcome: str  # answer | clarify | no_match | choice
    text: str
    handed_off: bool


@dataclass(frozen=True, slots=True)
class StatusChange:
    person_key: str
    status: str  # online | away | offline
    at: datetime


@dataclass(frozen=True, slots=True)
class Adherence:
    person_key: str
    online_seconds: float
    scheduled_seconds: float
    name: str = ""  # how people know them (the report fills it in); never shown as a bare key

    @property
    def share(self) -> float | None:
        return self.online_seconds / self.scheduled_seconds if self.scheduled_seconds else None


@dataclass(frozen=True, slots=True)
class Report:
    since: datetime
    until: datetime
    tickets_opened: int
    tickets_closed: int
    questions: int
    contained: int
    first_response_median: float | None  # seconds
    first_response_p90: float | None
    first_responses: int
    average_handle_time: float | None  # seconds
    fcr_resolved_first_time: int
    csat_average: float | None
    csat_top_two: int
    csat_answers: int
    sla_breaches: int
    adherence: tuple[Adherence, ...] = ()
    top_reasons: tuple[tuple[str, int], ...] = ()
    top_unanswered: tuple[tuple[str, int], ...] = ()
    handled: int = 0  # closings with a handle time
    closed_unworked: int = 0  # closings nobody had worked on: not in the handle time

    @property
    def containment(self) -> float | None:
        return self.contained / self.questions if self.questions else None

    @property
    def fcr(self) -> float | None:
        return self.fcr_resolved_first_time / self.tickets_closed if self.tickets_closed else None

    @property
    def csat_top_two_share(self) -> float | None:
        return self.csat_top_two / self.csat_answers if self.csat_answers else None


def _within(moment: datetime | None, since: datetime, until: datetime) -> bool:
    return moment is not None and since <= moment < until


def percentile_90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=10, method="inclusive")[8]


def _question_key(text: str) -> str:
    return re.sub(r"[^\w\s\[\]]", "", " ".join(text.lower().split())).strip()


def online_intervals(changes: Iterable[StatusChange], until: datetime) -> dict[str, list[Interval]]:
    """Per agent, the stretches of time they were online, up to `until`."""
    by_person: dict[str, list[StatusChange]] = defaultdict(list)
    for change in sorted(changes, key=lambda c: c.at):
        by_person[change.person_key].append(change)
    result: dict[str, list[Interval]] = {}
    for person, person_changes in by_person.items():
        intervals: list[Interval] = []
        started: datetime | None = None
        for change in person_changes:
            if change.status == "online" and started is None:
                started = change.at
            elif change.status != "online" and started is not None:
                intervals.append((started, change.at))
                started = None
        if started is not None and started < until:
            intervals.append((started, until))
        result[person] = intervals
    return result


def _overlap(first: Sequence[Interval], second: Sequence[Interval]) -> float:
    total = 0.0
    for a_start, a_end in first:
        for b_start, b_end in second:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if end > start:
                total += (end - start).total_seconds()
    return total


def compute(
    tickets: Sequence[TicketFacts],
    questions: Sequence[QuestionFacts],
    changes: Sequence[StatusChange],
    *,
    since: datetime,
    until: datetime,
    working_time: Sequence[Interval],
    agents: Iterable[str] = (),
    now: datetime | None = None,
    top: int = 5,
) -> Report:
    """The report for [since, until); `working_time` is business hours within it (see `hours.open_intervals`).

    `tickets` must include those opened up to 7 days after `until`, so first-contact
    resolution can see a customer coming back.
    """
    opened = [t for t in tickets if _within(t.opened_at, since, until)]
    closings = [(t, c) for t in tickets for c in t.closings if _within(c.at, since, until)]
    closed = list({t.id: t for t, _ in closings}.values())

    judged = [q for q in questions if _within(q.at, since, until)]
    asked = [q for q in judged if q.outcome in _QUESTION]
    contained = [
        q
        for q in judged
        if not q.handed_off
        and (q.outcome == "answer" or (q.outcome == "choice" and q.text != "[none]"))
    ]

    responses = sorted(
        (t.first_response_at - t.opened_at).total_seconds()
        for t in opened
        if t.first_response_at is not None
    )
    handle_times = [
        (closing.at - closing.worked_from).total_seconds()
        for _, closing in closings
        if closing.worked_from is not None
    ]

    by_customer: dict[str, list[TicketFacts]] = defaultdict(list)
    for ticket in tickets:
        by_customer[ticket.customer_key].append(ticket)

    def first_time(ticket: TicketFacts) -> bool:
        if ticket.reopen_count or len(ticket.closings) != 1:
            return False
        resolved = ticket.closings[0].at
        return not any(
            other.id != ticket.id and resolved < other.opened_at <= resolved + FCR_WINDOW
            for other in by_customer[ticket.customer_key]
            if ticket.customer_key != "erased"
        )

    rated = [
        rating.score
        for ticket in tickets
        for rating in ticket.ratings
        if _within(rating.closed_at, since, until)
    ]
    breaches = [t for t in tickets if _within(t.sla_breached_at, since, until)]

    online = online_intervals(changes, min(until, now) if now else until)
    scheduled = sum((end - start).total_seconds() for start, end in working_time)
    adherence = tuple(
        Adherence(person, _overlap(online.get(person, []), working_time), scheduled)
        for person in sorted(set(agents) | set(online))
    )

    reasons = Counter(t.reason for t in opened)
    unanswered: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for question in asked:
        if question.outcome == "no_match" and question.text:
            key = _question_key(question.text)
            unanswered[key] += 1
            shown.setdefault(key, " ".join(question.text.split()))

    return Report(
        since=since,
        until=until,
        tickets_opened=len(opened),
        tickets_closed=len(closed),
        questions=len(asked),
        contained=len(contained),
        first_response_median=median(responses) if responses else None,
        first_response_p90=percentile_90(responses),
        first_responses=len(responses),
        average_handle_time=mean(handle_times) if handle_times else None,
        handled=len(handle_times),
        closed_unworked=len(closings) - len(handle_times),
        fcr_resolved_first_time=sum(1 for t in closed if first_time(t)),
        csat_average=mean(rated) if rated else None,
        csat_top_two=sum(1 for score in rated if score >= 4),
        csat_answers=len(rated),
        sla_breaches=len(breaches),
        adherence=adherence,
        top_reasons=tuple(reasons.most_common(top)),
        top_unanswered=tuple((shown[key], count) for key, count in unanswered.most_common(top * 2)),
    )


# ---- output -----------------------------------------------------------------------------------


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.1f}%"


def as_dict(report: Report) -> dict[str, Any]:
    """Stable, machine-readable keys (json and csv)."""
    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "tickets_opened": report.tickets_opened,
        "tickets_closed": report.tickets_closed,
        "questions": report.questions,
        "questions_contained": report.contained,
        "containment": report.containment,
        "first_response_median_seconds": report.first_response_median,
        "first_response_p90_seconds": report.first_response_p90,
        "first_responses": report.first_responses,
        "average_handle_time_seconds": report.average_handle_time,
        "handled_closings": report.handled,
        "closed_unworked": report.closed_unworked,
        "first_contact_resolution": report.fcr,
        "first_contact_resolved": report.fcr_resolved_first_time,
        "csat_average": report.csat_average,
        "csat_share_4_5": report.csat_top_two_share,
        "csat_answers": report.csat_answers,
        "sla_breaches": report.sla_breaches,
        "adherence": [{**asdict(item), "adherence": item.share} for item in report.adherence],
        "top_handoff_reasons": [{"reason": r, "tickets": n} for r, n in report.top_reasons],
        "top_unanswered_questions": [{"question": q, "times": n} for q, n in report.top_unanswered],
    }


def render(
    report: Report,
    fmt: str,
    label: Callable[..., str],
    zone: ZoneInfo | None = None,
    reason_label: Callable[[str], str] = str,
) -> str:
    """`table` for people (labels from the message catalogue), `csv` or `json` for machines."""
    data = as_dict(report)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["metric", "key", "value"])
        for key, value in data.items():
            if isinstance(value, list):
                for item in value:
                    name = item.get("person_key") or item.get("reason") or item.get("question")
                    for sub_key, sub_value in item.items():
                        if sub_value != name:
                            writer.writerow(
                                [f"{key}.{sub_key}", name, "" if sub_value is None else sub_value]
                            )
            else:
                writer.writerow([key, "", "" if value is None else value])
        return out.getvalue()
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}; expected table, csv or json")
    return _table(report, label, zone, reason_label)


def _table(
    report: Report,
    label: Callable[..., str],
    zone: ZoneInfo | None,
    reason_label: Callable[[str], str],
) -> str:
    def share_of(share: float | None, part: int, whole: int) -> str:
        return label("kpi_of", share=percent(share), part=part, whole=whole)

    rows: list[tuple[str, str]] = [
        (label("kpi_opened"), str(report.tickets_opened)),
        (label("kpi_closed"), str(report.tickets_closed)),
        (
            label("kpi_containment"),
            share_of(report.containment, report.contained, report.questions),
        ),
        (
            label("kpi_first_response"),
            f"{duration(report.first_response_median)} / {duration(report.first_response_p90)}",
        ),
        (
            label("kpi_handle_time"),
            label(
                "kpi_handle_time_value",
                average=duration(report.average_handle_time),
                handled=report.handled,
                unworked=report.closed_unworked,
            ),
        ),
        (
            label("kpi_fcr"),
            share_of(report.fcr, report.fcr_resolved_first_time, report.tickets_closed),
        ),
        (
            label("kpi_csat"),
            label(
                "kpi_csat_value",
                average="–" if report.csat_average is None else f"{report.csat_average:.2f}",
                share=percent(report.csat_top_two_share),
                answers=report.csat_answers,
            ),
        ),
        (label("kpi_sla_breaches"), str(report.sla_breaches)),
    ]
    width = max(len(name) for name, _ in rows)
    since, until = (
        moment.astimezone(zone) if zone else moment for moment in (report.since, report.until)
    )
    zone_name = since.tzname() or ""
    lines = [
        label(
            "kpi_title",
            since=since.strftime("%Y-%m-%d %H:%M"),
            until=until.strftime("%Y-%m-%d %H:%M"),
            zone=zone_name,
        ),
        "",
    ]
    lines += [f"{name.ljust(width)}  {value}" for name, value in rows]
    lines += ["", label("kpi_adherence")]
    if report.adherence:
        for item in report.adherence:
            lines.append(
                "  "
                + label(
                    "kpi_adherence_row",
                    agent=item.name
                    or label(
                        "unknown_person",
                        id=item.person_key.partition(":")[2],
                        platform=item.person_key.partition(":")[0].capitalize(),
                    ),
                    online=duration(item.online_seconds),
                    scheduled=duration(item.scheduled_seconds),
                    share=percent(item.share),
                )
            )
    else:
        lines.append("  –")
    lines += ["", label("kpi_top_reasons")]
    lines += [f"  {count:>4}  {reason_label(reason)}" for reason, count in report.top_reasons] or [
        "  –"
    ]
    lines += ["", label("kpi_top_unanswered")]
    lines += [f"  {count:>4}  {question}" for question, count in report.top_unanswered] or ["  –"]
    return "\n".join(lines)
