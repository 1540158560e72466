"""Loading what the KPIs need from the database; `kpis.compute` does the arithmetic."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.config import Settings
from bot.handoff.hours import open_intervals
from bot.handoff.kpis import (
    QuestionFacts,
    Rating,
    Report,
    StatusChange,
    TicketFacts,
    TicketStep,
    closings_of,
    compute,
)
from bot.handoff.workspace import business_hours
from bot.roles import Role
from bot.storage import Tx
from bot.storage.models import Ticket, TicketEvent, TicketRating


def _facts(ticket: Ticket, events: list[TicketEvent], ratings: list[TicketRating]) -> TicketFacts:
    steps = [TicketStep(event.action, event.at, event.to_status) for event in events]
    return TicketFacts(
        id=ticket.id,
        customer_key=ticket.customer_key,
        reason=ticket.reason,
        status=ticket.status,
        opened_at=ticket.opened_at,
        first_response_at=ticket.first_response_at,
        reopen_count=ticket.reopen_count,
        sla_breached_at=ticket.sla_breached_at,
        closings=closings_of(steps),
        ratings=tuple(Rating(rating.closed_at, rating.score) for rating in ratings),
    )


async def build(
    tx: Tx, settings: Settings, *, since: datetime, until: datetime, now: datetime
) -> Report:
    tickets = {t.id: t for t in await tx.tickets.between(since, until)}
    tickets.update(
        {t.id: t for t in await tx.tickets.opened_since(since)}
    )  # FCR looks 7 days ahead
    lines = await tx.tickets.questions_between(since, until)
    # A ticket's transcript starts with the bot's part of the conversation; of that, the last
    # question the SOP judged is the one that sent the customer to a person. Earlier ones the
    # bot answered stay the bot's.
    last_question = {line.ticket_id: line.id for line in lines if line.ticket_id is not None}
    handed_off = set(last_question.values())
    questions = [
        QuestionFacts(line.at, line.outcome or "", line.text, line.id in handed_off)
        for line in lines
    ]
    changes = [
        StatusChange(c.person_key, c.status, c.at)
        for c in await tx.agents.changes_until(min(until, now))
    ]
    agents = {f"{row.platform}:{row.user_id}" for row in await tx.roles.holders(Role.AGENT)}
    working = open_intervals(since, min(until, now), business_hours(settings))
    events = await tx.tickets.events_of(tickets)
    ratings = await tx.tickets.ratings_of(tickets)
    report = compute(
        [_facts(ticket, events[ticket.id], ratings[ticket.id]) for ticket in tickets.values()],
        questions,
        changes,
        since=since,
        until=until,
        working_time=working,
        agents=agents,
        now=now,
    )
    named = [replace(item, name=await _name(tx, item.person_key)) for item in report.adherence]
    return replace(report, adherence=tuple(named))


async def _name(tx: Tx, person_key: str) -> str:
    platform, _, user_id = person_key.partition(":")
    record = await tx.people.get(platform, user_id)
    if record is None:
        return ""
    return record.name or (f"@{record.username}" if record.username else "")
