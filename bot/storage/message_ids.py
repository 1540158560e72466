"""Message ids per chat, where a platform numbers a chat's messages in one sequence (Telegram).

Telegram has no idempotency key and no call that finds a message a bot sent. What it
does have: every message in a chat, the customer's and ours, takes the next number.
So the outbox writes, with each "attempt started", the highest id known in the chat
then (`outbox.probe_after`); a send whose answer a crash lost landed just above it,
among ids this table can say are not it (someone else's, or another row's). The
Telegram adapter looks there before sending again (`TelegramAdapter.confirm`).

Rows hold numbers only (no text, no name). Housekeeping forgets old ones but keeps
each chat's highest, so the mark never falls below a message of ours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, and_, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.db import Database
from bot.storage.models import ChatMessageId, OutboxItem
from bot.storage.sql import run_alone


@dataclass(frozen=True, slots=True)
class LostAttempt:
    """What is known of an outbox row whose answer was lost: its id and the chat's mark when it began."""

    row_id: int
    probe_after: int | None


class MessageIdRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def saw(
        self, platform: str, chat_id: str, message_ids: Iterable[int], now: datetime, *, outbox_id: int | None = None
    ) -> None:
        """Record messages in a chat: someone else's, or ours (sent by outbox row `outbox_id`)."""
        statement = message_ids_insert(self._session.get_bind().dialect.name, platform, chat_id, message_ids, now,
                                       outbox_id)
        if statement is not None:
            await self._session.execute(statement)

    async def lost_attempt(self, key: str) -> LostAttempt | None:
        """The outbox row `key` and the chat's highest message id when its last attempt began."""
        row = (
            await self._session.execute(select(OutboxItem.id, OutboxItem.probe_after).where(OutboxItem.key == key))
        ).first()
        return None if row is None else LostAttempt(int(row.id), row.probe_after)

    async def above(self, platform: str, chat_id: str, after: int, limit: int = 200) -> dict[int, int | None]:
        """Known ids above `after` in the chat, each with the outbox row that sent it (None: not ours)."""
        rows = await self._session.execute(
            select(ChatMessageId.message_id, ChatMessageId.outbox_id)
            .where(ChatMessageId.platform == platform, ChatMessageId.chat_id == chat_id,
                   ChatMessageId.message_id > after)
            .order_by(ChatMessageId.message_id)
            .limit(limit)
        )
        return {int(row.message_id): row.outbox_id for row in rows}

    async def forget_before(self, cutoff: datetime) -> int:
        """Forget ids seen before `cutoff`, except each chat's highest (the mark later sends start from)."""
        later = aliased(ChatMessageId)
        higher_exists = (
            select(later.message_id)
            .where(later.platform == ChatMessageId.platform, later.chat_id == ChatMessageId.chat_id,
                   later.message_id > ChatMessageId.message_id)
            .exists()
        )
        result = await self._session.execute(
            delete(ChatMessageId).where(ChatMessageId.seen_at < cutoff, higher_exists)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


async def note_seen(database: Database, platform: str, chat_id: str, message_ids: Iterable[int],
                    now: datetime) -> None:
    """Record someone else's messages in one statement of its own (on every incoming update:
    kept to one round trip)."""
    statement = message_ids_insert("postgresql" if database.is_postgres else "sqlite", platform, chat_id,
                                   message_ids, now, None)
    if statement is not None:
        await run_alone(database, statement)


def highest_known(platform: Any, chat_id: Any) -> ScalarSelect[Any]:
    """The highest message id known in a chat, as a subquery (NULL when none is)."""
    return (
        select(func.max(ChatMessageId.message_id))
        .where(and_(ChatMessageId.platform == platform, ChatMessageId.chat_id == chat_id))
        .scalar_subquery()
    )


def message_ids_insert(
    dialect: str, platform: str, chat_id: str, message_ids: Iterable[int], now: datetime, outbox_id: int | None
) -> Any:
    """One INSERT of these ids (already known ones kept as they are), or None when there are none."""
    rows = [{"platform": platform, "chat_id": chat_id, "message_id": int(message_id), "outbox_id": outbox_id,
             "seen_at": now} for message_id in dict.fromkeys(message_ids)]
    if not rows:
        return None
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(ChatMessageId).values(rows).on_conflict_do_nothing(
        index_elements=["platform", "chat_id", "message_id"]
    )
