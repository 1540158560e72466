"""Tables of customer conversations with the bot: their state and their transcript."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class ConversationState(Base):
    """Where a private conversation stands: its language, failed tries, a pending question."""

    __tablename__ = "conversations"

    chat_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(160), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    pending_options: Mapped[list[Any] | None]
    last_question: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class TranscriptLine(Base):
    """One message of a conversation, either way, with personal data masked."""

    __tablename__ = "transcript"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chat_key: Mapped[str] = mapped_column(String(160), index=True)
    person_key: Mapped[str] = mapped_column(String(160), index=True)
    ticket_id: Mapped[int | None] = mapped_column(index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    author: Mapped[str] = mapped_column(String(16))  # customer | bot | agent | system
    author_key: Mapped[str | None] = mapped_column(String(160))
    text: Mapped[str] = mapped_column(Text)
    sop_entry_id: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(index=True)
    # A file sent with the message (`bot.events.Media` as a dict): relayed later if the
    # staff topic was still opening, or when staff reveal a hidden message.
    attachment: Mapped[dict[str, Any] | None]
