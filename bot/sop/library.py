"""The live knowledge base: SOP files plus approved drafts, swapped whole on reload.

A reload that finds problems in the files keeps the previous knowledge base live
and reports the problems, so a typo in one file never takes answering down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.sop.improvement import ApprovedChange, apply_changes
from bot.sop.knowledge import KnowledgeBase
from bot.sop.loader import SopProblem, load_sop
from bot.sop.model import SopEntry


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    entries: int
    problems: tuple[SopProblem, ...] = ()


class SopLibrary:
    """Holds the current `KnowledgeBase`; the only mutable piece of the SOP side."""

    def __init__(
        self,
        directory: Path,
        build: Callable[[tuple[SopEntry, ...]], KnowledgeBase],
        languages: tuple[str, ...] = ("id", "en"),
    ) -> None:
        self.directory = directory
        self._build = build
        self._languages = languages
        self._files: KnowledgeBase = build(())
        self._changes: tuple[ApprovedChange, ...] = ()
        self.generation = 0  # the shared SOP generation this knowledge base reflects
        self.current: KnowledgeBase = self._files

    @property
    def file_entries(self) -> tuple[SopEntry, ...]:
        return tuple(self._files.entries)

    async def reload(self) -> ReloadResult:
        """Load the directory again; on problems keep what is live and say why."""
        loaded = await asyncio.to_thread(load_sop, self.directory, self._languages)
        if loaded.problems:
            return ReloadResult(False, len(self.current.entries), loaded.problems)
        self._files = await asyncio.to_thread(self._build, loaded.entries)
        self._refresh()
        return ReloadResult(True, len(self.current.entries))

    def set_changes(self, changes: tuple[ApprovedChange, ...]) -> None:
        """Approved drafts answer at once, laid over the files' entries."""
        self._changes = changes
        self._refresh()

    def _refresh(self) -> None:
        base = {entry.id: entry for entry in self._files.entries}
        extra = apply_changes(base, self._changes)
        self.current = self._files.with_extra(extra) if extra else self._files
