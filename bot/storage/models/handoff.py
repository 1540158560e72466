"""Tables of the human handoff: tickets, their history, staff-chat messages, agent availability."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class Ticket(Base):
    """A customer's conversation with humans, from the first trigger to the CSAT answer.

    `customer_*` say where the customer is (any platform); `staff_*` where agents work
    on it (a topic/thread of the staff chat, or a card in it when `workspace` is
    `card`). `card_mark` is the last transcript line the card showed, so messages
    that arrive before the topic exists can be posted into it afterwards.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_staff_thread", "staff_platform", "staff_chat_id", "staff_thread_id"),
        Index("ix_tickets_customer_status", "customer_key", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_key: Mapped[str] = mapped_column(String(160))
    customer_platform: Mapped[str] = mapped_column(String(32))
    customer_chat_id: Mapped[str] = mapped_column(String(128))
    customer_name: Mapped[str | None] = mapped_column(String(255))
    customer_username: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(160))
    team: Mapped[str | None] = mapped_column(String(64))
    assignee_key: Mapped[str | None] = mapped_column(String(160), index=True)
    staff_platform: Mapped[str] = mapped_column(String(32))
    staff_chat_id: Mapped[str] = mapped_column(String(128))
    staff_thread_id: Mapped[str | None] = mapped_column(String(128))
    workspace: Mapped[str] = mapped_column(String(8))  # "topic" | "card"
    card_message_id: Mapped[str | None] = mapped_column(String(128))
    card_mark: Mapped[int | None] = mapped_column(BigId)
    opened_at: Mapped[datetime] = mapped_column(index=True)
    assigned_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    reopened_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    close_reason: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(160))
    sla_due_at: Mapped[datetime | None]
    sla_breached_at: Mapped[datetime | None]
    csat_score: Mapped[int | None] = mapped_column(Integer)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    csat_asked_at: Mapped[datetime | None]
    csat_answered_at: Mapped[datetime | None]
    csat_comment_until: Mapped[datetime | None]
    # A supervisor paused the customer (abuse): their messages are kept but not relayed until then.
    blocked_until: Mapped[datetime | None]
    blocked_by: Mapped[str | None] = mapped_column(String(160))
    updated_at: Mapped[datetime]


class TicketEvent(Base):
    """One step in a ticket's life (opened, taken, transferred, closed, a note, ...), with who and when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigId, index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_key: Mapped[str | None] = mapped_column(String(160))
    detail: Mapped[str | None] = mapped_column(
        Text
    )  # masked: a note, a close reason, a transfer target


class TicketRating(Base):
    """A CSAT answer: one row per rating, dated by the closing it rates, so a reopened and
    closed-again ticket keeps every rating its customer gave. Anonymous: erasure keeps it."""

    __tablename__ = "ticket_ratings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigId, index=True)
    closed_at: Mapped[datetime] = mapped_column(index=True)
    score: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]


class StaffMessage(Base):
    """A message the bot posted in the staff chat about a ticket, so a reply to it reaches that ticket."""

    __tablename__ = "ticket_staff_messages"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigId, index=True)
    at: Mapped[datetime]


class AgentStatusChange(Base):
    """An agent went online, away or offline; the latest row is their status, all rows their hours."""

    __tablename__ = "agent_status"
    __table_args__ = (Index("ix_agent_status_person_at", "person_key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_key: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(index=True)
