"""Private conversations: their state and the transcript, personal data masked on the way in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import BufferedSession
from bot.storage.models import ConversationState, TranscriptLine


class ConversationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # States read or created in this transaction (None: known not to exist).
        self._cache: dict[str, ConversationState | None] = {}

    async def prefetch(self, chat_keys: Iterable[str]) -> None:
        wanted = {key for key in chat_keys if key not in self._cache}
        if not wanted:
            return
        rows = await self._session.execute(
            select(ConversationState).where(ConversationState.chat_key.in_(wanted))
        )
        for state in rows.scalars():
            self._cache[state.chat_key] = state
        for key in wanted:
            self._cache.setdefault(key, None)

    async def get(self, chat_key: str) -> ConversationState | None:
        if chat_key not in self._cache:
            self._cache[chat_key] = await self._session.get(ConversationState, chat_key)
        return self._cache[chat_key]

    async def get_or_create(self, chat_key: str, person_key: str, now: datetime) -> ConversationState:
        state = await self.get(chat_key)
        if state is None:
            state = ConversationState(
                chat_key=chat_key, person_key=person_key, failed_attempts=0, updated_at=now
            )
            self._session.add(state)
            self._cache[chat_key] = state
        return state

    def forget(self) -> None:
        """Drop what this transaction remembers (after rows were deleted behind its back)."""
        self._cache.clear()


class TranscriptRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        chat_key: str,
        person_key: str,
        direction: str,
        author: str,
        text: str,
        at: datetime,
        author_key: str | None = None,
        ticket_id: int | None = None,
        sop_entry_id: str | None = None,
        outcome: str | None = None,
        attachment: dict[str, Any] | None = None,
    ) -> None:
        row = {
            "chat_key": chat_key,
            "person_key": person_key,
            "direction": direction,
            "author": author,
            "author_key": author_key,
            "text": text,
            "at": at,
            "ticket_id": ticket_id,
            "sop_entry_id": sop_entry_id,
            "outcome": outcome,
            "attachment": attachment,
        }
        sync_session = self._session.sync_session
        assert isinstance(sync_session, BufferedSession)
        sync_session.buffer_insert(cast(Table, TranscriptLine.__table__), row)

    async def recent(self, chat_key: str, limit: int = 10) -> list[TranscriptLine]:
        rows = await self._session.execute(
            select(TranscriptLine)
            .where(TranscriptLine.chat_key == chat_key)
            .order_by(TranscriptLine.id.desc())
            .limit(limit)
        )
        return list(reversed(list(rows.scalars())))

    async def for_person(self, person_key: str, limit: int = 200) -> list[dict[str, Any]]:
        rows = await self._session.execute(
            select(TranscriptLine)
            .where(TranscriptLine.person_key == person_key)
            .order_by(TranscriptLine.id)
            .limit(limit)
        )
        return [
            {"at": line.at, "direction": line.direction, "author": line.author, "text": line.text}
            for line in rows.scalars()
        ]
