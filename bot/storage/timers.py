"""Timers: stored intentions to act later, fired once by the sweep on any worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Address
from bot.storage.models import Timer
from bot.storage.sql import dialect_insert


@dataclass(frozen=True, slots=True)
class DueTimer:
    id: int
    kind: str
    key: str
    address: Address
    due_at: datetime
    payload: dict[str, Any]


class TimerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def schedule(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        address: Address,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Set (or move) the timer `kind`/`key`; a moved timer fires once, at its new time."""
        values = {
            "kind": kind,
            "key": key,
            "platform": address.platform,
            "chat_id": address.chat_id,
            "thread_id": address.thread_id,
            "due_at": due_at,
            "payload": payload or {},
            "fired_at": None,
        }
        statement = dialect_insert(self._session, Timer).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={name: statement.excluded[name] for name in values if name not in ("kind", "key")},
        )
        await self._session.execute(statement)

    async def cancel(self, kind: str, key: str) -> bool:
        result = await self._session.execute(
            delete(Timer).where(Timer.kind == kind, Timer.key == key, Timer.fired_at.is_(None))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def pending(self, kind: str, key: str) -> DueTimer | None:
        row = (
            await self._session.execute(
                select(Timer).where(Timer.kind == kind, Timer.key == key, Timer.fired_at.is_(None))
            )
        ).scalar_one_or_none()
        return None if row is None else _due(row)

    async def due(self, now: datetime, limit: int = 100) -> list[DueTimer]:
        query = (
            select(Timer)
            .where(Timer.fired_at.is_(None), Timer.due_at <= now)
            .order_by(Timer.due_at)
            .limit(limit)
        )
        return [_due(row) for row in (await self._session.execute(query)).scalars()]

    async def mark_fired(self, timer: DueTimer, now: datetime) -> bool:
        """True for the one caller that fires this timer at this due time."""
        result = await self._session.execute(
            update(Timer)
            .where(Timer.id == timer.id, Timer.fired_at.is_(None), Timer.due_at == timer.due_at)
            .values(fired_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def forget_fired_before(self, cutoff: datetime) -> int:
        result = await self._session.execute(
            delete(Timer).where(Timer.fired_at.is_not(None), Timer.fired_at < cutoff)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _due(row: Timer) -> DueTimer:
    return DueTimer(
        row.id, row.kind, row.key, Address(row.platform, row.chat_id, row.thread_id), row.due_at, dict(row.payload)
    )
