"""Tables every capability relies on: dedupe, outbox, timers, chats, people, roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class ProcessedUpdate(Base):
    """One row per platform update handled, so a redelivered update is skipped."""

    __tablename__ = "processed_updates"

    update_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(index=True)


class OutboxItem(Base):
    """An action waiting for (or done with) delivery; written with the state change that caused it.

    `key` is the idempotency key (`<update id>#<index>`): the same update can never
    enqueue the same action twice. Status moves pending → sending → sent | failed
    (or skipped, for an action the platform cannot do at all).

    `claimed_by` names the sender process holding the lease (`host:pid`);
    `attempt_started_at` is set, in its own commit, just before a platform call and
    cleared when its outcome is recorded: a row leased by a sender that died with it
    set is "ambiguous" (the platform may have taken the message), and is confirmed
    with the platform, where it can tell, before it is sent again.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "platform", "next_attempt_at"),
        Index("ix_outbox_chat_order", "platform", "chat_id", "status", "id"),
        Index("ix_outbox_result", "platform", "result"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    platform: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Why a failed (or skipped) row failed: a `DeliveryFailed.reason` code, for staff and replays.
    failure_reason: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[str | None] = mapped_column(String(255))
    # Sent, but the core has not yet heard the result (a new thread's id): replayed after a crash.
    unreported: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    attempt_started_at: Mapped[datetime | None]
    # Written with `attempt_started_at`: the highest message id then known in the chat (`ChatMessageId`),
    # where a platform numbers a chat's messages in one sequence (Telegram). A send whose answer a crash
    # lost landed above it, so it can be looked for there before it is sent again.
    probe_after: Mapped[int | None] = mapped_column(BigInteger)


class ChatMessageId(Base):
    """A message id seen in a chat whose messages are numbered in one sequence for everyone (Telegram).

    Ours carry the outbox row that sent them; everyone else's (customers, staff, other bots)
    carry none. They bound where a send lost in a crash can be (above the highest id known
    when its attempt began) and which ids there are certainly not it. Only numbers: no text.
    """

    __tablename__ = "chat_message_ids"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class Timer(Base):
    """Something a handler wants to happen later (unmute, SLA check); fired once by the sweep."""

    __tablename__ = "timers"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    platform: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    due_at: Mapped[datetime] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]]
    fired_at: Mapped[datetime | None]


class Chat(Base):
    """A chat the bot is in, with per-chat settings (moderation policy, rules text, ...)."""

    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(255))
    settings: Mapped[dict[str, Any]]
    migrated_to: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PersonRecord(Base):
    """Someone the bot has met. Erasure deletes the row (its `user_id` may be a phone number);
    `erased_at` is no longer set and waits for a migration to drop it."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(16))
    preferred_language: Mapped[str | None] = mapped_column(String(8))
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    erased_at: Mapped[datetime | None]


class StaffRole(Base):
    """A role held by a person: owner, supervisor, agent or moderator."""

    __tablename__ = "staff_roles"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_by: Mapped[str | None] = mapped_column(String(160))
    granted_at: Mapped[datetime]
