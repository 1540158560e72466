"""People the bot has met, and the staff roles they hold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Person
from bot.roles import Role
from bot.storage.models import PersonRecord, StaffRole
from bot.storage.sql import dialect_insert, fit


class PeopleRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Records read in this transaction (None: known not to exist), so a batch reads each once.
        self._cache: dict[tuple[str, str], PersonRecord | None] = {}

    async def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read many people in one query (a batch's senders) for later `get` calls."""
        wanted = {key for key in keys if key not in self._cache}
        if not wanted:
            return
        rows = await self._session.execute(
            select(PersonRecord).where(tuple_(PersonRecord.platform, PersonRecord.user_id).in_(wanted))
        )
        for record in rows.scalars():
            self._cache[(record.platform, record.user_id)] = record
        for key in wanted:
            self._cache.setdefault(key, None)

    def forget(self) -> None:
        self._cache.clear()

    async def touch(self, person: Person, now: datetime) -> None:
        """Remember the person (or refresh name and last seen), unless their data was erased."""
        await self.touch_many([person], now)

    async def touch_many(self, people: Sequence[Person], now: datetime) -> None:
        """`touch` for several people in one statement (a batch's new or changed senders)."""
        if not people:
            return
        for person in people:
            self._cache.pop((person.platform, person.user_id), None)
        table = PersonRecord.__table__
        statement = dialect_insert(self._session, table)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "user_id"],
            set_={
                "name": statement.excluded.name,
                "username": statement.excluded.username,
                "language": statement.excluded.language,
                "last_seen": statement.excluded.last_seen,
                "unreachable": False,
                "erased_at": None,
            },
        )
        rows = {
            (person.platform, person.user_id): {
                "platform": person.platform,
                "user_id": person.user_id,
                "name": fit(table, "name", person.name or None),
                "username": fit(table, "username", person.username),
                "language": fit(table, "language", person.language),
                "preferred_language": None,
                "unreachable": False,
                "first_seen": now,
                "last_seen": now,
                "erased_at": None,
            }
            for person in people
        }
        await self._session.execute(statement, list(rows.values()))

    async def get(self, platform: str, user_id: str) -> PersonRecord | None:
        if (platform, user_id) in self._cache:
            return self._cache[(platform, user_id)]
        return (
            await self._session.execute(
                select(PersonRecord).where(
                    PersonRecord.platform == platform, PersonRecord.user_id == user_id
                )
            )
        ).scalar_one_or_none()

    async def find_by_username(self, platform: str, username: str) -> PersonRecord | None:
        return (
            await self._session.execute(
                select(PersonRecord).where(
                    PersonRecord.platform == platform,
                    PersonRecord.username == username.lstrip("@"),
                )
            )
        ).scalars().first()

    async def set_preferred_language(self, platform: str, user_id: str, language: str | None) -> None:
        self._cache.pop((platform, user_id), None)
        await self._session.execute(
            update(PersonRecord)
            .where(PersonRecord.platform == platform, PersonRecord.user_id == user_id)
            .values(preferred_language=language)
        )

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        self._cache.pop((platform, user_id), None)
        await self._session.execute(
            update(PersonRecord)
            .where(PersonRecord.platform == platform, PersonRecord.user_id == user_id)
            .values(unreachable=True)
        )


class RoleRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def roles_of(self, platform: str, user_id: str) -> set[Role]:
        rows = await self._session.execute(
            select(StaffRole.role).where(StaffRole.platform == platform, StaffRole.user_id == user_id)
        )
        return {Role(value) for value in rows.scalars()}

    async def grant(
        self, platform: str, user_id: str, role: Role, now: datetime, granted_by: str | None = None
    ) -> bool:
        statement = (
            dialect_insert(self._session, StaffRole)
            .values(platform=platform, user_id=user_id, role=role.value, granted_by=granted_by, granted_at=now)
            .on_conflict_do_nothing()
        )
        return bool((await self._session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def revoke(self, platform: str, user_id: str, role: Role) -> bool:
        result = await self._session.execute(
            delete(StaffRole).where(
                StaffRole.platform == platform, StaffRole.user_id == user_id, StaffRole.role == role.value
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def holders(self, role: Role | None = None) -> list[StaffRole]:
        query = select(StaffRole).order_by(StaffRole.platform, StaffRole.user_id, StaffRole.role)
        if role is not None:
            query = query.where(StaffRole.role == role.value)
        return list((await self._session.execute(query)).scalars())
