"""A conversation harness: say something as a customer, read what the bot sent.

It runs the real runtime (database, SOP, core, outbox sender) with a manual clock
and recording adapters in place of the platforms, so a test reads like a chat:

    bot = await Harness.open(settings)
    assert "refund" in (await bot.say("gimana cara refund kak?")).text
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.actions import Action, Send
from bot.adapters.base import Capabilities, DeliveryResult, EventSink
from bot.app import Runtime
from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery import OutboxSender
from bot.events import Address, ButtonPressed, ChatKind, Command, Event, Message, Person, Right


@dataclass
class RecordingAdapter:
    """Stands in for a platform: records every action it is asked to carry out."""

    platform: str
    capabilities: Capabilities = field(default_factory=Capabilities)
    executed: list[Action] = field(default_factory=list)
    fail_with: list[Exception] = field(default_factory=list)  # raised by the next calls, in order
    fail_in_chat: dict[str, list[Exception]] = field(default_factory=dict)  # the same, for one chat
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def start(self, sink: EventSink) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def execute(self, action: Action) -> DeliveryResult:
        if self.fail_with:
            raise self.fail_with.pop(0)
        if self.fail_in_chat.get(action.address.chat_id):
            raise self.fail_in_chat[action.address.chat_id].pop(0)
        self.executed.append(action)
        return DeliveryResult(message_id=str(next(self._ids)), thread_id=str(next(self._ids)))

    def routes(self) -> list[Any]:
        return []


@dataclass
class Reply:
    """What the bot sent in answer to one event."""

    actions: list[Action]

    @property
    def sends(self) -> list[Send]:
        return [action for action in self.actions if isinstance(action, Send)]

    @property
    def text(self) -> str:
        return "\n".join(send.text for send in self.sends)

    @property
    def buttons(self) -> list[str]:
        return [button.label for send in self.sends for button in send.buttons]

    @property
    def button_data(self) -> list[str]:
        return [button.data for send in self.sends for button in send.buttons]


class Harness:
    PLATFORMS = ("telegram", "discord", "whatsapp", "console")

    def __init__(self, runtime: Runtime, clock: ManualClock) -> None:
        self.runtime = runtime
        self.clock = clock
        self.adapters = {name: RecordingAdapter(name) for name in self.PLATFORMS}
        self.sender = OutboxSender(
            runtime.store, self.adapters, clock, runtime.settings.outbox, feedback=runtime.core.handle
        )
        self._updates = itertools.count(1)
        self._session = uuid.uuid4().hex[:8]  # update ids stay unique when harnesses share a database

    @classmethod
    async def open(cls, settings: Settings, clock: ManualClock | None = None) -> Harness:
        clock = clock or ManualClock()
        return cls(await Runtime.open(settings, clock), clock)

    async def close(self) -> None:
        await self.runtime.close()

    @property
    def core(self) -> Any:
        return self.runtime.core

    def person(self, user: str = "cust1", platform: str = "telegram", language: str | None = None,
               name: str = "Budi") -> Person:
        return Person(platform, user, name=name, username=user, language=language)

    async def deliver(self) -> list[Action]:
        """Deliver everything due; returns what the platforms were asked to do."""
        before = {name: len(adapter.executed) for name, adapter in self.adapters.items()}
        await self.sender.drain(timeout=5)
        done: list[Action] = []
        for name, adapter in self.adapters.items():
            done.extend(adapter.executed[before[name]:])
        return done

    async def send_event(self, event: Event) -> Reply:
        await self.core.handle(event)
        return Reply(await self.deliver())

    def _common(self, user: str, platform: str, chat: str | None, kind: ChatKind, language: str | None,
                rights: frozenset[Right] | None, thread: str | None = None) -> dict[str, Any]:
        return {
            "update_id": f"{platform}:{self._session}:{next(self._updates)}",
            "address": Address(platform, chat or user, thread),
            "at": self.clock.now(),
            "sender": self.person(user, platform, language),
            "chat_kind": kind,
            "sender_rights": rights,
        }

    async def say(self, text: str, *, user: str = "cust1", platform: str = "telegram", chat: str | None = None,
                  kind: ChatKind = ChatKind.PRIVATE, language: str | None = None,
                  rights: frozenset[Right] | None = None, thread: str | None = None, **fields: Any) -> Reply:
        common = self._common(user, platform, chat, kind, language, rights, thread)
        message_id = fields.pop("message_id", common["update_id"].rsplit(":", 1)[1])
        return await self.send_event(Message(message_id=message_id, text=text, **common, **fields))

    async def command(self, name: str, *args: str, user: str = "cust1", platform: str = "telegram",
                      chat: str | None = None, kind: ChatKind = ChatKind.PRIVATE, language: str | None = None,
                      rights: frozenset[Right] | None = None, thread: str | None = None, **fields: Any) -> Reply:
        common = self._common(user, platform, chat, kind, language, rights, thread)
        return await self.send_event(Command(name=name, args=args, **common, **fields))

    async def press(self, data: str, *, user: str = "cust1", platform: str = "telegram", chat: str | None = None,
                    kind: ChatKind = ChatKind.PRIVATE, thread: str | None = None) -> Reply:
        common = self._common(user, platform, chat, kind, None, None, thread)
        return await self.send_event(ButtonPressed(data=data, **common))
