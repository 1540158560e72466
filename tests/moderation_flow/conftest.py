"""A Telegram group to moderate: members write, admins type commands, the clock moves.

`Group` drives the real runtime (SQLite, core, outbox sender, recording adapters,
manual clock) and reads what the bot did: replies, platform acts, stored cases.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.actions import Action, Ban, Delete, Kick, Restrict, Send, Unban, Unrestrict
from bot.clock import ManualClock
from bot.events import (
    Address,
    ButtonPressed,
    ChatKind,
    Command,
    MemberJoined,
    Message,
    MessageRef,
    Person,
    Right,
)
from bot.roles import Role
from bot.storage.models import MemberJoin, ModerationAppeal, ModerationCase, ModerationWarning
from tests.conftest import make_settings
from tests.support.harness import Harness, Reply

GROUP = "-1005550001"
LOG = "-1005559999"
START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ADMIN_RIGHTS = frozenset(
    {
        Right.ADMIN,
        Right.DELETE_MESSAGES,
        Right.RESTRICT_MEMBERS,
        Right.BAN_MEMBERS,
        Right.MANAGE_CHAT,
    }
)
BOT_RIGHTS = ADMIN_RIGHTS


@dataclass
class Group:
    bot: Harness
    chat: str = GROUP
    platform: str = "telegram"
    bot_rights: frozenset[Right] | None = BOT_RIGHTS
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    @property
    def clock(self) -> ManualClock:
        return self.bot.clock

    @property
    def address(self) -> Address:
        return Address(self.platform, self.chat)

    def member(
        self,
        user: str = "42",
        name: str = "Budi",
        username: str | None = "budi",
        language: str | None = "id",
    ) -> Person:
        return Person(self.platform, user, name=name, username=username, language=language)

    def _common(
        self, update: int, sender: Person, rights: frozenset[Right] | None
    ) -> dict[str, object]:
        return {
            "update_id": f"{self.platform}:grp:{self.chat}:{update}",
            "address": self.address,
            "at": self.clock.now(),
            "sender": sender,
            "chat_kind": ChatKind.GROUP,
            "chat_title": "Komunitas Uji",
            "sender_rights": rights,
            "bot_rights": self.bot_rights,
        }

    async def say(
        self,
        text: str,
        *,
        user: str = "42",
        name: str = "Budi",
        username: str | None = "budi",
        rights: frozenset[Right] | None = frozenset(),
        edited_id: str | None = None,
        language: str | None = "id",
        **fields: object,
    ) -> Reply:
        update = next(self._ids)
        sender = self.member(user, name, username, language)
        return await self.bot.send_event(
            Message(
                message_id=edited_id or str(update),
                text=text,
                edited=edited_id is not None,
                **self._common(update, sender, rights),
                **fields,  # type: ignore[arg-type]
            )
        )

    async def admin(
        self,
        name: str,
        *args: str,
        reply_to: MessageRef | None = None,
        target: Person | None = None,
        user: str = "7",
        rights: frozenset[Right] | None = ADMIN_RIGHTS,
        **fields: object,
    ) -> Reply:
        update = next(self._ids)
        sender = Person(self.platform, user, name="Admin", username="admin", language="en")
        return await self.bot.send_event(
            Command(
                name=name,
                args=args,
                message_id=str(update),
                reply_to=reply_to,
                target=target,
                **self._common(update, sender, rights),
                **fields,  # type: ignore[arg-type]
            )
        )

    async def private_command(
        self, name: str, *args: str, user: str = "42", language: str | None = "id"
    ) -> Reply:
        update = next(self._ids)
        sender = self.member(user, language=language)
        return await self.bot.send_event(
            Command(
                update_id=f"{self.platform}:dm:{update}",
                address=Address(self.platform, user),
                at=self.clock.now(),
                sender=sender,
                chat_kind=ChatKind.PRIVATE,
                name=name,
                args=args,
            )
        )

    async def private_say(
        self, text: str, *, user: str = "42", language: str | None = "id"
    ) -> Reply:
        update = next(self._ids)
        return await self.bot.send_event(
            Message(
                update_id=f"{self.platform}:dm:{update}",
                address=Address(self.platform, user),
                at=self.clock.now(),
                sender=self.member(user, language=language),
                chat_kind=ChatKind.PRIVATE,
                message_id=str(update),
                text=text,
            )
        )

    async def join(self, user: str = "77", name: str = "Baru") -> Reply:
        update = next(self._ids)
        member = Person(self.platform, user, name=name, username=None, language="en")
        return await self.bot.send_event(
            MemberJoined(member=member, **self._common(update, member, None))
        )  # type: ignore[arg-type]

    async def press(self, data: str, *, user: str, message_id: str | None = None) -> Reply:
        update = next(self._ids)
        return await self.bot.send_event(
            ButtonPressed(
                data=data,
                message_id=message_id,
                **self._common(update, self.member(user), None),  # type: ignore[arg-type]
            )
        )

    async def settings(self, *words: str) -> Reply:
        return await self.admin("settings", *words)

    async def sweep(self) -> list[Action]:
        await self.bot.core.sweep()
        return await self.bot.deliver()

    async def advance(self, **delta: float) -> list[Action]:
        self.clock.advance(timedelta(**delta))
        return await self.sweep()

    async def grant(self, user: str, role: Role = Role.MODERATOR) -> None:
        async with self.bot.runtime.store.transaction() as tx:
            await tx.roles.grant(self.platform, user, role, self.clock.now())

    async def cases(self) -> list[ModerationCase]:
        async with self.bot.runtime.store.transaction() as tx:
            return list(
                (
                    await tx.session.execute(select(ModerationCase).order_by(ModerationCase.id))
                ).scalars()
            )

    async def warnings(self) -> list[ModerationWarning]:
        async with self.bot.runtime.store.transaction() as tx:
            return list((await tx.session.execute(select(ModerationWarning))).scalars())

    async def joins(self) -> list[tuple[str, str]]:
        """The stored join times, as (chat id, user id)."""
        async with self.bot.runtime.store.transaction() as tx:
            rows = await tx.session.execute(select(MemberJoin.chat_id, MemberJoin.user_id))
            return sorted((row[0], row[1]) for row in rows)

    async def appeals(self) -> list[ModerationAppeal]:
        async with self.bot.runtime.store.transaction() as tx:
            return list((await tx.session.execute(select(ModerationAppeal))).scalars())


def of(actions: Reply | list[Action], kind: type[Action]) -> list[Action]:
    items = actions.actions if isinstance(actions, Reply) else actions
    return [action for action in items if isinstance(action, kind)]


def texts_to(actions: Reply | list[Action], chat: str) -> str:
    items = actions.actions if isinstance(actions, Reply) else actions
    return "\n".join(a.text for a in items if isinstance(a, Send) and a.address.chat_id == chat)


__all__ = ["Ban", "Delete", "Kick", "Restrict", "Unban", "Unrestrict"]


@pytest.fixture
def group_db(migrated_sqlite_url: str) -> str:
    return migrated_sqlite_url


async def open_group(database_url: str, **overrides: object) -> Group:
    settings = make_settings(database_url, default_language="en", **overrides)  # type: ignore[arg-type]
    return Group(await Harness.open(settings, ManualClock(START)))


@pytest.fixture
async def group(group_db: str) -> AsyncIterator[Group]:
    opened = await open_group(group_db)
    yield opened
    await opened.bot.close()
