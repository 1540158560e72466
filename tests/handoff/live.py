"""The help desk with real platform adapters talking to the fake platform servers.

`Desk` normally delivers into recording adapters; `go_live` swaps in a real adapter
(python-telegram-bot against the fake Bot API, our WhatsApp code against the fake
Graph API, discord.py against the fake Discord REST API) behind a thin recorder, so
a test sees both what the bot decided and what reached the platform's HTTP API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.actions import Action
from bot.adapters.base import DeliveryResult
from bot.delivery import OutboxSender
from tests.handoff.conftest import Desk


@dataclass
class Recorded:
    """A real adapter that also keeps a list of what it carried out (for `Harness.deliver`)."""

    inner: Any
    executed: list[Action] = field(default_factory=list)

    @property
    def platform(self) -> str:
        return str(self.inner.platform)

    @property
    def capabilities(self) -> Any:
        return self.inner.capabilities

    async def execute(self, action: Action, *, key: str = "") -> DeliveryResult:
        if self.inner.capabilities.delivery_keys:
            result: DeliveryResult = await self.inner.execute(action, key=key)
        else:
            result = await self.inner.execute(action)
        self.executed.append(action)
        return result

    async def start(self, sink: Any) -> None:
        return None

    async def stop(self) -> None:
        return None

    def routes(self) -> list[Any]:
        return []


def go_live(desk: Desk, *adapters: Any) -> None:
    """Deliver through these real adapters from now on (the other platforms stay recorded)."""
    bot = desk.bot
    for adapter in adapters:
        bot.adapters[adapter.platform] = Recorded(adapter)  # type: ignore[assignment]
    bot.sender = OutboxSender(
        bot.runtime.store,
        bot.adapters,  # type: ignore[arg-type]
        bot.clock,
        bot.runtime.settings.outbox,
        feedback=bot.runtime.core.handle,
    )
