"""What the WhatsApp adapter remembers per customer: their last message and the choices shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import WhatsAppContact
from bot.storage.sql import dialect_insert


class WhatsAppContactRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def saw_message(self, wa_id: str, at: datetime) -> None:
        """The customer wrote at `at`: their 24-hour window runs from the latest such moment."""
        await self._session.execute(
            dialect_insert(self._session, WhatsAppContact)
            .values(wa_id=wa_id, last_inbound_at=at)
            .on_conflict_do_nothing(index_elements=["wa_id"])
        )
        await self._session.execute(
            update(WhatsAppContact)
            .where(
                WhatsAppContact.wa_id == wa_id,
                or_(WhatsAppContact.last_inbound_at.is_(None), WhatsAppContact.last_inbound_at < at),
            )
            .values(last_inbound_at=at)
            .execution_options(synchronize_session=False)
        )

    async def known(self, wa_id: str) -> bool:
        """Whether the number is a contact (it wrote to us, or was shown choices) and not erased."""
        return await self._session.get(WhatsAppContact, wa_id) is not None

    async def last_message_at(self, wa_id: str) -> datetime | None:
        contact = await self._session.get(WhatsAppContact, wa_id, populate_existing=True)
        return contact.last_inbound_at if contact else None

    async def set_choices(self, wa_id: str, choices: list[str] | None, at: datetime) -> None:
        """Remember the data of numbered choices just shown (None: forget them)."""
        await self._session.execute(
            dialect_insert(self._session, WhatsAppContact)
            .values(wa_id=wa_id, last_inbound_at=None)
            .on_conflict_do_nothing(index_elements=["wa_id"])
        )
        await self._session.execute(
            update(WhatsAppContact)
            .where(WhatsAppContact.wa_id == wa_id)
            .values(choices=choices or None, choices_at=at if choices else None)
            .execution_options(synchronize_session=False)
        )

    async def choices(self, wa_id: str) -> tuple[list[str], datetime | None]:
        contact = await self._session.get(WhatsAppContact, wa_id, populate_existing=True)
        if contact is None or not contact.choices:
            return [], None
        return [str(choice) for choice in contact.choices], contact.choices_at
