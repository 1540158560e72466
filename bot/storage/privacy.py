"""Erasing a person's data on request, and purging old transcripts after the retention period.

Erasure keeps what is anonymous so the reports stay true: a transcript line keeps
its direction, time, outcome and SOP entry but loses its text and whose it was; a
ticket keeps its times, status, reason and score but loses the customer's name,
address and comment. Delivered outbox rows carry message text, so they go too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    ConversationState,
    OutboxItem,
    PersonRecord,
    StaffMessage,
    Ticket,
    TicketEvent,
    TranscriptLine,
)

ERASED = "erased"
_FINISHED = ("sent", "failed")


@dataclass(frozen=True, slots=True)
class Erasure:
    transcript_lines: int
    tickets: int
    outbox_rows: int


class PrivacyRepo:
    def __init__(self, session: AsyncSession, forget_cached: Callable[[], None] = lambda: None) -> None:
        self._session = session
        self._forget_cached = forget_cached  # erasing rows behind other repositories' backs

    async def erase_person(self, platform: str, user_id: str, now: datetime) -> Erasure:
        self._forget_cached()
        person_key = f"{platform}:{user_id}"
        tickets = list(
            (
                await self._session.execute(select(Ticket).where(Ticket.customer_key == person_key))
            ).scalars()
        )
        # Their private chats: from tickets, and from the transcript (a Discord DM has its own id).
        chats = {(platform, user_id)} | {(t.customer_platform, t.customer_chat_id) for t in tickets}
        spoken_in = await self._session.execute(
            select(TranscriptLine.chat_key).where(TranscriptLine.person_key == person_key).distinct()
        )
        chats |= {tuple(key.split(":", 1)) for key in spoken_in.scalars()}  # type: ignore[misc]
        chat_keys = {f"{p}:{c}" for p, c in chats}
        lines = await self._session.execute(
            update(TranscriptLine)
            .where(
                (TranscriptLine.person_key == person_key) | TranscriptLine.chat_key.in_(chat_keys)
            )
            .values(text="", person_key=ERASED, chat_key=ERASED, author_key=None)
        )
        outbox_rows = 0
        for ticket in tickets:
            outbox_rows += await self._forget_staff_posts(ticket)
            await self._session.execute(
                update(TicketEvent).where(TicketEvent.ticket_id == ticket.id).values(detail=None)
            )
            await self._session.execute(
                delete(StaffMessage).where(StaffMessage.ticket_id == ticket.id)
            )
            ticket.customer_key = ERASED
            ticket.customer_chat_id = ""
            ticket.customer_name = None
            ticket.customer_username = None
            ticket.csat_comment = None
            ticket.close_reason = None
            ticket.updated_at = now
        for chat_platform, chat_id in chats:
            result = await self._session.execute(
                delete(OutboxItem).where(
                    OutboxItem.platform == chat_platform,
                    OutboxItem.chat_id == chat_id,
                    OutboxItem.status.in_(_FINISHED),
                )
            )
            outbox_rows += int(result.rowcount)  # type: ignore[attr-defined]
        await self._session.execute(
            delete(ConversationState).where(
                (ConversationState.person_key == person_key)
                | ConversationState.chat_key.in_(chat_keys)
            )
        )
        await self._session.execute(
            update(PersonRecord)
            .where(PersonRecord.platform == platform, PersonRecord.user_id == user_id)
            .values(name=None, username=None, language=None, preferred_language=None, erased_at=now)
        )
        return Erasure(int(lines.rowcount), len(tickets), outbox_rows)  # type: ignore[attr-defined]

    async def _forget_staff_posts(self, ticket: Ticket) -> int:
        """Delivered posts about the ticket in the staff chat: its topic, its card and replies to it."""
        rows = await self._session.execute(
            select(OutboxItem.id, OutboxItem.payload).where(
                OutboxItem.platform == ticket.staff_platform,
                OutboxItem.chat_id == ticket.staff_chat_id,
                OutboxItem.status.in_(_FINISHED),
            )
        )
        prefix = f"ticket:{ticket.id}:"
        doomed = [
            row_id
            for row_id, payload in rows.all()
            if str(payload.get("ref") or "").startswith(prefix)
            or (
                ticket.staff_thread_id is not None
                and payload.get("address", [None] * 3)[2] == ticket.staff_thread_id
            )
        ]
        if doomed:
            await self._session.execute(delete(OutboxItem).where(OutboxItem.id.in_(doomed)))
        return len(doomed)

    async def purge_before(self, cutoff: datetime) -> int:
        self._forget_cached()
        """Delete transcript lines and delivered messages older than `cutoff`; keep anonymous ticket facts."""
        lines = await self._session.execute(
            delete(TranscriptLine).where(TranscriptLine.at < cutoff)
        )
        await self._session.execute(
            delete(OutboxItem).where(
                OutboxItem.status.in_(_FINISHED), OutboxItem.created_at < cutoff
            )
        )
        await self._session.execute(delete(StaffMessage).where(StaffMessage.at < cutoff))
        old_tickets = select(Ticket.id).where(
            Ticket.resolved_at.is_not(None), Ticket.resolved_at < cutoff
        )
        await self._session.execute(
            update(TicketEvent).where(TicketEvent.ticket_id.in_(old_tickets)).values(detail=None)
        )
        await self._session.execute(
            update(Ticket)
            .where(Ticket.resolved_at.is_not(None), Ticket.resolved_at < cutoff)
            .values(
                csat_comment=None, close_reason=None, customer_name=None, customer_username=None
            )
        )
        return int(lines.rowcount)  # type: ignore[attr-defined]
