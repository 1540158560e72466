"""Moderation storage: a chat's settings, its case log, warnings, appeals and pending captchas.

Case numbers come from the chat's settings row (`last_case`, incremented by an upsert
in the same transaction as the case), so two workers never hand out the same number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Address
from bot.moderation.durations import DurationError, parse_duration
from bot.storage.models import (
    ChatModeration,
    ModerationAppeal,
    ModerationCase,
    ModerationWarning,
    PendingCaptcha,
)
from bot.storage.sql import dialect_insert


class ModerationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # ---- settings --------------------------------------------------------------------------

    async def settings(self, address: Address) -> ChatModeration | None:
        return await self._session.get(ChatModeration, (address.platform, address.chat_id))

    async def settings_version(self, address: Address) -> int:
        """The chat's settings version (0 when it never changed): a cheap check for caches."""
        version = (
            await self._session.execute(
                select(ChatModeration.version).where(
                    ChatModeration.platform == address.platform,
                    ChatModeration.chat_id == address.chat_id,
                )
            )
        ).scalar_one_or_none()
        return int(version or 0)

    async def save_settings(
        self,
        address: Address,
        now: datetime,
        by: str | None,
        *,
        policy: dict[str, Any] | None = None,
        rules_text: str | None = None,
        clear_rules: bool = False,
    ) -> int:
        """Store the chat's policy and/or rules text; returns the new settings version."""
        values: dict[str, Any] = {"updated_at": now, "updated_by": by}
        if policy is not None:
            values.update(
                policy=policy,
                dry_run=bool(policy.get("dry_run", False)),
                log_chat=policy.get("log_chat"),
                captcha=bool(policy.get("captcha", False)),
                captcha_seconds=_seconds(policy.get("captcha_timeout")),
            )
        if rules_text is not None or clear_rules:
            values["rules_text"] = rules_text
        row = {
            "platform": address.platform, "chat_id": address.chat_id, "policy": {},
            "dry_run": False, "log_chat": None, "rules_text": None, "captcha": False,
            "captcha_seconds": 300, "version": 1, "last_case": 0, **values,
        }  # fmt: skip
        table = ChatModeration.__table__
        statement = dialect_insert(self._session, table).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "chat_id"],
            set_={**values, "version": table.c.version + 1},
        ).returning(table.c.version)
        return int((await self._session.execute(statement)).scalar_one())

    async def next_case_number(self, address: Address, now: datetime) -> int:
        table = ChatModeration.__table__
        statement = dialect_insert(self._session, table).values(
            platform=address.platform, chat_id=address.chat_id, policy={}, dry_run=False,
            log_chat=None, rules_text=None, captcha=False, captcha_seconds=300, version=0,
            last_case=1, updated_at=now, updated_by=None,
        )  # fmt: skip
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "chat_id"], set_={"last_case": table.c.last_case + 1}
        ).returning(table.c.last_case)
        return int((await self._session.execute(statement)).scalar_one())

    # ---- cases -----------------------------------------------------------------------------

    async def add_case(self, address: Address, now: datetime, **fields: Any) -> ModerationCase:
        number = await self.next_case_number(address, now)
        values: dict[str, Any] = {"thread_id": address.thread_id, "dry_run": False, **fields}
        case = ModerationCase(
            platform=address.platform,
            chat_id=address.chat_id,
            number=number,
            created_at=now,
            appeal_state="none",
            **values,
        )
        self._session.add(case)
        await self._session.flush()
        return case

    async def case(self, address: Address, number: int) -> ModerationCase | None:
        return (
            await self._session.execute(
                select(ModerationCase).where(
                    ModerationCase.platform == address.platform,
                    ModerationCase.chat_id == address.chat_id,
                    ModerationCase.number == number,
                )
            )
        ).scalar_one_or_none()

    async def case_by_id(self, case_id: int) -> ModerationCase | None:
        return await self._session.get(ModerationCase, case_id)

    async def cases_of(self, address: Address, user_key: str, limit: int = 20) -> list[ModerationCase]:
        rows = await self._session.execute(
            select(ModerationCase)
            .where(
                ModerationCase.platform == address.platform,
                ModerationCase.chat_id == address.chat_id,
                ModerationCase.user_key == user_key,
            )
            .order_by(ModerationCase.number.desc())
            .limit(limit)
        )
        return list(rows.scalars())

    async def cases_for_appeal(self, platform: str, user_key: str, number: int) -> list[ModerationCase]:
        """The member's cases numbered `number` in any chat of the platform (an appeal names only a number)."""
        rows = await self._session.execute(
            select(ModerationCase).where(
                ModerationCase.platform == platform,
                ModerationCase.user_key == user_key,
                ModerationCase.number == number,
            )
        )
        return list(rows.scalars())

    async def children(self, case_id: int) -> list[ModerationCase]:
        """Ladder sanctions that a warning case brought."""
        rows = await self._session.execute(select(ModerationCase).where(ModerationCase.parent_id == case_id))
        return list(rows.scalars())

    async def chats_logging_to(self, platform: str, chat_id: str) -> list[tuple[str, str]]:
        """Chats whose log channel is this chat (`-100123` or `telegram:-100123`)."""
        rows = await self._session.execute(
            select(ChatModeration.platform, ChatModeration.chat_id).where(
                ChatModeration.log_chat.in_([chat_id, f"{platform}:{chat_id}"])
            )
        )
        return [(row[0], row[1]) for row in rows]

    async def open_appeals_in(self, chats: list[tuple[str, str]], limit: int = 20) -> list[tuple[ModerationAppeal, ModerationCase]]:
        """Open appeals on cases of these chats, oldest first."""
        if not chats:
            return []
        wanted = [(ModerationCase.platform == p) & (ModerationCase.chat_id == c) for p, c in chats]
        condition = wanted[0]
        for more in wanted[1:]:
            condition = condition | more
        rows = await self._session.execute(
            select(ModerationAppeal, ModerationCase)
            .join(ModerationCase, ModerationCase.id == ModerationAppeal.case_id)
            .where(ModerationAppeal.state == "open", condition)
            .order_by(ModerationAppeal.created_at)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in rows]

    async def appeal(self, appeal_id: int) -> ModerationAppeal | None:
        return await self._session.get(ModerationAppeal, appeal_id)

    async def revoke_case(self, case: ModerationCase, now: datetime, by: str) -> None:
        case.revoked_at = now
        case.revoked_by = by
        await self._session.flush()

    async def latest_active(self, address: Address, user_key: str, kind: str) -> ModerationCase | None:
        """The member's newest unrevoked `kind` case (`mute`, also `mute 1h`), to close it on /unmute."""
        return (
            await self._session.execute(
                select(ModerationCase)
                .where(
                    ModerationCase.platform == address.platform,
                    ModerationCase.chat_id == address.chat_id,
                    ModerationCase.user_key == user_key,
                    (ModerationCase.action == kind) | ModerationCase.action.like(f"{kind} %"),
                    ModerationCase.revoked_at.is_(None),
                    ModerationCase.dry_run.is_(False),
                )
                .order_by(ModerationCase.number.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    # ---- warnings --------------------------------------------------------------------------

    async def add_warning(
        self, address: Address, user_key: str, case_id: int, now: datetime, expires_at: datetime | None
    ) -> None:
        self._session.add(
            ModerationWarning(
                platform=address.platform, chat_id=address.chat_id, user_key=user_key,
                case_id=case_id, given_at=now, expires_at=expires_at, revoked_at=None,
            )  # fmt: skip
        )
        await self._session.flush()

    def _active(self, address: Address, user_key: str, now: datetime) -> Any:
        return (
            ModerationWarning.platform == address.platform,
            ModerationWarning.chat_id == address.chat_id,
            ModerationWarning.user_key == user_key,
            ModerationWarning.revoked_at.is_(None),
            (ModerationWarning.expires_at.is_(None)) | (ModerationWarning.expires_at > now),
        )

    async def active_warnings(self, address: Address, user_key: str, now: datetime) -> int:
        query = select(func.count()).select_from(ModerationWarning).where(*self._active(address, user_key, now))
        return int((await self._session.execute(query)).scalar_one())

    async def revoke_latest_warning(self, address: Address, user_key: str, now: datetime) -> int | None:
        """Revoke the newest active warning; returns the case id it belonged to, None if none."""
        warning = (
            await self._session.execute(
                select(ModerationWarning)
                .where(*self._active(address, user_key, now))
                .order_by(ModerationWarning.given_at.desc(), ModerationWarning.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if warning is None:
            return None
        warning.revoked_at = now
        await self._session.flush()
        return warning.case_id

    async def revoke_warnings_of_case(self, case_id: int, now: datetime) -> None:
        await self._session.execute(
            update(ModerationWarning)
            .where(ModerationWarning.case_id == case_id, ModerationWarning.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # ---- appeals ---------------------------------------------------------------------------

    async def appeal_of(self, case_id: int) -> ModerationAppeal | None:
        return (
            await self._session.execute(select(ModerationAppeal).where(ModerationAppeal.case_id == case_id))
        ).scalar_one_or_none()

    async def open_appeal(self, case: ModerationCase, user_key: str, text: str, now: datetime) -> ModerationAppeal:
        appeal = ModerationAppeal(
            case_id=case.id, user_key=user_key, state="open", text=text or None, created_at=now
        )
        self._session.add(appeal)
        case.appeal_state = "open"
        await self._session.flush()
        return appeal

    async def decide_appeal(
        self, appeal: ModerationAppeal, case: ModerationCase, state: str, by: str, reason: str, now: datetime
    ) -> None:
        appeal.state = state
        appeal.decided_by = by
        appeal.decided_at = now
        appeal.reason = reason or None
        case.appeal_state = state
        await self._session.flush()

    # ---- captchas --------------------------------------------------------------------------

    async def add_captcha(self, address: Address, user_id: str, now: datetime, due_at: datetime) -> None:
        values = {"platform": address.platform, "chat_id": address.chat_id, "user_id": user_id,
                  "prompt_message_id": None, "created_at": now, "due_at": due_at}  # fmt: skip
        statement = dialect_insert(self._session, PendingCaptcha).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "chat_id", "user_id"],
            set_={"prompt_message_id": None, "created_at": now, "due_at": due_at},
        )
        await self._session.execute(statement)

    async def captcha(self, address: Address, user_id: str) -> PendingCaptcha | None:
        return await self._session.get(PendingCaptcha, (address.platform, address.chat_id, user_id))

    async def remove_captcha(self, captcha: PendingCaptcha) -> None:
        await self._session.delete(captcha)
        await self._session.flush()


def _seconds(value: Any) -> int:
    if not value:
        return 300
    try:
        return int(parse_duration(str(value)).total_seconds())
    except DurationError:
        return 300
