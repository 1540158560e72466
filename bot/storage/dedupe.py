"""Processed update ids: the stored half of "every update is handled once"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
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
        unique = list(dict.fromkeys(update_ids))
        if not unique:
            return set()
        table = ProcessedUpdate.__table__
        statement = (
            dialect_insert(self._session, table)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(table.c.update_id)
        )
        rows = await self._session.execute(
            statement, [{"update_id": update_id, "processed_at": now} for update_id in unique]
        )
        return set(rows.scalars())

    async def forget_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
