"""Chats the bot is in and their settings, which survive a Telegram group's migration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Address
from bot.storage.models import Chat
from bot.storage.sql import dialect_insert, fit


class ChatRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def ensure(self, address: Address, kind: str, title: str | None, now: datetime) -> None:
        await self.ensure_many([(address, kind, title)], now)

    async def ensure_many(self, chats: Sequence[tuple[Address, str, str | None]], now: datetime) -> None:
        """Remember chats (and their latest titles) in one statement."""
        if not chats:
            return
        table = Chat.__table__
        statement = dialect_insert(self._session, table)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "chat_id"],
            set_={"title": func.coalesce(statement.excluded.title, table.c.title)},
        )
        rows: dict[tuple[str, str], dict[str, Any]] = {
            (address.platform, address.chat_id): {
                "platform": address.platform,
                "chat_id": address.chat_id,
                "kind": kind,
                "title": fit(table, "title", title),
                "settings": {},
                "migrated_to": None,
                "created_at": now,
                "updated_at": now,
            }
            for address, kind, title in chats
        }
        await self._session.execute(statement, list(rows.values()))

    async def get(self, address: Address) -> Chat | None:
        return (
            await self._session.execute(
                select(Chat).where(Chat.platform == address.platform, Chat.chat_id == address.chat_id)
            )
        ).scalar_one_or_none()

    async def settings(self, address: Address) -> dict[str, Any]:
        chat = await self.get(address)
        return dict(chat.settings) if chat else {}

    async def set_setting(self, address: Address, name: str, value: Any, now: datetime) -> None:
        """Replace one top-level setting (e.g. `moderation`) of the chat."""
        chat = await self.get(address)
        if chat is None:
            await self.ensure(address, "group", None, now)
            chat = await self.get(address)
            assert chat is not None
        settings = dict(chat.settings)
        settings[name] = value
        await self._session.execute(
            update(Chat).where(Chat.id == chat.id).values(settings=settings, updated_at=now)
        )

    async def migrate(self, old: Address, new_chat_id: str, now: datetime) -> bool:
        """Move a chat's row (and so its settings) to its new id; False if it was unknown."""
        chat = await self.get(old)
        if chat is None:
            return False
        existing = await self.get(Address(old.platform, new_chat_id))
        if existing is not None:
            merged = {**chat.settings, **existing.settings}
            await self._session.execute(
                update(Chat).where(Chat.id == existing.id).values(settings=merged, updated_at=now)
            )
            await self._session.execute(
                update(Chat).where(Chat.id == chat.id).values(migrated_to=new_chat_id, updated_at=now)
            )
            return True
        await self._session.execute(
            update(Chat).where(Chat.id == chat.id).values(chat_id=new_chat_id, updated_at=now)
        )
        return True
