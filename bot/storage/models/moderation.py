"""Tables of group moderation: each chat's settings, the case log, warnings, appeals, captchas.

One case log for every act, automatic or by hand (a warn from the word filter and a
ban typed by an admin are both cases), numbered per chat, so a member's history is
one query and `/case 12` means the same thing to everyone in that chat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class ChatModeration(Base):
    """A chat's moderation settings.

    `policy` is `bot.moderation.policy.to_dict` (the source of truth for every rule);
    `dry_run`, `log_chat`, `captcha` and `captcha_seconds` repeat the policy's values so
    operators can query them. `version` grows on every change: workers compare it to
    their cached copy.
    """

    __tablename__ = "moderation_settings"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    policy: Mapped[dict[str, Any]]
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    log_chat: Mapped[str | None] = mapped_column(String(160))
    rules_text: Mapped[str | None] = mapped_column(Text)
    captcha: Mapped[bool] = mapped_column(Boolean, default=False)
    captcha_seconds: Mapped[int] = mapped_column(Integer, default=300)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(160))


class ModerationCase(Base):
    """One moderation act: who, by whom ("auto" for the rules), why, what was done, until when.

    `evidence` is masked (cards, phones, e-mails, NIK). `appeal_state` is none, open,
    accepted or rejected; a ladder sanction points at the warning case that caused it
    (`parent_number`), so accepting an appeal undoes both. `revoked_at` is set when the
    act was undone (unban, an accepted appeal, an unwarn).
    """

    __tablename__ = "moderation_cases"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", "number"),
        Index("ix_moderation_cases_user", "platform", "chat_id", "user_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    number: Mapped[int] = mapped_column(Integer)
    parent_number: Mapped[int | None] = mapped_column(
        Integer
    )  # the warning case a ladder step came from
    user_key: Mapped[str] = mapped_column(String(160))
    user_name: Mapped[str | None] = mapped_column(String(255))
    moderator_key: Mapped[str] = mapped_column(String(160))
    rule: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(64))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(160))
    appeal_state: Mapped[str] = mapped_column(String(16), default="none")


class ModerationWarning(Base):
    """A warning; it counts toward the ladder until `expires_at` unless revoked."""

    __tablename__ = "moderation_warnings"
    __table_args__ = (Index("ix_moderation_warnings_user", "platform", "chat_id", "user_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    user_key: Mapped[str] = mapped_column(String(160))
    case_number: Mapped[int] = mapped_column(Integer)  # the warning's case, in the same chat
    given_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ModerationAppeal(Base):
    """A member's appeal against a case: open until a moderator accepts or rejects it."""

    __tablename__ = "moderation_appeals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, unique=True)
    user_key: Mapped[str] = mapped_column(String(160), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # open | accepted | rejected
    text: Mapped[str | None] = mapped_column(Text)  # what the member wrote, masked
    reason: Mapped[str | None] = mapped_column(Text)  # the moderator's reason for the decision
    decided_by: Mapped[str | None] = mapped_column(String(160))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PendingCaptcha(Base):
    """A new member who has not yet pressed "I'm human"; kicked when `due_at` passes."""

    __tablename__ = "moderation_captchas"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    prompt_message_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]


class MemberJoin(Base):
    """When a member last joined a chat: the newcomer-links rule's input, shared by workers.

    In the database, not in a process's memory, so a restart or another worker behind
    the same bot still knows who is new. Only joins within the chat's newcomer window
    matter, so a timer per chat prunes older rows (`bot.groupmod.joins`). `joined_at`
    is the platform's time of the join (what the rule compares with a message's time);
    `noted_at` is the storing worker's clock, by which every worker asks for the joins
    stored since it last looked.
    """

    __tablename__ = "moderation_member_joins"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    joined_at: Mapped[datetime]
    noted_at: Mapped[datetime] = mapped_column(index=True)
