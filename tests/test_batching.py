"""Group commit: events handled together in one transaction behave exactly as one by one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.batching import EventBatcher
from bot.config import Settings
from bot.events import Address, ChatKind, Event, Message, Person
from bot.handlers.context import Context, Outcome
from bot.storage.models import OutboxItem, ProcessedUpdate, TranscriptLine
from tests.support.harness import Harness


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Harness]:
    harness = await Harness.open(settings)
    yield harness
    await harness.close()


def message(bot: Harness, update: str, user: str, text: str) -> Message:
    return Message(update_id=update, address=Address("telegram", user), at=bot.clock.now(),
                   sender=Person("telegram", user, name="Ani"), chat_kind=ChatKind.PRIVATE,
                   message_id=update, text=text)


async def count(bot: Harness, model: type) -> int:
    async with bot.runtime.store.transaction() as tx:
        return int((await tx.session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_batch_answers_like_one_by_one_and_keeps_each_chats_order(bot: Harness) -> None:
    events = [
        message(bot, "u1", "a", "halo"),
        message(bot, "u2", "b", "How do I request a refund?"),
        message(bot, "u3", "a", "bagaimana cara mengajukan refund?"),
        message(bot, "u1", "a", "halo"),  # the same update again inside the batch
    ]
    results = await bot.core.handle_batch(events)
    assert [len(actions) for actions in results] == [1, 1, 1, 0]
    assert "Ada yang bisa saya bantu" in results[0][0].text  # type: ignore[attr-defined]
    assert results[1][0].text.startswith("How to request a return")  # type: ignore[attr-defined]
    delivered = await bot.deliver()
    to_a = [action.text for action in delivered if action.address.chat_id == "a"]  # type: ignore[attr-defined]
    assert to_a == [results[0][0].text, results[2][0].text]  # type: ignore[attr-defined]
    assert await count(bot, ProcessedUpdate) == 3
    assert await count(bot, TranscriptLine) == 6


async def test_one_failing_event_does_not_sink_the_batch(bot: Harness) -> None:
    original = bot.core.pipeline

    async def explode_on_boom(event: Event, ctx: Context) -> Outcome | None:
        if isinstance(event, Message) and event.text == "boom":
            raise RuntimeError("handler bug")
        return None

    bot.core.pipeline = (explode_on_boom, *original)
    results = await bot.core.handle_batch([
        message(bot, "u1", "a", "halo"), message(bot, "u2", "b", "boom"), message(bot, "u3", "c", "halo"),
    ])
    assert "Ada yang bisa saya bantu" in results[0][0].text  # type: ignore[attr-defined]
    assert "kendala di sistem kami" in results[1][0].text  # type: ignore[attr-defined]
    assert "Ada yang bisa saya bantu" in results[2][0].text  # type: ignore[attr-defined]
    assert await count(bot, OutboxItem) == 3


async def test_concurrent_submissions_share_transactions(bot: Harness) -> None:
    sizes: list[int] = []
    handle_batch = bot.core.handle_batch

    async def spy(events: list[Event]) -> list:  # type: ignore[type-arg]
        sizes.append(len(events))
        return await handle_batch(events)

    bot.core.handle_batch = spy  # type: ignore[method-assign]
    batcher = EventBatcher(bot.core)
    events = [message(bot, f"u{i}", f"c{i}", "halo") for i in range(50)]
    results = await asyncio.gather(*(batcher.submit(event) for event in events))
    await batcher.close()
    assert all(len(actions) == 1 for actions in results)
    assert sum(sizes) == 50 and len(sizes) < 50
