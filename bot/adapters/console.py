"""A local chat in the terminal: the customer types, the bot answers.

It uses the same core, database and outbox as the real platforms, so what works
here works on Telegram; buttons are shown as numbered lines and a typed number
picks one, as on platforms without buttons.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from bot.actions import Action, Send
from bot.adapters.base import Capabilities, DeliveryResult, EventSink
from bot.events import Address, ButtonPressed, ChatKind, Command, Event, Message, Person, Platform

DEFAULT_USER = "customer"


@dataclass
class ConsoleAdapter:
    output: TextIO
    user: str = DEFAULT_USER
    language: str | None = None
    prompt_prefix: str = "bot> "
    platform: str = Platform.CONSOLE.value
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(buttons=False, max_text=100_000))
    _session: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _choices: tuple[str, ...] = ()  # data of the numbered buttons last shown

    @property
    def address(self) -> Address:
        return Address(self.platform, self.user)

    @property
    def person(self) -> Person:
        # "Halo!" rather than "Halo customer!" unless the person said who they are (--as Budi)
        name = "" if self.user == DEFAULT_USER else self.user
        return Person(self.platform, self.user, name=name, language=self.language)

    def parse(self, line: str, now: datetime) -> Event | None:
        """A typed line as an event: `/name args` is a command, anything else a message."""
        text = line.rstrip("\r\n")
        if not text.strip():
            return None
        number = next(self._counter)
        common: dict[str, Any] = {
            "update_id": f"console:{self._session}:{number}",
            "address": self.address,
            "at": now,
            "sender": self.person,
            "chat_kind": ChatKind.PRIVATE,
        }
        stripped = text.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._choices):
            return ButtonPressed(data=self._choices[int(stripped) - 1], message_id=str(number), **common)
        if not stripped.isdigit():
            self._choices = ()  # the customer wrote something else: the numbers shown are spent
        if stripped.startswith("/") and len(stripped) > 1:
            name, *args = stripped[1:].split()
            return Command(name=name.lower(), args=tuple(args), message_id=str(number), **common)
        return Message(message_id=str(number), text=text, **common)

    async def start(self, sink: EventSink) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def execute(self, action: Action) -> DeliveryResult:
        if isinstance(action, Send):
            lines = [f"{self.prompt_prefix}{action.text}"]
            choices = [button for button in action.buttons if not button.url]
            for index, button in enumerate(choices, start=1):
                lines.append(f"  [{index}] {button.label}")
            lines.extend(f"  -> {b.label}: {b.url}" for b in action.buttons if b.url)
            # only the latest message's buttons can be picked by number: an old menu must not answer
            self._choices = tuple(button.data for button in choices)
            self.output.write("\n".join(lines) + "\n")
            self.output.flush()
            return DeliveryResult(message_id=f"console-out-{next(self._counter)}")
        return DeliveryResult()

    def routes(self) -> list[Any]:
        return []
