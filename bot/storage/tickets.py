"""Tickets and agents: the handoff's typed queries.

Tickets are read `FOR UPDATE` on PostgreSQL before they change, so a customer's
message and an agent's `/take` handled by two workers at once apply one after the
other (SQLite serialises writers anyway).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Address, Person
from bot.storage.models import (
    AgentStatusChange,
    StaffMessage,
    Ticket,
    TicketEvent,
    TicketRating,
    TranscriptLine,
)
from bot.storage.sql import dialect_insert, is_postgres

OPEN = ("queued", "assigned", "waiting")


class TicketRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Each customer's latest ticket as read (and locked) in this transaction; None: none yet.
        self._latest: dict[str, Ticket | None] = {}

    async def prefetch_latest(self, customer_keys: Iterable[str]) -> None:
        """Read (and lock) many customers' latest tickets in one query, for a batch of messages."""
        wanted = {key for key in customer_keys if key not in self._latest}
        if not wanted:
            return
        newest = (
            select(func.max(Ticket.id)).where(Ticket.customer_key.in_(wanted)).group_by(Ticket.customer_key)
        )
        rows = await self._session.execute(self._locked(select(Ticket).where(Ticket.id.in_(newest))))
        for ticket in rows.scalars():
            self._latest[ticket.customer_key] = ticket
        for key in wanted:
            self._latest.setdefault(key, None)

    def forget(self) -> None:
        self._latest.clear()

    def _locked(self, query: Select[Any]) -> Select[Any]:
        return query.with_for_update() if is_postgres(self._session) else query

    async def _one(self, query: Select[Any]) -> Ticket | None:
        ticket: Ticket | None = (
            (await self._session.execute(self._locked(query).limit(1))).scalars().first()
        )
        return ticket

    async def open(
        self,
        *,
        customer: Person,
        address: Address,
        language: str,
        reason: str,
        team: str | None,
        staff: Address,
        workspace: str,
        now: datetime,
    ) -> Ticket:
        ticket = Ticket(
            customer_key=customer.key,
            customer_platform=address.platform,
            customer_chat_id=address.chat_id,
            customer_name=customer.name or None,
            customer_username=customer.username,
            language=language,
            status="queued",
            reason=reason[:160],
            team=team,
            staff_platform=staff.platform,
            staff_chat_id=staff.chat_id,
            workspace=workspace,
            reopen_count=0,
            opened_at=now,
            updated_at=now,
        )
        self._session.add(ticket)
        await self._session.flush()
        self._latest[customer.key] = ticket
        return ticket

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self._one(select(Ticket).where(Ticket.id == ticket_id))

    async def active_for(self, customer_key: str) -> Ticket | None:
        """The customer's open ticket (queued, assigned or waiting), if any."""
        return await self._one(
            select(Ticket)
            .where(Ticket.customer_key == customer_key, Ticket.status.in_(OPEN))
            .order_by(Ticket.id.desc())
        )

    async def latest_for(self, customer_key: str) -> Ticket | None:
        if customer_key not in self._latest:
            self._latest[customer_key] = await self._one(
                select(Ticket).where(Ticket.customer_key == customer_key).order_by(Ticket.id.desc())
            )
        return self._latest[customer_key]

    async def by_thread(self, staff: Address) -> Ticket | None:
        return await self._one(
            select(Ticket)
            .where(
                Ticket.staff_platform == staff.platform,
                Ticket.staff_chat_id == staff.chat_id,
                Ticket.staff_thread_id == staff.thread_id,
            )
            .order_by(Ticket.id.desc())
        )

    async def by_staff_message(self, staff: Address, message_id: str) -> Ticket | None:
        ticket_id = (
            await self._session.execute(
                select(StaffMessage.ticket_id).where(
                    StaffMessage.platform == staff.platform,
                    StaffMessage.chat_id == staff.chat_id,
                    StaffMessage.message_id == message_id,
                )
            )
        ).scalar_one_or_none()
        return None if ticket_id is None else await self.get(ticket_id)

    async def remember_staff_message(
        self, staff: Address, message_id: str, ticket_id: int, now: datetime
    ) -> None:
        statement = (
            dialect_insert(self._session, StaffMessage)
            .values(
                platform=staff.platform,
                chat_id=staff.chat_id,
                message_id=message_id,
                ticket_id=ticket_id,
                at=now,
            )
            .on_conflict_do_nothing()
        )
        await self._session.execute(statement)

    async def record(
        self,
        ticket_id: int,
        action: str,
        now: datetime,
        *,
        actor: str | None,
        from_status: str | None = None,
        to_status: str | None = None,
        detail: str | None = None,
    ) -> None:
        self._session.add(
            TicketEvent(
                ticket_id=ticket_id,
                at=now,
                action=action,
                actor_key=actor,
                from_status=from_status,
                to_status=to_status,
                detail=detail,
            )
        )

    async def events(self, ticket_id: int) -> list[TicketEvent]:
        rows = await self._session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        )
        return list(rows.scalars())

    async def open_tickets(self) -> list[Ticket]:
        """Every open ticket, oldest first: the queue as agents see it."""
        rows = await self._session.execute(
            select(Ticket).where(Ticket.status.in_(OPEN)).order_by(Ticket.opened_at, Ticket.id)
        )
        return list(rows.scalars())

    async def queue_position(self, ticket: Ticket) -> int:
        """1 for the first waiting customer; tickets someone already owns are not ahead of anyone."""
        ahead = await self._session.execute(
            select(func.count())
            .select_from(Ticket)
            .where(
                Ticket.status == "queued",
                Ticket.id != ticket.id,
                (Ticket.opened_at < ticket.opened_at)
                | ((Ticket.opened_at == ticket.opened_at) & (Ticket.id < ticket.id)),
            )
        )
        return int(ahead.scalar_one()) + 1

    async def recent_first_responses(self, limit: int = 20) -> list[timedelta]:
        rows = await self._session.execute(
            select(Ticket.opened_at, Ticket.first_response_at)
            .where(Ticket.first_response_at.is_not(None))
            .order_by(Ticket.first_response_at.desc())
            .limit(limit)
        )
        return [answered - opened for opened, answered in rows.all() if answered is not None]

    async def for_customer(self, customer_key: str, limit: int = 10) -> list[Ticket]:
        rows = await self._session.execute(
            select(Ticket)
            .where(Ticket.customer_key == customer_key)
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        return list(rows.scalars())

    async def between(self, since: datetime, until: datetime) -> list[Ticket]:
        """Tickets opened, closed (even if reopened since) or breaching their target in [since, until)."""
        closed_then = select(TicketEvent.ticket_id).where(
            TicketEvent.action == "closed", TicketEvent.at >= since, TicketEvent.at < until
        )
        rows = await self._session.execute(
            select(Ticket)
            .where(
                ((Ticket.opened_at >= since) & (Ticket.opened_at < until))
                | ((Ticket.resolved_at >= since) & (Ticket.resolved_at < until))
                | ((Ticket.sla_breached_at >= since) & (Ticket.sla_breached_at < until))
                | Ticket.id.in_(closed_then)
            )
            .order_by(Ticket.id)
        )
        return list(rows.scalars())

    async def events_of(self, ticket_ids: Iterable[int]) -> dict[int, list[TicketEvent]]:
        """The stored steps of many tickets at once, oldest first (for the KPIs)."""
        wanted = sorted(set(ticket_ids))
        found: dict[int, list[TicketEvent]] = {ticket_id: [] for ticket_id in wanted}
        for start in range(0, len(wanted), 500):
            rows = await self._session.execute(
                select(TicketEvent)
                .where(TicketEvent.ticket_id.in_(wanted[start : start + 500]))
                .order_by(TicketEvent.id)
            )
            for event in rows.scalars():
                found[event.ticket_id].append(event)
        return found

    async def add_rating(self, ticket_id: int, closed_at: datetime, score: int, now: datetime) -> None:
        self._session.add(TicketRating(ticket_id=ticket_id, closed_at=closed_at, score=score, at=now))

    async def ratings_of(self, ticket_ids: Iterable[int]) -> dict[int, list[TicketRating]]:
        wanted = sorted(set(ticket_ids))
        found: dict[int, list[TicketRating]] = {ticket_id: [] for ticket_id in wanted}
        for start in range(0, len(wanted), 500):
            rows = await self._session.execute(
                select(TicketRating)
                .where(TicketRating.ticket_id.in_(wanted[start : start + 500]))
                .order_by(TicketRating.id)
            )
            for rating in rows.scalars():
                found[rating.ticket_id].append(rating)
        return found

    async def opened_since(self, since: datetime) -> list[Ticket]:
        rows = await self._session.execute(
            select(Ticket).where(Ticket.opened_at >= since).order_by(Ticket.id)
        )
        return list(rows.scalars())

    # ---- the ticket's transcript ------------------------------------------------------

    async def attach_transcript(self, chat_key: str, ticket_id: int, since: datetime) -> None:
        """Give the bot's part of the conversation (lines since `since` without a ticket) to the ticket."""
        await self._session.execute(
            update(TranscriptLine)
            .where(
                TranscriptLine.chat_key == chat_key,
                TranscriptLine.ticket_id.is_(None),
                TranscriptLine.at >= since,
            )
            .values(ticket_id=ticket_id)
        )

    async def last_line_id(self, chat_key: str) -> int | None:
        value = await self._session.execute(
            select(func.max(TranscriptLine.id)).where(TranscriptLine.chat_key == chat_key)
        )
        return value.scalar_one_or_none()

    async def transcript(
        self, ticket_id: int, *, after_id: int | None = None
    ) -> list[TranscriptLine]:
        query = select(TranscriptLine).where(TranscriptLine.ticket_id == ticket_id)
        if after_id is not None:
            query = query.where(TranscriptLine.id > after_id)
        rows = await self._session.execute(query.order_by(TranscriptLine.id))
        return list(rows.scalars())

    async def questions_between(self, since: datetime, until: datetime) -> list[TranscriptLine]:
        """Customer messages the SOP judged (answered, clarified, missed, chosen) in [since, until)."""
        rows = await self._session.execute(
            select(TranscriptLine)
            .where(
                TranscriptLine.direction == "in",
                TranscriptLine.outcome.in_(("answer", "clarify", "no_match", "choice")),
                TranscriptLine.at >= since,
                TranscriptLine.at < until,
            )
            .order_by(TranscriptLine.id)
        )
        return list(rows.scalars())


class AgentRepo:
    """Agents' availability: online, away or offline, as a log of changes."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set_status(self, person_key: str, status: str, now: datetime) -> str:
        """Record a change and return the status before it."""
        before = await self.status_of(person_key)
        if before != status:
            self._session.add(AgentStatusChange(person_key=person_key, status=status, at=now))
        return before

    async def status_of(self, person_key: str) -> str:
        value = await self._session.execute(
            select(AgentStatusChange.status)
            .where(AgentStatusChange.person_key == person_key)
            .order_by(AgentStatusChange.id.desc())
            .limit(1)
        )
        return value.scalar_one_or_none() or "offline"

    async def statuses(self) -> dict[str, str]:
        """Everyone's latest status."""
        latest = (
            select(func.max(AgentStatusChange.id))
            .group_by(AgentStatusChange.person_key)
            .scalar_subquery()
        )
        rows = await self._session.execute(
            select(AgentStatusChange.person_key, AgentStatusChange.status).where(
                AgentStatusChange.id.in_(latest)
            )
        )
        return {key: status for key, status in rows.all()}

    async def online(self, among: Iterable[str] | None = None) -> list[str]:
        wanted = None if among is None else set(among)
        return sorted(
            key
            for key, status in (await self.statuses()).items()
            if status == "online" and (wanted is None or key in wanted)
        )

    async def changes_until(self, until: datetime) -> list[AgentStatusChange]:
        rows = await self._session.execute(
            select(AgentStatusChange)
            .where(AgentStatusChange.at < until)
            .order_by(AgentStatusChange.id)
        )
        return list(rows.scalars())
