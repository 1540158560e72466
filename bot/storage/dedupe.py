"""Processed update ids: the stored half of "every update is handled once".

The table holds a digest of each id, not the id: equality is all dedupe needs, and
some ids carry a person (a WhatsApp message id is the sender's number in base64, a
Discord join id holds the member's id, feedback ids hold the update that caused
them). So a person's erasure leaves nothing here to erase, and their redelivered
webhook is still recognised and skipped afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ProcessedUpdate
from bot.storage.sql import dialect_insert


class DedupeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def first_time(self, update_id: str, now: datetime) -> bool:
        """Record the update; False when it was recorded before (by us or another worker)."""
        return update_id in await self.first_time_many([update_id], now)

    async def first_time_many(self, update_ids: Sequence[str], now: datetime) -> set[str]:
        """Record updates in one statement; returns the ids not recorded before.

        Uses the table, not the ORM class, so the insert skips the ORM's bulk machinery
        (this runs once per batch of group messages, the hottest path there is).
        """
        by_digest = {digest(update_id): update_id for update_id in update_ids}
        if not by_digest:
            return set()
        table = ProcessedUpdate.__table__
        statement = (
            dialect_insert(self._session, table)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(table.c.update_id)
        )
        rows = await self._session.execute(
            statement, [{"update_id": key, "processed_at": now} for key in by_digest]
        )
        return {by_digest[key] for key in rows.scalars()}

    async def seen(self, update_id: str) -> bool:
        """Whether the update was recorded (and not yet forgotten)."""
        found = await self._session.scalar(
            select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == digest(update_id))
        )
        return found is not None

    async def forget_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def digest(update_id: str) -> str:
    """What is stored for an update id: 32 hex characters of its SHA-256."""
    return hashlib.sha256(update_id.encode()).hexdigest()[:32]
