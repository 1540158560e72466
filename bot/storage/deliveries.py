"""Delivery statuses platforms report for messages we sent (WhatsApp: sent, delivered, read, failed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import DeliveryStatusRecord
from bot.storage.sql import dialect_insert

# Webhooks arrive in any order: a late "delivered" must not hide an earlier "read".
_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


class DeliveryStatusRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self, platform: str, message_id: str, chat_id: str, status: str, at: datetime, error: str | None = None,
        *, callback_data: str | None = None,
    ) -> bool:
        """Keep the furthest status reached; True when this report moved it forward.

        Both statements are atomic on their own, so workers handling two reports of
        the same message at once cannot lose the later status. `callback_data` is what
        we attached to the message when sending it (the outbox key and part).
        """
        inserted = await self._session.execute(
            dialect_insert(self._session, DeliveryStatusRecord)
            .values(platform=platform, message_id=message_id, chat_id=chat_id, status=status,
                    error=error, updated_at=at, callback_data=callback_data)
            .on_conflict_do_nothing(index_elements=["platform", "message_id"])
        )
        if inserted.rowcount:  # type: ignore[attr-defined]
            return True
        behind = [name for name, rank in _RANK.items() if rank < _RANK.get(status, 0)]
        changes: dict[str, Any] = {"status": status, "error": error, "updated_at": at}
        if callback_data is not None:
            changes["callback_data"] = callback_data
        moved = await self._session.execute(
            update(DeliveryStatusRecord)
            .where(
                DeliveryStatusRecord.platform == platform,
                DeliveryStatusRecord.message_id == message_id,
                or_(DeliveryStatusRecord.status.in_(behind), DeliveryStatusRecord.status.not_in(list(_RANK))),
            )
            .values(**changes)
            .execution_options(synchronize_session=False)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]

    async def by_callback(self, platform: str, callback_data: Sequence[str]) -> dict[str, DeliveryStatusRecord]:
        """The statuses of the messages we sent with these callback data, by callback data."""
        if not callback_data:
            return {}
        rows = await self._session.execute(
            select(DeliveryStatusRecord).where(
                DeliveryStatusRecord.platform == platform,
                DeliveryStatusRecord.callback_data.in_(list(callback_data)),
            )
        )
        return {row.callback_data: row for row in rows.scalars() if row.callback_data is not None}

    async def get(self, platform: str, message_id: str) -> DeliveryStatusRecord | None:
        return await self._session.get(DeliveryStatusRecord, (platform, message_id), populate_existing=True)

    async def for_chat(self, platform: str, chat_id: str, limit: int = 50) -> list[DeliveryStatusRecord]:
        rows = await self._session.execute(
            select(DeliveryStatusRecord)
            .where(DeliveryStatusRecord.platform == platform, DeliveryStatusRecord.chat_id == chat_id)
            .order_by(DeliveryStatusRecord.updated_at.desc())
            .limit(limit)
        )
        return list(rows.scalars())
