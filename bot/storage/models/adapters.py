"""Tables the platform adapters keep: delivery statuses and WhatsApp contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base


class DeliveryStatusRecord(Base):
    """The latest status a platform reported for a message we sent (WhatsApp sent/delivered/read/failed).

    `callback_data` is what we attached to the message (WhatsApp's `biz_opaque_callback_data`:
    the outbox key and part), so a send whose answer a crash lost can be confirmed from its statuses.
    """

    __tablename__ = "delivery_statuses"
    __table_args__ = (Index("ix_delivery_statuses_callback", "platform", "callback_data"),)

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    callback_data: Mapped[str | None] = mapped_column(String(512))


class WhatsAppContact(Base):
    """A WhatsApp customer: when they last wrote (the 24-hour window) and the numbered
    choices we last showed them, so a typed "2" can mean the second one."""

    __tablename__ = "whatsapp_contacts"

    wa_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_inbound_at: Mapped[datetime | None]
    choices: Mapped[list[Any] | None]
    choices_at: Mapped[datetime | None]
