"""A help desk to talk through: customers on one platform, agents in a staff chat on another.

`Desk` drives the real runtime through the conversation harness (recording adapters,
a manual clock), with named people so the agent's signature is visible, and helpers
to read what reached each side.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from bot.actions import Action, OpenThread, Send
from bot.clock import ManualClock
from bot.config import Settings
from bot.events import Address, ButtonPressed, ChatKind, Command, Message, MessageRef, Person
from bot.roles import Role
from bot.storage.models import Ticket, TicketEvent, TranscriptLine
from tests.conftest import make_settings
from tests.fakes.server import serving
from tests.fakes.telegram_api import FakeTelegram
from tests.support.harness import Harness, Reply

SOP_DIR = (
    Path(__file__).parent / "sop"
)  # three entries: refund-how, shipping-time, payment-double-charged
REFUND_ANSWER = "Refund bisa diajukan lewat Pesanan > Detail Pesanan > Ajukan Pengembalian, Kak."
TELEGRAM_FORUM = "-1001234567890"
DISCORD_CHANNEL = "880001"
# Monday 5 January 2026, 09:00 WIB (02:00 UTC): inside the default test business hours.
MONDAY_MORNING = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
WEEKDAYS_8_TO_17 = {day: "08:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}


@dataclass
class Desk:
    bot: Harness
    staff: Address
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def clock(self) -> ManualClock:
        return self.bot.clock

    def _update(self, platform: str) -> str:
        return f"{platform}:desk:{next(self._ids)}"

    # ---- customers ------------------------------------------------------------------------

    async def customer(
        self,
        text: str,
        *,
        platform: str = "whatsapp",
        user: str = "6281234567890",
        name: str = "Budi Santoso",
        language: str | None = None,
        edited: bool = False,
        media: str | None = None,
    ) -> Reply:
        update = self._update(platform)
        return await self.bot.send_event(
            Message(
                update_id=update,
                address=Address(platform, user),
                at=self.clock.now(),
                sender=Person(platform, user, name=name, username=None, language=language),
                chat_kind=ChatKind.PRIVATE,
                message_id=update.rsplit(":", 1)[1],
                text=text,
                edited=edited,
                media=media,
            )
        )

    async def customer_press(
        self,
        data: str,
        *,
        platform: str = "whatsapp",
        user: str = "6281234567890",
        name: str = "Budi Santoso",
    ) -> Reply:
        return await self.bot.send_event(
            ButtonPressed(
                update_id=self._update(platform),
                address=Address(platform, user),
                at=self.clock.now(),
                sender=Person(platform, user, name=name),
                chat_kind=ChatKind.PRIVATE,
                data=data,
            )
        )

    async def customer_command(
        self,
        name: str,
        *args: str,
        platform: str = "whatsapp",
        user: str = "6281234567890",
        person_name: str = "Budi Santoso",
    ) -> Reply:
        return await self.bot.send_event(
            Command(
                update_id=self._update(platform),
                address=Address(platform, user),
                at=self.clock.now(),
                sender=Person(platform, user, name=person_name),
                chat_kind=ChatKind.PRIVATE,
                name=name,
                args=args,
            )
        )

    # ---- staff ------------------------------------------------------------------------------

    def _agent(self, user: str, name: str, username: str | None) -> Person:
        """A staff member; their username is their first name in lower case unless given."""
        if username == "":
            username = name.split()[0].lower()
        return Person(self.staff.platform, user, name=name, username=username)

    async def agent(
        self,
        text: str,
        *,
        thread: str | None = None,
        reply_to: str | None = None,
        user: str = "501",
        name: str = "Rina Wati",
        username: str | None = "",
        edited: bool = False,
    ) -> Reply:
        update = self._update(self.staff.platform)
        return await self.bot.send_event(
            Message(
                update_id=update,
                address=self.staff.in_thread(thread),
                at=self.clock.now(),
                sender=self._agent(user, name, username),
                chat_kind=ChatKind.GROUP,
                message_id=update.rsplit(":", 1)[1],
                text=text,
                edited=edited,
                reply_to=MessageRef(reply_to) if reply_to else None,
            )
        )

    async def agent_command(
        self,
        name: str,
        *args: str,
        thread: str | None = None,
        reply_to: str | None = None,
        user: str = "501",
        person_name: str = "Rina Wati",
        username: str | None = "",
        private: bool = False,
        target: Person | None = None,
    ) -> Reply:
        update = self._update(self.staff.platform)
        address = Address(self.staff.platform, user) if private else self.staff.in_thread(thread)
        return await self.bot.send_event(
            Command(
                update_id=update,
                address=address,
                at=self.clock.now(),
                sender=self._agent(user, person_name, username),
                chat_kind=ChatKind.PRIVATE if private else ChatKind.GROUP,
                name=name,
                args=args,
                message_id=update.rsplit(":", 1)[1],
                reply_to=MessageRef(reply_to) if reply_to else None,
                target=target,
            )
        )

    async def agent_press(
        self,
        data: str,
        *,
        thread: str | None = None,
        user: str = "501",
        name: str = "Rina Wati",
        username: str | None = "",
    ) -> Reply:
        return await self.bot.send_event(
            ButtonPressed(
                update_id=self._update(self.staff.platform),
                address=self.staff.in_thread(thread),
                at=self.clock.now(),
                sender=self._agent(user, name, username),
                chat_kind=ChatKind.GROUP,
                data=data,
            )
        )

    async def grant(self, platform: str, user: str, role: Role = Role.AGENT) -> None:
        async with self.bot.runtime.store.transaction() as tx:
            await tx.roles.grant(platform, user, role, self.clock.now())

    async def agent_online(
        self, user: str = "501", name: str = "Rina Wati", username: str | None = ""
    ) -> None:
        await self.grant(self.staff.platform, user)
        await self.agent_command("online", user=user, person_name=name, username=username)

    # ---- reading what happened ---------------------------------------------------------------

    async def ticket(self, ticket_id: int = 1) -> Ticket:
        async with self.bot.runtime.store.transaction() as tx:
            ticket = await tx.session.get(Ticket, ticket_id)
            assert ticket is not None, f"no ticket #{ticket_id}"
            return ticket

    async def tickets(self) -> list[Ticket]:
        async with self.bot.runtime.store.transaction() as tx:
            return list((await tx.session.execute(select(Ticket).order_by(Ticket.id))).scalars())

    async def ticket_events(self, ticket_id: int = 1) -> list[TicketEvent]:
        async with self.bot.runtime.store.transaction() as tx:
            rows = await tx.session.execute(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket_id)
                .order_by(TicketEvent.id)
            )
            return list(rows.scalars())

    async def transcript(self, ticket_id: int | None = None) -> list[TranscriptLine]:
        async with self.bot.runtime.store.transaction() as tx:
            query = select(TranscriptLine).order_by(TranscriptLine.id)
            if ticket_id is not None:
                query = query.where(TranscriptLine.ticket_id == ticket_id)
            return list((await tx.session.execute(query)).scalars())

    async def thread_of(self, ticket_id: int = 1) -> str:
        thread = (await self.ticket(ticket_id)).staff_thread_id
        assert thread is not None, "the ticket's topic was not opened"
        return thread


def sent_to(
    reply: Reply | list[Action], platform: str, chat: str, thread: str | None = "*"
) -> list[Send]:
    """The messages that went to one chat (any thread unless `thread` is given)."""
    actions = reply.actions if isinstance(reply, Reply) else reply
    return [
        action
        for action in actions
        if isinstance(action, Send)
        and action.address.platform == platform
        and action.address.chat_id == chat
        and (thread == "*" or action.address.thread_id == thread)
    ]


def text_to(reply: Reply | list[Action], platform: str, chat: str, thread: str | None = "*") -> str:
    return "\n".join(send.text for send in sent_to(reply, platform, chat, thread))


def opened_threads(reply: Reply) -> list[OpenThread]:
    return [action for action in reply.actions if isinstance(action, OpenThread)]


def desk_settings(
    database_url: str, *, sections: dict[str, Any] | None = None, **handoff: Any
) -> Settings:
    """The test desk's settings: `handoff` keys as keywords, other sections in `sections`."""
    values: dict[str, Any] = {
        "staff_chat": f"telegram:{TELEGRAM_FORUM}",
        "business_hours": WEEKDAYS_8_TO_17,
    }
    values.update(handoff)
    return make_settings(
        database_url, handoff=values, support={"sop_dir": SOP_DIR}, **(sections or {})
    )


async def open_desk(settings: Settings, start: datetime = MONDAY_MORNING) -> Desk:
    bot = await Harness.open(settings, ManualClock(start))
    platform, _, chat = (settings.handoff.staff_chat or "").partition(":")
    return Desk(bot, Address(platform, chat))


FakeServer = TypeVar("FakeServer")


@asynccontextmanager
async def on_local_server(fake: FakeServer) -> AsyncIterator[FakeServer]:
    """A fake platform API answering on 127.0.0.1 while the test runs; its `base_url` says where."""
    async with serving(fake.app) as base_url:  # type: ignore[attr-defined]
        fake.base_url = base_url  # type: ignore[attr-defined]
        yield fake


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with on_local_server(FakeTelegram()) as fake:
        yield fake


@pytest.fixture
def desk_db(migrated_sqlite_url: str) -> str:
    """A fresh, already migrated SQLite database for one test."""
    return migrated_sqlite_url


@pytest.fixture
async def pg_or_sqlite_desk(database_url: str) -> AsyncIterator[Desk]:
    """The forum desk on SQLite and (when configured) PostgreSQL."""
    opened = await open_desk(desk_settings(database_url))
    yield opened
    await opened.bot.close()


@pytest.fixture
async def desk(desk_db: str) -> AsyncIterator[Desk]:
    """A WhatsApp/Telegram customer desk served from a Telegram forum supergroup, one topic per ticket."""
    opened = await open_desk(desk_settings(desk_db))
    yield opened
    await opened.bot.close()
