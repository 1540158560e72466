"""The SOP improvement loop's storage: gaps, drafts, and the generation workers reload on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import BufferedSession
from bot.storage.models import SharedState, SopDraft, SopGap
from bot.storage.sql import dialect_insert

SOP_GENERATION = "sop.generation"


class SopRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record_gap(
        self, *, fingerprint: str, example: str, language: str, outcome: str, now: datetime
    ) -> None:
        """Count the question; written with the transaction's other buffered rows (one statement)."""
        session = self._session.sync_session
        assert isinstance(session, BufferedSession)
        session.buffer_statement("sop_gaps.upsert", lambda: self._gap_upsert(), {
            "fingerprint": fingerprint,
            "example": example,
            "language": language,
            "count": 1,
            "last_outcome": outcome,
            "first_at": now,
            "last_at": now,
        })

    def _gap_upsert(self) -> Any:
        table = SopGap.__table__
        statement = dialect_insert(self._session, table)
        return statement.on_conflict_do_update(
            index_elements=["fingerprint"],
            set_={
                "count": table.c.count + 1,
                "example": statement.excluded.example,
                "last_outcome": statement.excluded.last_outcome,
                "last_at": statement.excluded.last_at,
            },
        )

    async def top_gaps(self, limit: int = 10, since: datetime | None = None) -> list[SopGap]:
        query = select(SopGap).where(SopGap.resolved_by.is_(None))
        if since is not None:
            query = query.where(SopGap.last_at >= since)
        query = query.order_by(SopGap.count.desc(), SopGap.last_at.desc()).limit(limit)
        return list((await self._session.execute(query)).scalars())

    async def gap(self, gap_id: int) -> SopGap | None:
        return await self._session.get(SopGap, gap_id)

    async def add_draft(self, draft: SopDraft) -> SopDraft:
        self._session.add(draft)
        await self._session.flush()
        return draft

    async def draft(self, draft_id: int) -> SopDraft | None:
        return await self._session.get(SopDraft, draft_id)

    async def drafts(self, status: str = "pending", limit: int = 20) -> list[SopDraft]:
        query = select(SopDraft).where(SopDraft.status == status).order_by(SopDraft.id).limit(limit)
        return list((await self._session.execute(query)).scalars())

    async def approved_drafts(self) -> list[SopDraft]:
        query = select(SopDraft).where(SopDraft.status == "approved").order_by(SopDraft.id)
        return list((await self._session.execute(query)).scalars())

    async def review(self, draft: SopDraft, *, status: str, reviewer: str, now: datetime,
                     note: str | None = None) -> None:
        draft.status = status
        draft.reviewed_by = reviewer
        draft.reviewed_at = now
        draft.review_note = note
        if status == "approved" and draft.gap_id is not None:
            await self._session.execute(
                update(SopGap).where(SopGap.id == draft.gap_id).values(resolved_by=draft.id)
            )

    async def generation(self) -> int:
        row = await self._session.get(SharedState, SOP_GENERATION)
        return int(row.value.get("n", 0)) if row else 0

    async def bump_generation(self, now: datetime) -> int:
        """Tell every worker to rebuild its knowledge base (files and approved drafts)."""
        current = await self.generation()
        value: dict[str, Any] = {"n": current + 1}
        statement = dialect_insert(self._session, SharedState).values(
            key=SOP_GENERATION, value=value, updated_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": value, "updated_at": now}
        )
        await self._session.execute(statement)
        return current + 1
