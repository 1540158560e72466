"""The outbox: actions stored with the state change that caused them, then delivered.

Claiming is safe with many senders: PostgreSQL uses `FOR UPDATE SKIP LOCKED`, and
every claim is a conditional update, so a row is only ever leased to one sender.
Within one chat, delivery keeps the order the actions were created in: a row is not
claimed while an earlier row of its chat waits for a retry or is leased elsewhere.

A lease names its holder (`claimed_by`) and is renewed while the holder works, so
it can be short: a sender that died gives its rows up within one lease. Before each
platform call the row's `attempt_started_at` is committed; a row re-claimed with it
still set was in flight when its sender died.

A platform whose token was refused is paused here too (in `shared_state`, so every
worker sees it): its rows stay pending, nothing is dropped, until it is resumed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Executable, Update, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.actions import Action, from_record, to_record
from bot.storage.db import Database
from bot.storage.message_ids import highest_known, message_ids_insert
from bot.storage.models import OutboxItem, SharedState
from bot.storage.sql import dialect_insert, is_postgres, run_alone

PENDING, SENDING, SENT, FAILED, SKIPPED = "pending", "sending", "sent", "failed", "skipped"
_PAUSE = "outbox.paused:"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A leased row. `started_at` is set when an earlier call on it began and its outcome was
    never recorded (its sender died): the platform may already have the message."""

    id: int
    key: str
    action: Action
    attempts: int
    created_at: datetime | None = None
    started_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    """A platform's sending stopped because its token was refused; `probe_at`: when to try one row."""

    platform: str
    reason: str
    since: datetime
    probe_at: datetime
    alerted: bool


@dataclass(frozen=True, slots=True)
class UnreportedRow:
    """A finished row whose outcome the core has not heard yet (replayed after a crash)."""

    entry: OutboxEntry
    status: str
    result: str | None
    failure_reason: str | None
    error: str | None


class OutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, actions: Sequence[Action], key_prefix: str, now: datetime) -> None:
        await self.add_many([(key_prefix, actions)], now)

    async def add_many(self, batches: Sequence[tuple[str, Sequence[Action]]], now: datetime) -> None:
        """Store the actions of several updates in one statement; keys are `<update id>#<index>`."""
        rows = [
            {
                "key": f"{key_prefix}#{index}",
                "platform": action.address.platform,
                "chat_id": action.address.chat_id,
                "kind": action.kind,
                "payload": to_record(action),
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "unreported": False,
            }
            for key_prefix, actions in batches
            for index, action in enumerate(actions)
        ]
        if not rows:
            return
        statement = dialect_insert(self._session, OutboxItem.__table__).on_conflict_do_nothing(
            index_elements=["key"]
        )
        await self._session.execute(statement, rows)

    async def claim(
        self, platforms: Iterable[str], now: datetime, *, limit: int, lease: timedelta, worker: str = ""
    ) -> list[OutboxEntry]:
        """Lease up to `limit` due rows to `worker`, oldest first, in chat order."""
        platforms = list(platforms)
        if not platforms:
            return []
        earlier = aliased(OutboxItem)
        blocked_by_earlier = (
            select(earlier.id)
            .where(
                earlier.platform == OutboxItem.platform,
                earlier.chat_id == OutboxItem.chat_id,
                earlier.id < OutboxItem.id,
                or_(
                    and_(earlier.status == PENDING, earlier.next_attempt_at > now),
                    and_(earlier.status == SENDING, earlier.claimed_until >= now),
                ),
            )
            .exists()
        )
        due = or_(
            and_(OutboxItem.status == PENDING, OutboxItem.next_attempt_at <= now),
            and_(OutboxItem.status == SENDING, OutboxItem.claimed_until < now),
        )
        query = (
            select(OutboxItem.id)
            .where(OutboxItem.platform.in_(platforms), due, ~blocked_by_earlier)
            .order_by(OutboxItem.id)
            .limit(limit)
        )
        if is_postgres(self._session):
            query = query.with_for_update(skip_locked=True)
        ids = list((await self._session.execute(query)).scalars())
        claimed: list[OutboxEntry] = []
        for row_id in ids:
            result = await self._session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == row_id, due)
                .values(
                    status=SENDING,
                    claimed_until=now + lease,
                    claimed_by=worker or None,
                    attempts=OutboxItem.attempts + 1,
                )
                .returning(
                    OutboxItem.id, OutboxItem.key, OutboxItem.payload, OutboxItem.attempts,
                    OutboxItem.created_at, OutboxItem.attempt_started_at,
                )
            )
            row = result.first()
            if row is not None:
                claimed.append(OutboxEntry(row.id, row.key, from_record(row.payload), row.attempts,
                                           row.created_at, row.attempt_started_at))
        return claimed

    async def renew(self, row_ids: Iterable[int], worker: str, until: datetime) -> int:
        """Extend the leases `worker` still holds on these rows (it is alive and working on them)."""
        ids = list(row_ids)
        if not ids:
            return 0
        result = await self._session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(ids), OutboxItem.status == SENDING, OutboxItem.claimed_by == worker)
            .values(claimed_until=until)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def mark_started(self, row_id: int, now: datetime) -> None:
        """The platform call is about to be made: if this sender dies now, the outcome is unknown."""
        await self._session.execute(_started(row_id, now))

    async def mark_sent(
        self, row_id: int, now: datetime, result: str | None = None, *, unreported: bool = False,
        ours: SentIds | None = None,
    ) -> None:
        """Record the row sent; `ours` are the message ids it made (a chat's sequence, see `MessageIdRepo`)."""
        if ours is not None:
            statement = message_ids_insert(self._session.get_bind().dialect.name, *ours, now, row_id)
            if statement is not None:
                await self._session.execute(statement)
        await self._session.execute(_sent(row_id, now, result, unreported))

    async def mark_reported(self, row_id: int) -> None:
        await self._session.execute(
            update(OutboxItem).where(OutboxItem.id == row_id).values(unreported=False)
        )

    async def unreported(self, platforms: Iterable[str], limit: int = 100) -> list[UnreportedRow]:
        """Finished rows (sent, failed or skipped) whose outcome the core has not heard yet."""
        rows = await self._session.execute(
            select(OutboxItem)
            .where(OutboxItem.unreported.is_(True), OutboxItem.platform.in_(list(platforms)))
            .order_by(OutboxItem.id)
            .limit(limit)
        )
        return [
            UnreportedRow(
                OutboxEntry(row.id, row.key, from_record(row.payload), row.attempts),
                row.status,
                row.result,
                row.failure_reason,
                row.last_error,
            )
            for row in rows.scalars()
        ]

    async def retry_at(
        self, row_id: int, at: datetime, error: str, *, counted: bool = True, outcome_unknown: bool = False
    ) -> None:
        """Try again at `at`; an attempt the platform only asked us to slow down is not `counted`.
        `outcome_unknown` (no answer came back) keeps the attempt's start, so it is confirmed first."""
        values: dict[str, Any] = {
            "status": PENDING,
            "next_attempt_at": at,
            "claimed_until": None,
            "last_error": error[:2000],
        }
        if not outcome_unknown:
            values["attempt_started_at"] = None
        if not counted:
            values["attempts"] = OutboxItem.attempts - 1
        await self._session.execute(update(OutboxItem).where(OutboxItem.id == row_id).values(**values))

    async def defer(self, row_id: int, at: datetime) -> None:
        """Put a leased row back untried until `at` (our own rate limit said wait); no attempt is counted."""
        await self._session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == row_id, OutboxItem.status == SENDING)
            .values(
                status=PENDING,
                next_attempt_at=at,
                claimed_until=None,
                attempts=OutboxItem.attempts - 1,
            )
        )

    async def release(self, row_id: int) -> None:
        """Give a leased row back untried (an earlier row of its chat must go first)."""
        await self._session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == row_id, OutboxItem.status == SENDING)
            .values(status=PENDING, claimed_until=None, attempts=OutboxItem.attempts - 1)
        )

    async def fail(
        self,
        row_id: int,
        now: datetime,
        error: str,
        *,
        reason: str = "rejected",
        skipped: bool = False,
        unreported: bool = False,
    ) -> None:
        """Finish a row without success; `skipped` for what the platform cannot do at all."""
        await self._session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == row_id)
            .values(
                status=SKIPPED if skipped else FAILED,
                claimed_until=None,
                attempt_started_at=None,
                sent_at=None,
                last_error=error[:2000],
                failure_reason=reason,
                unreported=unreported,
            )
        )

    async def find_sent(self, platform: str, result: str) -> OutboxEntry | None:
        """The sent row whose platform message id is `result` (a WhatsApp wamid, say)."""
        row = (
            await self._session.execute(
                select(OutboxItem)
                .where(OutboxItem.platform == platform, OutboxItem.result == result)
                .order_by(OutboxItem.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        return OutboxEntry(row.id, row.key, from_record(row.payload), row.attempts)

    async def fail_after_sent(self, row_id: int, error: str, reason: str) -> bool:
        """The platform accepted a message and later reported it failed: record that for staff."""
        result = await self._session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == row_id, OutboxItem.status == SENT)
            .values(status=FAILED, last_error=error[:2000], failure_reason=reason)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def requeue(self, row_id: int, now: datetime) -> bool:
        """Try a failed or skipped row again from scratch (staff asked for it)."""
        result = await self._session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == row_id, OutboxItem.status.in_([FAILED, SKIPPED]))
            .values(
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                claimed_until=None,
                attempt_started_at=None,
                created_at=now,  # a fresh start: the "rate limited too long" bound counts from here
                failure_reason=None,
                unreported=False,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, row_id: int) -> OutboxItem | None:
        return await self._session.get(OutboxItem, row_id)

    async def counts(self) -> dict[str, int]:
        rows = await self._session.execute(
            select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
        )
        return {status: int(count) for status, count in rows.all()}

    async def failures(self, limit: int = 50, *, platform: str | None = None) -> list[OutboxItem]:
        """Failed and skipped rows, newest first, with the error kept for staff."""
        query = select(OutboxItem).where(OutboxItem.status.in_([FAILED, SKIPPED]))
        if platform is not None:
            query = query.where(OutboxItem.platform == platform)
        rows = await self._session.execute(
            query
            .order_by(OutboxItem.id.desc())
            .limit(limit)
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ paused platforms

    async def pause(self, platform: str, reason: str, now: datetime, probe_at: datetime) -> bool:
        """Stop sending on `platform`; True for the caller that paused it (who alerts the owners)."""
        value = {"reason": reason[:500], "since": now.isoformat(), "probe_at": probe_at.isoformat(),
                 "alerted": False}
        inserted = await self._session.execute(
            dialect_insert(self._session, SharedState.__table__)
            .values(key=_PAUSE + platform, value=value, updated_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        return bool(inserted.rowcount)  # type: ignore[attr-defined]

    async def paused(self) -> dict[str, Pause]:
        rows = await self._session.execute(select(SharedState).where(SharedState.key.startswith(_PAUSE)))
        pauses = {}
        for row in rows.scalars():
            pause = _pause(row.key.removeprefix(_PAUSE), row.value)
            pauses[pause.platform] = pause
        return pauses

    async def resume(self, platform: str) -> Pause | None:
        """Sending on `platform` may go on; the pause that ended, for the one caller that ended it."""
        row = await self._session.get(SharedState, _PAUSE + platform, populate_existing=True)
        if row is None:
            return None
        result = await self._session.execute(
            delete(SharedState).where(SharedState.key == row.key).execution_options(synchronize_session=False)
        )
        return _pause(platform, row.value) if result.rowcount else None  # type: ignore[attr-defined]

    async def take_probe(self, platform: str, now: datetime, next_probe: datetime) -> bool:
        """True for the one sender that may try a row of a paused platform now (a probe of its token)."""
        query = select(SharedState).where(SharedState.key == _PAUSE + platform)
        if is_postgres(self._session):
            query = query.with_for_update()
        row = (await self._session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()
        if row is None or _pause(platform, row.value).probe_at > now:
            return False
        await self._set_pause(row, probe_at=next_probe.isoformat())
        return True

    async def probe_soon(self, platforms: Iterable[str], now: datetime) -> None:
        """Try paused platforms again at once (a restart may have brought a new token)."""
        for platform in platforms:
            row = await self._session.get(SharedState, _PAUSE + platform, populate_existing=True)
            if row is not None:
                await self._set_pause(row, probe_at=now.isoformat())

    async def mark_pause_alerted(self, platform: str) -> None:
        row = await self._session.get(SharedState, _PAUSE + platform, populate_existing=True)
        if row is not None:
            await self._set_pause(row, alerted=True)

    async def _set_pause(self, row: SharedState, **changes: Any) -> None:
        await self._session.execute(
            update(SharedState)
            .where(SharedState.key == row.key)
            .values(value={**row.value, **changes})
            .execution_options(synchronize_session=False)
        )


SentIds = tuple[str, str, tuple[int, ...]]
"""The messages a send made, as `MessageIdRepo` keeps them: platform, chat id, message ids."""


class AttemptLog:
    """Records "call started" and "sent" around each platform call, each in one statement.

    The time between a platform's answer and its record is the window in which a crash
    repeats a message on a platform without an idempotency key (Telegram). A pooled
    transaction costs four or five round trips, each a wait in a busy event loop; these are
    one each (`run_alone`).

    "Started" also notes the chat's highest known message id (`probe_after`), in the same
    statement; "sent" first records the message ids the send made, tied to its row, then
    the row: a crash between the two leaves the row ambiguous with its ids on record, which
    confirm it without a single platform call.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def started(self, row_id: int, now: datetime) -> None:
        await self._run(_started(row_id, now))

    async def sent(
        self, row_id: int, now: datetime, result: str | None, *, unreported: bool, ours: SentIds | None = None
    ) -> None:
        dialect = "postgresql" if self._database.is_postgres else "sqlite"
        marks = message_ids_insert(dialect, *ours, now, row_id) if ours is not None else None
        await self._run(*(statement for statement in (marks, _sent(row_id, now, result, unreported)) if statement
                          is not None))

    async def _run(self, *statements: Executable) -> None:
        await run_alone(self._database, *statements)


def _started(row_id: int, now: datetime) -> Update:
    return (
        update(OutboxItem)
        .where(OutboxItem.id == row_id)
        .values(attempt_started_at=now, probe_after=highest_known(OutboxItem.platform, OutboxItem.chat_id))
    )


def _sent(row_id: int, now: datetime, result: str | None, unreported: bool) -> Update:
    return (
        update(OutboxItem)
        .where(OutboxItem.id == row_id)
        .values(
            status=SENT,
            sent_at=now,
            claimed_until=None,
            attempt_started_at=None,
            result=result,
            last_error=None,
            unreported=unreported,
        )
    )


def _pause(platform: str, value: dict[str, Any]) -> Pause:
    since = datetime.fromisoformat(str(value["since"]))
    return Pause(
        platform=platform,
        reason=str(value.get("reason", "")),
        since=since,
        probe_at=datetime.fromisoformat(str(value.get("probe_at") or value["since"])),
        alerted=bool(value.get("alerted")),
    )
