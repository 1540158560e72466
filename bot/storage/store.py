"""The `Store`: one transaction per unit of work, with typed repositories bound to it.

Handlers receive a `Tx` and call its repositories; nothing else writes SQL. The
transaction commits only when the whole unit (state change plus outbox rows)
succeeded, which is what makes a crash lose nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.events import ChatKind, Event
from bot.storage.chats import ChatRepo
from bot.storage.conversations import ConversationRepo, TranscriptRepo
from bot.storage.db import BufferedSession, Database
from bot.storage.dedupe import DedupeRepo
from bot.storage.deliveries import DeliveryStatusRepo
from bot.storage.message_ids import MessageIdRepo
from bot.storage.moderation import ModerationRepo
from bot.storage.outbox import OutboxRepo
from bot.storage.people import PeopleRepo, RoleRepo
from bot.storage.privacy import PrivacyRepo
from bot.storage.sop import SopRepo
from bot.storage.tickets import AgentRepo, TicketRepo
from bot.storage.timers import TimerRepo
from bot.storage.whatsapp import WhatsAppContactRepo


class Tx:
    """Repositories sharing one session and so one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dedupe = DedupeRepo(session)
        self.outbox = OutboxRepo(session)
        self.message_ids = MessageIdRepo(session)
        self.timers = TimerRepo(session)
        self.chats = ChatRepo(session)
        self.people = PeopleRepo(session)
        self.roles = RoleRepo(session)
        self.conversations = ConversationRepo(session)
        self.transcripts = TranscriptRepo(session)
        self.sop = SopRepo(session)
        self.deliveries = DeliveryStatusRepo(session)
        self.whatsapp = WhatsAppContactRepo(session)
        self.tickets = TicketRepo(session)
        self.agents = AgentRepo(session)
        self.moderation = ModerationRepo(session)
        self.privacy = PrivacyRepo(session, self.forget_cached)

    async def prefetch(self, events: Sequence[Event]) -> None:
        """Read what a batch of customer messages will need in a few queries instead of many."""
        private = [e for e in events if e.chat_kind is ChatKind.PRIVATE and e.sender is not None]
        if not private:
            return
        await self.people.prefetch((e.sender.platform, e.sender.user_id) for e in private if e.sender)
        await self.conversations.prefetch(e.address.chat_key for e in private)
        await self.tickets.prefetch_latest(e.sender.key for e in private if e.sender)

    def forget_cached(self) -> None:
        self.conversations.forget()
        self.tickets.forget()
        self.people.forget()


class Store:
    def __init__(self, database: Database) -> None:
        self.database = database

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self.database.session() as session, session.begin():
            tx = Tx(session)
            yield tx
            await session.run_sync(_write_buffered)
        if tx.privacy.erased:
            # Erased rows are zeroed in the file (secure_delete); older copies of their
            # pages stay in the WAL until it is checkpointed.
            await self.database.checkpoint()


def _write_buffered(session: Session) -> None:
    if isinstance(session, BufferedSession):
        session.write_buffered()
