"""What a handler receives and returns.

`Context` bundles the transaction and the services for one event; `Outcome` is a
handler's answer: the actions to take, whether the walk down the pipeline stops,
and a short label for the log line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.actions import Action
from bot.config import Settings
from bot.events import Event, Person
from bot.i18n import Translator
from bot.privacy import Masker
from bot.roles import Role
from bot.sop.knowledge import KnowledgeBase
from bot.sop.library import SopLibrary
from bot.storage import Tx

if TYPE_CHECKING:
    from bot.handlers.registry import CommandTable


@dataclass(frozen=True, slots=True)
class Context:
    tx: Tx
    library: SopLibrary
    settings: Settings
    texts: Translator
    mask: Masker
    now: datetime
    commands: CommandTable | None = None
    extras: dict[str, Any] = field(default_factory=dict)  # per-process services (flood tracker, ...)

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.library.current

    def t(self, key: str, language: str, /, **params: Any) -> str:
        return self.texts(key, language, **params)

    async def roles_of(self, person: Person | None) -> set[Role]:
        if person is None:
            return set()
        roles = await self.tx.roles.roles_of(person.platform, person.user_id)
        if person.key in self.settings.owners:
            roles.add(Role.OWNER)
        return roles

    async def language_of(self, person: Person | None) -> str:
        """The language to address someone in: their choice, their platform's, or the default."""
        if person is not None:
            record = await self.tx.people.get(person.platform, person.user_id)
            if record is not None and record.preferred_language:
                return record.preferred_language
            platform_language = (person.language or "").split("-")[0].lower()
            if platform_language in self.settings.support.languages:
                return platform_language
        return self.settings.default_language


@dataclass(slots=True)
class Outcome:
    actions: list[Action] = field(default_factory=list)
    stop: bool = True
    label: str = ""

    @classmethod
    def done(cls, label: str, *actions: Action) -> Outcome:
        return cls(list(actions), True, label)

    @classmethod
    def go_on(cls, label: str = "", *actions: Action) -> Outcome:
        return cls(list(actions), False, label)


Handler = Callable[[Event, Context], Awaitable[Outcome | None]]
Preparer = Callable[[Sequence[Event], Context], Awaitable[None]]
