"""Telegram end to end: update JSON → (polling or webhook) → core → outbox → the fake Bot API.

The real python-telegram-bot talks HTTP to a fake Telegram on 127.0.0.1; the
real core, database and outbox sender sit in between. Nothing is lost, nothing
is sent twice, whatever Telegram does (429, 500s, timeouts, redeliveries, a
restart in the middle of sending).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.actions import Action, Send
from bot.adapters.telegram import SECRET_HEADER, TelegramAdapter
from bot.delivery import OutboxSender
from bot.events import Address, Command, Event
from bot.web import build_app
from tests.adapters.payloads import payload
from tests.adapters.test_telegram_adapter import GROUP, group_admins, telegram_settings
from tests.fakes.telegram_api import (
    FakeTelegram,
    blocked_by_user,
    server_error,
    stalled,
    too_many_requests,
)
from tests.support.harness import Harness

CUSTOMER = 5012345678
SECRET = "s3cret-Token_for-webhooks"
_ids = itertools.count(1)


def private_text(text: str, update_id: int | None = None) -> dict[str, Any]:
    number = next(_ids)
    return {
        "update_id": update_id or 800000 + number,
        "message": {
            "message_id": 100 + number,
            "date": 1767603600,
            "chat": {"id": CUSTOMER, "type": "private", "first_name": "Budi"},
            "from": {"id": CUSTOMER, "is_bot": False, "first_name": "Budi", "language_code": "id"},
            "text": text,
        },
    }


class Live:
    """The bot with a real Telegram adapter, its sender, and a record of what reached the core."""

    def __init__(self, harness: Harness, adapter: TelegramAdapter) -> None:
        self.harness = harness
        self.adapter = adapter
        self.clock = harness.clock
        self.store = harness.runtime.store
        self.events: list[Event] = []
        self.replies: list[str] = []  # texts of the Sends the core decided on
        self.sender = self.new_sender()

    def new_sender(self) -> OutboxSender:
        """A sender as a (re)started process would have."""
        return OutboxSender(self.store, {"telegram": self.adapter}, self.clock,
                            self.harness.runtime.settings.outbox, feedback=self.harness.core.handle)

    async def sink(self, event: Event) -> list[Action]:
        self.events.append(event)
        actions: list[Action] = await self.harness.core.handle(event)
        self.replies += [action.text for action in actions if isinstance(action, Send)]
        return actions

    async def deliver(self) -> None:
        await self.sender.drain(timeout=5)

    async def deliver_over(self, minutes: int) -> None:
        """Deliver, letting `minutes` of manual time pass a minute at a time (retries come due)."""
        for _ in range(minutes):
            await self.deliver()
            self.clock.advance(minutes=1)


@pytest.fixture
def live_factory(
    fake_telegram: FakeTelegram, sqlite_database_url: str
) -> Callable[..., Any]:
    opened: list[Live] = []

    async def make(**telegram: Any) -> Live:
        settings = telegram_settings(fake_telegram, sqlite_database_url, **telegram)
        if telegram.get("mode") == "webhook":
            settings = settings.model_copy(update={"http": settings.http.model_copy(
                update={"public_url": "https://bot.tokonusa.id"})})
        harness = await Harness.open(settings)
        adapter = TelegramAdapter(settings, harness.clock, store=harness.runtime.store)
        live = Live(harness, adapter)
        opened.append(live)
        return live

    return make  # type: ignore[return-value]


@pytest.fixture
async def live(live_factory: Callable[..., Any]) -> AsyncIterator[Live]:
    bot: Live = await live_factory()
    await bot.adapter.open()
    yield bot
    await bot.adapter.aclose()
    await bot.harness.close()


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "waited too long"
        await asyncio.sleep(0.01)


async def test_polling_answers_the_customer_and_confirms_the_update_only_after_handling_it(
    live_factory: Callable[..., Any], fake_telegram: FakeTelegram
) -> None:
    bot: Live = await live_factory()
    update = fake_telegram.queue_update(private_text("halo"))
    await bot.adapter.start(bot.sink)
    try:
        await until(lambda: len(bot.events) == 1)
        await bot.deliver()
        (sent,) = fake_telegram.called("sendMessage")
        assert sent["chat_id"] == str(CUSTOMER) and [sent["text"]] == bot.replies
        assert "Ada yang bisa saya bantu" in sent["text"]
        await until(lambda: any(int(c.get("offset") or 0) == update["update_id"] + 1
                                for c in fake_telegram.polls))
    finally:
        await bot.adapter.aclose()
        await bot.harness.close()
    assert bot.events[0].update_id == f"telegram:{update['update_id']}"


async def test_webhook_takes_only_requests_with_telegrams_secret_and_answers_a_redelivery_once(
    live_factory: Callable[..., Any], fake_telegram: FakeTelegram
) -> None:
    bot: Live = await live_factory(mode="webhook", secret_token=SECRET)
    await bot.adapter.start(bot.sink)
    assert fake_telegram.webhook_url == "https://bot.tokonusa.id/webhooks/telegram"
    assert fake_telegram.called("setWebhook")[0]["secret_token"] == SECRET
    app = build_app(bot.store, [bot.adapter])
    update = private_text("halo")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as client:
            forged = await client.post("/webhooks/telegram", json=update)
            wrong = await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: "guess"})
            assert (forged.status_code, wrong.status_code) == (403, 403)
            assert bot.events == []
            for _ in range(2):  # Telegram did not hear our 200 and sends it again
                answer = await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
                assert answer.status_code == 200
        await bot.deliver()
    finally:
        await bot.adapter.aclose()
        await bot.harness.close()
    assert len(bot.events) == 2  # both deliveries reached the core...
    assert len(fake_telegram.called("sendMessage")) == 1  # ...which answered once


async def test_a_429_is_honoured_for_as_long_as_telegram_asked(live: Live, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail("sendMessage", too_many_requests(5))
    await live.sink(await _event(live, "halo"))
    await live.deliver()
    assert fake_telegram.called("sendMessage") == []
    live.clock.advance(seconds=4)
    await live.deliver()
    assert fake_telegram.called("sendMessage") == []
    live.clock.advance(seconds=2)
    await live.deliver()
    assert len(fake_telegram.called("sendMessage")) == 1
    assert len(fake_telegram.called("sendMessage!failed")) == 1


async def _event(live: Live, text: str) -> Event:
    from bot.adapters.telegram_parse import parse

    assert live.adapter.me is not None
    (event,) = parse(private_text(text), live.adapter.me, live.clock.now())
    return event


@pytest.fixture
async def impatient(live_factory: Callable[..., Any]) -> AsyncIterator[Live]:
    """The bot waiting only 0.3 s for Telegram's answers, so a stalled call times out quickly."""
    bot: Live = await live_factory(request_timeout_seconds=0.3)
    await bot.adapter.open()
    yield bot
    await bot.adapter.aclose()
    await bot.harness.close()


async def test_server_errors_and_timeouts_are_retried_until_delivered_once(
    impatient: Live, fake_telegram: FakeTelegram
) -> None:
    live = impatient
    fake_telegram.fail("sendMessage", server_error(500), times=2)
    fake_telegram.fail("sendMessage", stalled(0.5))  # no answer in time; Telegram did nothing
    await live.sink(await _event(live, "halo"))
    await live.deliver_over(minutes=10)
    assert len(fake_telegram.called("sendMessage")) == 1


async def test_a_timeout_after_telegram_acted_is_the_one_window_where_a_reply_can_repeat(
    impatient: Live, fake_telegram: FakeTelegram
) -> None:
    """Telegram has no idempotency key: when it sent the message but its answer never
    reached us, our retry sends it again. The docs call this out (docs/platforms.md)."""
    live = impatient
    fake_telegram.fail("sendMessage", stalled(0.5, then_perform=True))
    await live.sink(await _event(live, "halo"))
    await live.deliver_over(minutes=3)
    await until(lambda: len(fake_telegram.called("sendMessage")) == 2, seconds=2)


async def test_a_restart_in_the_middle_of_sending_delivers_once_after_the_lease(
    live: Live, fake_telegram: FakeTelegram
) -> None:
    await live.sink(await _event(live, "halo"))
    async with live.store.transaction() as tx:  # a sender leased the row, then its process died
        (_leased,) = await tx.outbox.claim(["telegram"], live.clock.now(), limit=10, lease=timedelta(seconds=60))
    restarted = live.new_sender()
    await restarted.drain(timeout=5)
    assert fake_telegram.called("sendMessage") == []  # still leased to the dead sender
    live.clock.advance(seconds=61)
    await restarted.drain(timeout=5)
    await restarted.drain(timeout=5)
    assert len(fake_telegram.called("sendMessage")) == 1
    async with live.store.transaction() as tx:
        assert await tx.outbox.counts() == {"sent": 1}


async def test_a_customer_who_blocked_the_bot_is_marked_unreachable(live: Live, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail("sendMessage", blocked_by_user())
    await live.sink(await _event(live, "halo"))
    await live.deliver()
    async with live.store.transaction() as tx:
        person = await tx.people.get("telegram", str(CUSTOMER))
        (failed,) = await tx.outbox.failures()
    assert person is not None and person.unreachable
    assert (failed.failure_reason, failed.last_error) == ("unreachable", "Forbidden: bot was blocked by the user")


async def test_a_command_naming_someone_by_username_targets_them(live: Live, fake_telegram: FakeTelegram) -> None:
    group_admins(fake_telegram)
    assert live.adapter.me is not None
    live.adapter._sink = live.sink
    from telegram import Update

    await live.adapter.handle_update(Update.de_json(payload("telegram", "forwarded_with_mention"), live.adapter.bot))
    command = {"update_id": 731000099, "message": {
        "message_id": 990, "date": 1767603800, "chat": {"id": int(GROUP), "type": "supergroup", "title": "Toko"},
        "from": {"id": 5012345678, "is_bot": False, "first_name": "Budi"},
        "text": "/ban @promomurah88 spam", "entities": [{"offset": 0, "length": 4, "type": "bot_command"},
                                                        {"offset": 5, "length": 13, "type": "mention"}]}}
    await live.adapter.handle_update(Update.de_json(command, live.adapter.bot))
    issued = live.events[-1]
    assert isinstance(issued, Command)
    assert issued.target is not None and issued.target.user_id == "7011122233"
    assert issued.args == ("spam",)
    assert issued.target_outranks_sender is False and issued.sender_rights is not None


async def test_a_group_upgraded_to_a_supergroup_keeps_its_settings(live: Live, fake_telegram: FakeTelegram) -> None:
    from telegram import Update

    live.adapter._sink = live.sink
    old = Address("telegram", "-4123456789")
    async with live.store.transaction() as tx:
        await tx.chats.ensure(old, "group", "Komunitas Toko Nusa", live.clock.now())
        await tx.chats.set_setting(old, "moderation", {"links": "block"}, live.clock.now())
    for name in ("migrate_to", "migrate_from"):  # Telegram announces it in both chats
        await live.adapter.handle_update(Update.de_json(payload("telegram", name), live.adapter.bot))
    async with live.store.transaction() as tx:
        settings = await tx.chats.settings(Address("telegram", GROUP))
    assert settings == {"moderation": {"links": "block"}}


async def test_a_banned_word_in_a_group_reaches_telegram_as_delete_and_restrict(
    live: Live, fake_telegram: FakeTelegram
) -> None:
    """Moderation end to end: three insults from a member → deleteMessage each time, and
    restrictChatMember at the third (the default ladder), through the real adapter."""
    from telegram import Update

    group_admins(fake_telegram)
    live.adapter._sink = live.sink
    for number in range(3):
        update = {"update_id": 732000000 + number, "message": {
            "message_id": 4000 + number, "date": 1767603900 + number,
            "chat": {"id": int(GROUP), "type": "supergroup", "title": "Toko"},
            "from": {"id": 7011122233, "is_bot": False, "first_name": "Promo", "language_code": "id"},
            "text": "dasar bangsat"}}  # fmt: skip
        await live.adapter.handle_update(Update.de_json(update, live.adapter.bot))
    await live.deliver()
    deleted = [int(call["message_id"]) for call in fake_telegram.called("deleteMessage")]
    assert deleted == [4000, 4001, 4002]
    (restricted,) = fake_telegram.called("restrictChatMember")
    assert int(restricted["user_id"]) == 7011122233 and restricted.get("until_date")
    assert any("peringatan ke-1" in text for text in fake_telegram.sent_texts)
