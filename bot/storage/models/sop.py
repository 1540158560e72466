"""Tables of the SOP improvement loop: questions the SOP missed, and answers proposed for it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class SopGap(Base):
    """A question customers asked that ended without an SOP answer, counted by its fingerprint."""

    __tablename__ = "sop_gaps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(255), unique=True)
    example: Mapped[str] = mapped_column(Text)  # personal data masked
    language: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_outcome: Mapped[str] = mapped_column(String(32))
    first_at: Mapped[datetime]
    last_at: Mapped[datetime] = mapped_column(index=True)
    resolved_by: Mapped[int | None]  # the approved draft that answers it


class SopDraft(Base):
    """An answer an agent proposed: a new entry, or a new paraphrase of an existing one.

    Pending until a supervisor approves (it answers customers at once), edits or rejects it.
    """

    __tablename__ = "sop_drafts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "entry" | "paraphrase"
    entry_id: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(255))
    questions: Mapped[dict[str, Any]]  # language -> [question, ...]
    answers: Mapped[dict[str, Any]]  # language -> answer
    gap_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    proposed_by: Mapped[str] = mapped_column(String(160))
    proposed_at: Mapped[datetime]
    reviewed_by: Mapped[str | None] = mapped_column(String(160))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)


class SharedState(Base):
    """Small shared values workers watch, e.g. the SOP generation that tells them to reload."""

    __tablename__ = "shared_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
