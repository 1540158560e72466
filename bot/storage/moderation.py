"""Moderation storage: a chat's settings, its case log, warnings, appeals, pending captchas
and members' join times.

A case's number is the chat's highest plus one, computed inside its INSERT; a unique
key on (platform, chat, number) guarantees two workers never store the same number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, literal, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Address
from bot.moderation.durations import DurationError, parse_duration
from bot.roles import Role
from bot.storage.db import BufferedSession
from bot.storage.models import (
    ChatModeration,
    ConversationState,
    MemberJoin,
    ModerationAppeal,
    ModerationCase,
    ModerationWarning,
    PendingCaptcha,
    StaffRole,
)
from bot.storage.sql import dialect_insert

REASON_LIMIT = 1000  # characters of a case's reason that are kept
EVIDENCE_LIMIT = 500  # characters of the (masked) offending message that are kept


def _cut(text: str | None, limit: int) -> str | None:
    """The first `limit` characters, None for no text."""
    return text[:limit] if text else None


@dataclass(frozen=True, slots=True)
class Violator:
    active_warnings: int
    moderator: bool
    wrote_privately: bool
    next_case: int


class ModerationRepo:
    """Moderation's queries. Within one transaction it remembers, per chat, the next case
    number and, per member, the active warnings and the other facts `violator` returns,
    so a batch's rule-breakers are read in one query (`prefetch_violators`) and the cases
    and warnings it writes keep those figures right without reading again."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._next_case: dict[tuple[str, str], int] = {}
        self._warnings: dict[tuple[str, str, str], int] = {}
        self._people: dict[
            str, tuple[bool, bool]
        ] = {}  # person key -> (moderator, wrote privately)

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
            "platform": address.platform,
            "chat_id": address.chat_id,
            "policy": {},
            "dry_run": False,
            "log_chat": None,
            "rules_text": None,
            "captcha": False,
            "captcha_seconds": 300,
            "version": 1,
            **values,
        }
        table = ChatModeration.__table__
        statement = dialect_insert(self._session, table).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "chat_id"],
            set_={**values, "version": table.c.version + 1},
        ).returning(table.c.version)
        return int((await self._session.execute(statement)).scalar_one())

    # ---- cases -----------------------------------------------------------------------------

    async def add_case(
        self, address: Address, now: datetime, number: int | None = None, **fields: Any
    ) -> ModerationCase:
        """Store a case numbered `number` (else the chat's next); returns it, detached, without id.

        The row is buffered, like transcript lines: a busy group's cases of one batch go in
        one executemany, and any later read in the transaction sees them (the buffer is
        written before every statement). Callers that know the next number from
        `violator` save the read. Reasons and evidence are cut to REASON_LIMIT and
        EVIDENCE_LIMIT characters: a case is a log line, not an archive of the chat.
        """
        chat = (address.platform, address.chat_id)
        if number is None:
            number = self._next_case.get(chat)
        if number is None:
            number = int(
                (await self._session.execute(select(self._next_number(address)))).scalar_one()
            )
        self._next_case[chat] = max(self._next_case.get(chat, 0), number + 1)
        values: dict[str, Any] = {
            "thread_id": address.thread_id,
            "dry_run": False,
            "parent_number": None,
            "rule": None,
            "message_id": None,
            "ends_at": None,
            "user_name": None,
            "revoked_at": None,
            "revoked_by": None,
            **fields,
            "reason": _cut(fields.get("reason"), REASON_LIMIT),
            "evidence": _cut(fields.get("evidence"), EVIDENCE_LIMIT),
            "platform": address.platform,
            "chat_id": address.chat_id,
            "number": number,
            "created_at": now,
            "appeal_state": "none",
        }
        sync_session = self._session.sync_session
        assert isinstance(sync_session, BufferedSession)
        sync_session.buffer_insert(cast(Table, ModerationCase.__table__), values)
        return ModerationCase(**values)

    @staticmethod
    def _next_number(address: Address) -> Any:
        """The chat's next case number, computed inside the INSERT (one round trip).

        Two PostgreSQL workers numbering the same chat at the same instant collide on the
        unique (platform, chat, number) key; the loser's transaction fails and the core
        handles its event again, when the winner's number is visible. SQLite serialises
        writers, so it never happens there.
        """
        return (
            select(func.coalesce(func.max(ModerationCase.number), 0) + 1)
            .where(
                ModerationCase.platform == address.platform,
                ModerationCase.chat_id == address.chat_id,
            )
            .scalar_subquery()
        )

    async def violator(self, address: Address, person_key: str, now: datetime) -> Violator:
        """What acting on a rule-breaker needs to know: their active warnings here, whether
        they hold a moderating role, whether they ever wrote to the bot privately (so a
        private notice can reach them on Telegram), the chat's next case number. From what
        this transaction already knows, else in one round trip."""
        chat = (address.platform, address.chat_id)
        known = self._people.get(person_key)
        warnings_key = (*chat, person_key)
        if known is not None and chat in self._next_case and warnings_key in self._warnings:
            return Violator(self._warnings[warnings_key], known[0], known[1], self._next_case[chat])
        facts = await self._read_violator(address, person_key, now)
        self._people[person_key] = (facts.moderator, facts.wrote_privately)
        self._warnings[warnings_key] = facts.active_warnings
        self._next_case[chat] = facts.next_case
        return facts

    async def prefetch_violators(self, wanted: list[tuple[Address, str]], now: datetime) -> None:
        """Read `violator` facts for these (chat, person key) pairs in one statement."""
        wanted = [(a, k) for a, k in wanted if (a.platform, a.chat_id, k) not in self._warnings]
        if not wanted:
            return
        chats = {(a.platform, a.chat_id) for a, _ in wanted}
        people = {k for _, k in wanted}
        w = ModerationWarning
        warnings = (
            select(literal("w"), w.platform, w.chat_id, w.user_key, func.count())
            .where(
                or_(
                    *[
                        (w.platform == a.platform) & (w.chat_id == a.chat_id) & (w.user_key == k)
                        for a, k in wanted
                    ]
                ),
                w.revoked_at.is_(None),
                or_(w.expires_at.is_(None), w.expires_at > now),
            )
            .group_by(w.platform, w.chat_id, w.user_key)
        )
        roles = (
            select(literal("r"), StaffRole.platform, StaffRole.user_id, literal(""), func.count())
            .where(
                or_(
                    *[
                        (StaffRole.platform == k.partition(":")[0])
                        & (StaffRole.user_id == k.partition(":")[2])
                        for k in people
                    ]
                ),
                StaffRole.role.in_([Role.OWNER.value, Role.SUPERVISOR.value, Role.MODERATOR.value]),
            )
            .group_by(StaffRole.platform, StaffRole.user_id)
        )
        private = select(
            literal("p"), ConversationState.chat_key, literal(""), literal(""), literal(1)
        ).where(ConversationState.chat_key.in_(people))
        c = ModerationCase
        numbers = (
            select(literal("n"), c.platform, c.chat_id, literal(""), func.max(c.number))
            .where(or_(*[(c.platform == p) & (c.chat_id == i) for p, i in chats]))
            .group_by(c.platform, c.chat_id)
        )
        rows = (await self._session.execute(union_all(warnings, roles, private, numbers))).all()
        counts: dict[tuple[str, str, str], int] = {}
        moderators: set[str] = set()
        writers: set[str] = set()
        highest: dict[tuple[str, str], int] = {}
        for kind, first, second, third, value in rows:
            if kind == "w":
                counts[(first, second, third)] = int(value)
            elif kind == "r":
                moderators.add(f"{first}:{second}")
            elif kind == "p":
                writers.add(first)
            else:
                highest[(first, second)] = int(value or 0)
        for address, key in wanted:
            chat = (address.platform, address.chat_id)
            self._warnings[(*chat, key)] = counts.get((*chat, key), 0)
            self._people[key] = (key in moderators, key in writers)
            self._next_case.setdefault(chat, highest.get(chat, 0) + 1)

    async def _read_violator(self, address: Address, person_key: str, now: datetime) -> Violator:
        platform, _, user_id = person_key.partition(":")
        warnings = (
            select(func.count())
            .select_from(ModerationWarning)
            .where(*self._active(address, person_key, now))
        )
        roles = (
            select(func.count())
            .select_from(StaffRole)
            .where(
                StaffRole.platform == platform,
                StaffRole.user_id == user_id,
                StaffRole.role.in_([Role.OWNER.value, Role.SUPERVISOR.value, Role.MODERATOR.value]),
            )
        )
        private = (
            select(func.count())
            .select_from(ConversationState)
            .where(ConversationState.chat_key == f"{platform}:{user_id}")
        )
        row = (
            await self._session.execute(
                select(
                    warnings.scalar_subquery(),
                    roles.scalar_subquery(),
                    private.scalar_subquery(),
                    self._next_number(address),
                )
            )
        ).one()
        return Violator(int(row[0]), bool(row[1]), bool(row[2]), int(row[3]))

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

    async def cases_of(
        self, address: Address, user_key: str, limit: int = 20
    ) -> list[ModerationCase]:
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

    async def cases_for_appeal(
        self, platform: str, user_key: str, number: int
    ) -> list[ModerationCase]:
        """The member's cases numbered `number` in any chat of the platform."""
        rows = await self._session.execute(
            select(ModerationCase).where(
                ModerationCase.platform == platform,
                ModerationCase.user_key == user_key,
                ModerationCase.number == number,
            )
        )
        return list(rows.scalars())

    async def children(self, case: ModerationCase) -> list[ModerationCase]:
        """Ladder sanctions that a warning case brought."""
        rows = await self._session.execute(
            select(ModerationCase).where(
                ModerationCase.platform == case.platform,
                ModerationCase.chat_id == case.chat_id,
                ModerationCase.parent_number == case.number,
            )
        )
        return list(rows.scalars())

    async def chats_logging_to(self, platform: str, chat_id: str) -> list[tuple[str, str]]:
        """Chats whose log channel is this chat (`-100123` or `telegram:-100123`)."""
        rows = await self._session.execute(
            select(ChatModeration.platform, ChatModeration.chat_id).where(
                ChatModeration.log_chat.in_([chat_id, f"{platform}:{chat_id}"])
            )
        )
        return [(row[0], row[1]) for row in rows]

    async def open_appeals_in(
        self, chats: list[tuple[str, str]], limit: int = 20
    ) -> list[tuple[ModerationAppeal, ModerationCase]]:
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
        await self._session.execute(
            update(ModerationCase)
            .where(ModerationCase.id == case.id)
            .values(revoked_at=now, revoked_by=by)
        )
        case.revoked_at = now
        case.revoked_by = by

    async def latest_active(
        self, address: Address, user_key: str, kind: str
    ) -> ModerationCase | None:
        """The member's newest unrevoked `kind` case (`mute`, also `mute 1h`), closed on /unmute."""
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
        self,
        address: Address,
        user_key: str,
        case_number: int,
        now: datetime,
        expires_at: datetime | None,
    ) -> None:
        """Buffered: written with the next statement or at commit (one executemany per batch)."""
        key = (address.platform, address.chat_id, user_key)
        if key in self._warnings:
            self._warnings[key] += 1
        sync_session = self._session.sync_session
        assert isinstance(sync_session, BufferedSession)
        sync_session.buffer_insert(
            cast(Table, ModerationWarning.__table__),
            {
                "platform": address.platform,
                "chat_id": address.chat_id,
                "user_key": user_key,
                "case_number": case_number,
                "given_at": now,
                "expires_at": expires_at,
                "revoked_at": None,
            },
        )

    def _active(self, address: Address, user_key: str, now: datetime) -> Any:
        return (
            ModerationWarning.platform == address.platform,
            ModerationWarning.chat_id == address.chat_id,
            ModerationWarning.user_key == user_key,
            ModerationWarning.revoked_at.is_(None),
            (ModerationWarning.expires_at.is_(None)) | (ModerationWarning.expires_at > now),
        )

    async def active_warnings(self, address: Address, user_key: str, now: datetime) -> int:
        known = self._warnings.get((address.platform, address.chat_id, user_key))
        if known is not None:
            return known
        query = (
            select(func.count())
            .select_from(ModerationWarning)
            .where(*self._active(address, user_key, now))
        )
        return int((await self._session.execute(query)).scalar_one())

    async def revoke_latest_warning(
        self, address: Address, user_key: str, now: datetime
    ) -> int | None:
        """Revoke the newest active warning; returns the number of its case, None if none."""
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
        self._warnings.pop((address.platform, address.chat_id, user_key), None)
        warning.revoked_at = now
        await self._session.flush()
        return warning.case_number

    async def revoke_warnings_of_case(self, case: ModerationCase, now: datetime) -> None:
        self._warnings.pop((case.platform, case.chat_id, case.user_key), None)
        await self._session.execute(
            update(ModerationWarning)
            .where(
                ModerationWarning.platform == case.platform,
                ModerationWarning.chat_id == case.chat_id,
                ModerationWarning.case_number == case.number,
                ModerationWarning.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )

    # ---- appeals ---------------------------------------------------------------------------

    async def appeal_of(self, case_id: int) -> ModerationAppeal | None:
        return (
            await self._session.execute(
                select(ModerationAppeal).where(ModerationAppeal.case_id == case_id)
            )
        ).scalar_one_or_none()

    async def open_appeal(
        self, case: ModerationCase, user_key: str, text: str, now: datetime
    ) -> ModerationAppeal:
        appeal = ModerationAppeal(
            case_id=case.id, user_key=user_key, state="open", text=text or None, created_at=now
        )
        self._session.add(appeal)
        case.appeal_state = "open"
        await self._session.flush()
        return appeal

    async def decide_appeal(
        self,
        appeal: ModerationAppeal,
        case: ModerationCase,
        state: str,
        by: str,
        reason: str,
        now: datetime,
    ) -> None:
        appeal.state = state
        appeal.decided_by = by
        appeal.decided_at = now
        appeal.reason = reason or None
        case.appeal_state = state
        await self._session.flush()

    # ---- captchas --------------------------------------------------------------------------

    async def _put_member_row(
        self,
        model: type[PendingCaptcha] | type[MemberJoin],
        address: Address,
        user_id: str,
        **fields: object,
    ) -> None:
        """Insert the member's row of `model` (keyed by platform, chat and user), or overwrite
        `fields` on the one already there: a new captcha or a rejoin replaces the earlier."""
        statement = dialect_insert(self._session, model).values(
            platform=address.platform, chat_id=address.chat_id, user_id=user_id, **fields
        )
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "chat_id", "user_id"], set_=fields
        )
        await self._session.execute(statement)

    async def add_captcha(
        self, address: Address, user_id: str, now: datetime, due_at: datetime
    ) -> None:
        await self._put_member_row(
            PendingCaptcha, address, user_id, prompt_message_id=None, created_at=now, due_at=due_at
        )

    async def captcha(self, address: Address, user_id: str) -> PendingCaptcha | None:
        return await self._session.get(PendingCaptcha, (address.platform, address.chat_id, user_id))

    async def remove_captcha(self, captcha: PendingCaptcha) -> None:
        await self._session.delete(captcha)
        await self._session.flush()

    # ---- join times ------------------------------------------------------------------------

    async def note_join(
        self, address: Address, user_id: str, joined_at: datetime, now: datetime
    ) -> None:
        """Store when `user_id` joined the chat (a rejoin replaces the earlier time)."""
        await self._put_member_row(MemberJoin, address, user_id, joined_at=joined_at, noted_at=now)

    async def joins_noted_since(
        self, since: datetime | None
    ) -> list[tuple[str, str, str, datetime]]:
        """(platform, chat id, user id, joined at) of the joins any worker stored at or after
        `since` (every stored join for None: the table holds only recent ones)."""
        j = MemberJoin
        query = select(j.platform, j.chat_id, j.user_id, j.joined_at)
        if since is not None:
            query = query.where(j.noted_at >= since)
        rows = await self._session.execute(query)
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    async def prune_joins(self, address: Address, cutoff: datetime) -> datetime | None:
        """Forget the chat's joins at or before `cutoff`; the oldest join left, if any."""
        where = (MemberJoin.platform == address.platform, MemberJoin.chat_id == address.chat_id)
        await self._session.execute(delete(MemberJoin).where(*where, MemberJoin.joined_at <= cutoff))
        oldest: datetime | None = (
            await self._session.execute(select(func.min(MemberJoin.joined_at)).where(*where))
        ).scalar_one_or_none()
        return oldest


def _seconds(value: Any) -> int:
    if not value:
        return 300
    try:
        return int(parse_duration(str(value)).total_seconds())
    except DurationError:
        return 300
