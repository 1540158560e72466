"""Keeping every worker's knowledge base in step: files plus approved drafts, by generation.

A reload (bot command or `bot sop reload`) or an approval bumps a shared generation
number in the database; each worker's sweep notices and rebuilds its knowledge base.
"""

from __future__ import annotations

import logging

from bot.sop.improvement import ApprovedChange
from bot.sop.library import ReloadResult, SopLibrary
from bot.storage import Store, Tx
from bot.storage.models import SopDraft

log = logging.getLogger("bot.sop")


def change_from_draft(draft: SopDraft) -> ApprovedChange:
    return ApprovedChange(
        draft_id=draft.id,
        kind=draft.kind,
        entry_id=draft.entry_id or f"draft-{draft.id}",
        title=draft.title or "",
        questions={lang: tuple(qs) for lang, qs in draft.questions.items()},
        answers={lang: str(text) for lang, text in draft.answers.items()},
    )


async def approved_changes(tx: Tx) -> tuple[ApprovedChange, ...]:
    return tuple(change_from_draft(draft) for draft in await tx.sop.approved_drafts())


async def sync_library(store: Store, library: SopLibrary, *, force: bool = False) -> ReloadResult | None:
    """Rebuild the knowledge base if another worker (or the CLI) moved the generation on."""
    async with store.transaction() as tx:
        generation = await tx.sop.generation()
        if not force and generation == library.generation:
            return None
        changes = await approved_changes(tx)
    result = await library.reload()
    library.set_changes(changes)
    library.generation = generation
    if result.ok:
        log.info("sop reloaded", extra={"entries": result.entries, "generation": generation})
    else:
        log.error(
            "sop reload failed; previous SOP stays live",
            extra={"problems": "; ".join(str(p) for p in result.problems[:5])},
        )
    return result
