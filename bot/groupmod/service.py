"""What moderation keeps per process: compiled policies per chat, flood counters, and a
cache of members' join times (stored in the database, see `joins`).

Compiling a policy builds a word filter, so it is done once per chat and settings
version, not per message. A cached chat is trusted for `revalidate` (by the injected
clock); after that one cheap query compares the stored version, so a change made on
another worker reaches this one within that time, and a change made here is seen at
once (`forget`). Clean messages therefore cost no database work at all.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from bot.events import Address
from bot.groupmod.activity import AsyncActivityRecorder, LocalActivity
from bot.groupmod.joins import JoinTimes
from bot.moderation.evaluate import Verdict
from bot.moderation.policy import ModerationPolicy, from_dict
from bot.moderation.rules import CompiledPolicy, PolicyCompiler
from bot.storage import Tx

DEFAULT_REVALIDATE = timedelta(seconds=30)
_MAX_CHATS = 50_000


@dataclass(frozen=True, slots=True)
class ChatSetup:
    """A chat's moderation settings, compiled and ready for many messages."""

    compiled: CompiledPolicy
    rules_text: str | None
    version: int
    checked_at: datetime

    @property
    def policy(self) -> ModerationPolicy:
        return self.compiled.policy


class ModerationService:
    """Per-process moderation state, injected as `Core.extras["moderation"]` (never a global)."""

    def __init__(
        self,
        recorder: AsyncActivityRecorder | None = None,
        compiler: PolicyCompiler | None = None,
        revalidate: timedelta = DEFAULT_REVALIDATE,
    ) -> None:
        self.recorder: AsyncActivityRecorder = recorder or LocalActivity()
        self._compiler = compiler
        self._revalidate = revalidate
        self._chats: OrderedDict[str, ChatSetup] = OrderedDict()
        self.joins = JoinTimes()
        self._default: CompiledPolicy | None = None
        self._judged: dict[str, Verdict | None] = {}

    @property
    def compiler(self) -> PolicyCompiler:
        """Built on first use: a Core that never sees a group never loads the word lists."""
        if self._compiler is None:
            self._compiler = PolicyCompiler()
        return self._compiler

    def default_policy(self) -> CompiledPolicy:
        if self._default is None:
            self._default = self.compiler.compile(ModerationPolicy())
        return self._default

    async def setup(self, tx: Tx, address: Address, now: datetime) -> ChatSetup:
        key = address.chat_key
        cached = self._chats.get(key)
        if cached is not None:
            if now - cached.checked_at < self._revalidate:
                return cached
            if await tx.moderation.settings_version(address) == cached.version:
                fresh = self._chats[key] = replace(cached, checked_at=now)
                return fresh
        row = await tx.moderation.settings(address)
        if row is None or not row.policy:
            compiled = self.default_policy()
        else:
            try:
                compiled = self.compiler.compile(from_dict(row.policy))
            except ValueError:
                compiled = (
                    self.default_policy()
                )  # a hand-edited row gone wrong: defaults, not a crash
        setup = ChatSetup(compiled, row.rules_text if row else None, row.version if row else 0, now)
        self._chats[key] = setup
        self._chats.move_to_end(key)
        if len(self._chats) > _MAX_CHATS:
            self._chats.popitem(last=False)
        return setup

    def forget(self, address: Address) -> None:
        """Drop the cached settings of a chat (after they changed here)."""
        self._chats.pop(address.chat_key, None)

    def remember_verdict(self, update_id: str, verdict: Verdict | None) -> None:
        """A verdict reached ahead of the walk (see `handlers.moderation.prepare`)."""
        if len(self._judged) > 50_000:
            self._judged.clear()
        self._judged[update_id] = verdict

    def take_verdict(self, update_id: str) -> Verdict | Literal[False] | None:
        """The verdict reached ahead for this update (once), or False when there is none."""
        return self._judged.pop(update_id, False) if self._judged else False
