"""The outbox sender against the fake platforms: a crash mid-send, refused tokens, 429s, slow chats.

A SIGKILL is played by making the sender die (an exception no handler catches) right
after the platform answered and before the row was recorded: exactly the moment a
real kill leaves ambiguous. A second sender (a fresh process: new adapter, no memory)
then takes over once the dead one's lease has run out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bench.fake_platforms import status_webhook
from bot.actions import Action, Send
from bot.adapters.telegram import TelegramAdapter
from bot.adapters.whatsapp import WhatsAppAdapter
from bot.adapters.whatsapp_parse import sign
from bot.config import Settings
from bot.delivery import OutboxSender
from bot.events import Address
from bot.storage.models import OutboxItem
from bot.web import build_app
from tests.adapters.conftest import adapter_settings
from tests.fakes.graph_api import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    VERSION,
    FakeGraph,
    graph_stall,
)
from tests.fakes.server import serving
from tests.fakes.telegram_api import TOKEN, FakeTelegram, too_many_requests
from tests.support.harness import Harness

CUSTOMER = "6281234567890"


class Killed(BaseException):
    """The process died (SIGKILL): nothing after this point runs, no handler sees it."""


def die_before_recording(sender: OutboxSender) -> None:
    """Make `sender` die right after the platform answered, before the row is marked sent."""

    async def killed(*_: Any) -> None:
        raise Killed

    sender._mark_sent = killed  # type: ignore[method-assign]


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the event loop run until `condition` holds (fails after 10 s of waiting)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"still waiting until {what}")
        await asyncio.sleep(0.005)


async def enqueue(bot: Harness, *actions: Action, key: str = "u1") -> None:
    async with bot.runtime.store.transaction() as tx:
        await tx.outbox.add(list(actions), key, bot.clock.now())


async def rows(bot: Harness) -> list[OutboxItem]:
    async with bot.runtime.store.transaction() as tx:
        return list((await tx.session.execute(select(OutboxItem).order_by(OutboxItem.id))).scalars())


# ---------------------------------------------------------------------------- WhatsApp


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    async with serving(fake.app) as base_url:
        fake.base_url = base_url  # type: ignore[attr-defined]
        yield fake


def whatsapp_settings(graph: FakeGraph, database_url: str, **overrides: Any) -> Settings:
    whatsapp = {"access_token": ACCESS_TOKEN, "phone_number_id": PHONE_NUMBER_ID, "app_secret": APP_SECRET,
                "verify_token": VERIFY_TOKEN, "graph_url": f"{graph.base_url}/{VERSION}",  # type: ignore[attr-defined]
                "request_timeout_seconds": 2.0, **overrides.pop("whatsapp", {})}
    return adapter_settings(database_url, whatsapp=whatsapp, **overrides)


class WhatsAppWorker:
    """One bot process: its own adapter (webhooks in, Graph API out) and its own sender."""

    def __init__(self, bot: Harness, settings: Settings, name: str) -> None:
        self.bot = bot
        self.adapter = WhatsAppAdapter(settings, bot.clock, store=bot.runtime.store)
        self.sender = OutboxSender(bot.runtime.store, {"whatsapp": self.adapter}, bot.clock, settings.outbox,
                                   feedback=bot.core.handle, worker=name)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(bot.runtime.store,
                                                                                     [self.adapter])),
                                        base_url="https://bot.tokonusa.id")

    async def start(self) -> WhatsAppWorker:
        await self.adapter.start(self.bot.core.handle)
        return self

    async def status_arrives(self, message: dict[str, Any], wamid: str, status: str = "sent",
                             error: tuple[int, str] | None = None) -> None:
        """Meta's status webhook for a message we sent, echoing its biz_opaque_callback_data."""
        body = json.dumps(status_webhook(wamid, message["to"], status, message.get("biz_opaque_callback_data"),
                                         int(self.bot.clock.now().timestamp()), error=error)).encode()
        response = await self.client.post("/webhooks/whatsapp", content=body,
                                          headers={"Content-Type": "application/json",
                                                   "X-Hub-Signature-256": sign(body, APP_SECRET)})
        assert response.status_code == 200

    async def close(self) -> None:
        await self.client.aclose()
        await self.adapter.aclose()


@pytest.fixture
async def whatsapp_bot(graph: FakeGraph, database_url: str) -> AsyncIterator[tuple[Harness, Settings]]:
    """On SQLite and PostgreSQL."""
    settings = whatsapp_settings(graph, database_url, whatsapp={"status_wait_seconds": 60})
    bot = await Harness.open(settings)
    async with bot.runtime.store.transaction() as tx:
        await tx.whatsapp.saw_message(CUSTOMER, bot.clock.now())  # the 24-hour window is open
    yield bot, settings
    await bot.close()


async def test_whatsapp_a_send_whose_answer_a_crash_lost_is_confirmed_by_its_status_not_sent_again(
    whatsapp_bot: tuple[Harness, Settings], graph: FakeGraph
) -> None:
    bot, settings = whatsapp_bot
    chat = Address("whatsapp", CUSTOMER)
    await enqueue(bot, Send(address=chat, text="Pesanan Kakak sudah dikirim"), Send(address=chat, text="Resi: JNE123"))
    first = await WhatsAppWorker(bot, settings, "host-a:1").start()
    die_before_recording(first.sender)
    with pytest.raises(Killed):
        await first.sender.deliver_due()
    (posted,) = graph.messages
    assert posted["biz_opaque_callback_data"] == "u1#0|0"  # the outbox key and part travel with it
    ambiguous, never_tried = await rows(bot)
    assert ambiguous.status == "sending" and ambiguous.attempt_started_at is not None
    assert never_tried.status == "sending" and never_tried.attempt_started_at is None

    second = await WhatsAppWorker(bot, settings, "host-b:2").start()  # another worker, no memory of it
    await second.status_arrives(posted, "wamid.FAKE000001")
    bot.clock.advance(seconds=settings.outbox.lease_seconds + 1)  # the dead worker's lease runs out
    await second.sender.drain()
    assert [m["text"]["body"] for m in graph.messages] == ["Pesanan Kakak sudah dikirim", "Resi: JNE123"]
    confirmed, sent_after = await rows(bot)
    assert (confirmed.status, confirmed.result, confirmed.attempt_started_at) == ("sent", "wamid.FAKE000001", None)
    assert sent_after.status == "sent"
    await first.close()
    await second.close()


async def test_whatsapp_waits_briefly_for_a_late_status_then_sends_again_rather_than_lose_the_reply(
    whatsapp_bot: tuple[Harness, Settings], graph: FakeGraph
) -> None:
    bot, settings = whatsapp_bot
    await enqueue(bot, Send(address=Address("whatsapp", CUSTOMER), text="Halo Kak"))
    first = await WhatsAppWorker(bot, settings, "host-a:1").start()
    die_before_recording(first.sender)
    with pytest.raises(Killed):
        await first.sender.deliver_due()
    second = await WhatsAppWorker(bot, settings, "host-b:2").start()
    bot.clock.advance(seconds=settings.outbox.lease_seconds + 1)
    await second.sender.drain()
    (row,) = await rows(bot)
    assert row.status == "pending" and len(graph.messages) == 1  # no status yet: it waits, it does not guess
    bot.clock.advance(seconds=settings.whatsapp.status_wait_seconds)  # Meta never said: send it again
    await second.sender.drain()
    (row,) = await rows(bot)
    assert row.status == "sent" and [m["text"]["body"] for m in graph.messages] == ["Halo Kak", "Halo Kak"]
    await first.close()
    await second.close()


async def test_whatsapp_a_status_failure_of_a_lost_send_is_that_rows_failure(
    whatsapp_bot: tuple[Harness, Settings], graph: FakeGraph
) -> None:
    bot, settings = whatsapp_bot
    await enqueue(bot, Send(address=Address("whatsapp", CUSTOMER), text="Halo Kak"))
    first = await WhatsAppWorker(bot, settings, "host-a:1").start()
    die_before_recording(first.sender)
    with pytest.raises(Killed):
        await first.sender.deliver_due()
    second = await WhatsAppWorker(bot, settings, "host-b:2").start()
    await second.status_arrives(graph.messages[0], "wamid.FAKE000001", status="failed",
                                error=(131026, "Message undeliverable"))
    bot.clock.advance(seconds=settings.outbox.lease_seconds + 1)
    await second.sender.drain()
    (row,) = await rows(bot)
    assert (row.status, row.failure_reason) == ("failed", "unreachable") and "131026" in (row.last_error or "")
    assert len(graph.messages) == 1
    await first.close()
    await second.close()


async def test_whatsapp_a_send_that_timed_out_is_not_repeated_when_its_status_says_it_arrived(
    graph: FakeGraph, sqlite_database_url: str
) -> None:
    settings = whatsapp_settings(graph, sqlite_database_url, whatsapp={"request_timeout_seconds": 0.3})
    bot = await Harness.open(settings)
    async with bot.runtime.store.transaction() as tx:
        await tx.whatsapp.saw_message(CUSTOMER, bot.clock.now())
    worker = await WhatsAppWorker(bot, settings, "host-a:1").start()
    await enqueue(bot, Send(address=Address("whatsapp", CUSTOMER), text="Halo Kak"))
    graph.fail(graph_stall(1.0))  # no answer in time; Meta took it all the same
    await worker.sender.drain()
    (row,) = await rows(bot)
    assert row.status == "pending" and row.attempt_started_at is not None  # the outcome is unknown
    await worker.status_arrives({"to": CUSTOMER, "biz_opaque_callback_data": "u1#0|0"}, "wamid.TOOK1")
    bot.clock.advance(minutes=5)
    await worker.sender.drain()
    (row,) = await rows(bot)
    assert (row.status, row.result) == ("sent", "wamid.TOOK1") and graph.messages == []  # not posted again
    await worker.close()
    await bot.close()


async def test_an_expired_whatsapp_token_pauses_whatsapp_and_keeps_every_reply(
    graph: FakeGraph, sqlite_database_url: str
) -> None:
    settings = whatsapp_settings(graph, sqlite_database_url, whatsapp={"access_token": "EAAexpired"},
                                 owners=["telegram:7"])
    bot = await Harness.open(settings)
    async with bot.runtime.store.transaction() as tx:
        await tx.whatsapp.saw_message(CUSTOMER, bot.clock.now())
    worker = WhatsAppWorker(bot, settings, "host-a:1")
    worker.sender.adapters["telegram"] = bot.adapters["telegram"]
    await enqueue(bot, *(Send(address=Address("whatsapp", CUSTOMER), text=f"balasan {n}") for n in range(3)))
    for _ in range(3):
        await worker.sender.drain()
    assert {(row.status, row.attempts) for row in await rows(bot) if row.platform == "whatsapp"} == {("pending", 0)}
    (alert,) = bot.adapters["telegram"].executed
    assert isinstance(alert, Send) and alert.address == Address("telegram", "7")
    assert "WhatsApp" in alert.text and "bot outbox resume whatsapp" in alert.text
    assert worker.sender.paused == {"whatsapp"}
    await worker.close()
    await bot.close()


# ---------------------------------------------------------------------------- Telegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    async with serving(fake.app) as base_url:
        fake.base_url = base_url  # type: ignore[attr-defined]
        yield fake


def telegram_settings(fake: FakeTelegram, database_url: str, **overrides: Any) -> Settings:
    return adapter_settings(database_url, telegram={
        "token": TOKEN, "base_url": f"{fake.base_url}/bot", "request_timeout_seconds": 5.0,  # type: ignore[attr-defined]
        "poll_timeout_seconds": 1}, **overrides)


class TelegramWorker:
    def __init__(self, bot: Harness, settings: Settings, name: str, **adapters: Any) -> None:
        self.adapter = TelegramAdapter(settings, bot.clock, store=bot.runtime.store)
        self.sender = OutboxSender(bot.runtime.store, {"telegram": self.adapter, **adapters}, bot.clock,
                                   settings.outbox, feedback=bot.core.handle, worker=name)

    async def start(self) -> TelegramWorker:
        await self.adapter.open()
        return self

    async def close(self) -> None:
        await self.adapter.aclose()


@pytest.fixture
async def telegram_bot(
    fake_telegram: FakeTelegram, database_url: str
) -> AsyncIterator[tuple[Harness, Settings]]:
    """On SQLite and PostgreSQL."""
    settings = telegram_settings(fake_telegram, database_url, owners=["discord:42", "telegram:7"])
    bot = await Harness.open(settings)
    yield bot, settings
    await bot.close()


async def test_telegram_has_no_idempotency_key_so_a_send_lost_in_a_crash_goes_again_never_lost(
    telegram_bot: tuple[Harness, Settings], fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    bot, settings = telegram_bot
    await enqueue(bot, Send(address=Address("telegram", "5012345678"), text="Pesanan Kakak sudah dikirim"))
    first = await TelegramWorker(bot, settings, "host-a:1").start()
    die_before_recording(first.sender)
    with pytest.raises(Killed):
        await first.sender.deliver_due()
    second = await TelegramWorker(bot, settings, "host-b:2").start()
    bot.clock.advance(seconds=settings.outbox.lease_seconds + 1)
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        await second.sender.drain()
    (row,) = await rows(bot)
    assert row.status == "sent" and fake_telegram.sent_texts == ["Pesanan Kakak sudah dikirim"] * 2
    assert any("answer to an earlier attempt was lost" in r.getMessage() for r in caplog.records)
    await first.close()
    await second.close()


async def test_a_revoked_telegram_token_pauses_telegram_tells_the_owners_once_and_resumes_when_it_works(
    telegram_bot: tuple[Harness, Settings], fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    bot, settings = telegram_bot
    worker = await TelegramWorker(bot, settings, "host-a:1", discord=bot.adapters["discord"]).start()
    fake_telegram.token = "123456789:revokedByBotFather"  # the old token is answered 401 Unauthorized
    await enqueue(bot, Send(address=Address("telegram", "501"), text="jawaban satu"))
    await enqueue(bot, Send(address=Address("telegram", "502"), text="jawaban dua"), key="u2")
    with caplog.at_level(logging.ERROR, logger="bot.delivery"):
        await worker.sender.drain()
        await enqueue(bot, Send(address=Address("telegram", "503"), text="jawaban tiga"), key="u3")
        await worker.sender.drain()
    replies = [row for row in await rows(bot) if row.platform == "telegram"]
    assert {(row.status, row.attempts) for row in replies} == {("pending", 0)}  # kept, no attempt spent
    assert sorted(row.chat_id for row in replies) == ["501", "502", "503"]  # no alert to the owner on Telegram
    (alert,) = bot.adapters["discord"].executed  # once, to the owner on a platform that still sends
    assert isinstance(alert, Send) and alert.address == Address("discord", "42")
    assert "Telegram" in alert.text and "bot outbox resume telegram" in alert.text
    (logged,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "Telegram bot token refused: sending paused" in logged and "bot outbox resume telegram" in logged

    fake_telegram.token = TOKEN  # the token works again (Telegram had a bad moment)
    await worker.sender.drain()
    assert fake_telegram.sent_texts == []  # not probed before its time
    bot.clock.advance(seconds=settings.outbox.paused_probe_seconds)
    await worker.sender.drain()
    assert sorted(fake_telegram.sent_texts) == ["jawaban dua", "jawaban satu", "jawaban tiga"]
    assert worker.sender.paused == frozenset()
    resumed = bot.adapters["discord"].executed[-1]
    assert isinstance(resumed, Send) and "Telegram" in resumed.text and resumed is not alert
    await worker.close()


async def test_a_restart_tries_a_paused_platform_at_once(
    telegram_bot: tuple[Harness, Settings], fake_telegram: FakeTelegram
) -> None:
    bot, settings = telegram_bot
    before = await TelegramWorker(bot, settings, "host-a:1").start()
    fake_telegram.token = "123456789:revokedByBotFather"
    await enqueue(bot, Send(address=Address("telegram", "501"), text="jawaban"))
    await before.sender.drain()
    assert before.sender.paused == {"telegram"}
    fake_telegram.token = TOKEN  # the owner set the new token and restarted
    after = await TelegramWorker(bot, settings, "host-a:2").start()
    await after.sender.recover()
    await after.sender.drain()
    assert fake_telegram.sent_texts == ["jawaban"] and after.sender.paused == frozenset()
    await before.close()
    await after.close()


async def test_a_reply_telegram_only_ever_tells_to_slow_down_is_delivered_not_dropped(
    telegram_bot: tuple[Harness, Settings], fake_telegram: FakeTelegram
) -> None:
    bot, settings = telegram_bot
    worker = await TelegramWorker(bot, settings, "host-a:1").start()
    told = settings.outbox.max_attempts + 4
    fake_telegram.fail("sendMessage", too_many_requests(3), times=told)
    await enqueue(bot, Send(address=Address("telegram", "501"), text="sabar ya Kak"))
    for _ in range(told + 1):
        await worker.sender.drain()
        bot.clock.advance(seconds=4)
    (row,) = await rows(bot)
    assert (row.status, row.attempts) == ("sent", 1)
    assert fake_telegram.sent_texts == ["sabar ya Kak"]
    await worker.close()


async def test_a_slow_chat_holds_up_no_other_customer(
    telegram_bot: tuple[Harness, Settings], fake_telegram: FakeTelegram
) -> None:
    bot, settings = telegram_bot
    worker = await TelegramWorker(bot, settings, "host-a:1").start()
    released = fake_telegram.hold("501")  # this customer's calls hang until released
    stop = asyncio.Event()
    running = asyncio.create_task(worker.sender.run(stop))
    slow = Address("telegram", "501")
    await enqueue(bot, Send(address=slow, text="pertama"), Send(address=slow, text="kedua"))
    await enqueue(bot, Send(address=Address("telegram", "502"), text="jawaban Anda"), key="u2")
    worker.sender.wake()
    await until(lambda: bool(fake_telegram.waiting) and "jawaban Anda" in fake_telegram.sent_texts,
                "the other customer is answered while the slow call hangs")
    await enqueue(bot, Send(address=Address("telegram", "503"), text="datang belakangan"), key="u3")
    worker.sender.wake()
    await until(lambda: "datang belakangan" in fake_telegram.sent_texts, "a reply queued later goes too")
    assert [call.params["text"] for call in fake_telegram.waiting] == ["pertama"]  # and "kedua" waits behind it
    assert "pertama" not in fake_telegram.sent_texts and "kedua" not in fake_telegram.sent_texts
    released.set()
    await until(lambda: "kedua" in fake_telegram.sent_texts, "the slow chat finishes")
    in_slow_chat = [p["text"] for p in fake_telegram.called("sendMessage") if p["chat_id"] == "501"]
    assert in_slow_chat == ["pertama", "kedua"]
    stop.set()
    await running
    await worker.close()


async def test_a_working_sender_keeps_its_leases_so_no_other_sender_repeats_a_slow_call(
    fake_telegram: FakeTelegram, sqlite_database_url: str
) -> None:
    settings = telegram_settings(fake_telegram, sqlite_database_url, outbox={"lease_seconds": 0.2})
    bot = await Harness.open(settings)
    first = await TelegramWorker(bot, settings, "host-a:1").start()
    second = await TelegramWorker(bot, settings, "host-b:2").start()
    released = fake_telegram.hold("501")
    stop = asyncio.Event()
    running = asyncio.create_task(first.sender.run(stop))
    await enqueue(bot, Send(address=Address("telegram", "501"), text="balasan"))
    first.sender.wake()
    await until(lambda: bool(fake_telegram.waiting), "the call hangs")
    bot.clock.advance(seconds=60)  # far past the lease it took
    lease_ends: list[Any] = []

    async def lease_renewed() -> bool:
        (row,) = await rows(bot)
        lease_ends.append(row.claimed_until)
        return row.claimed_until is not None and row.claimed_until > bot.clock.now()

    for _ in range(400):
        if await lease_renewed():
            break
        await asyncio.sleep(0.01)
    assert lease_ends[-1] > bot.clock.now()
    assert await second.sender.deliver_due() == 0  # still held by a live sender: not taken again
    released.set()
    await until(lambda: bool(fake_telegram.sent_texts), "the slow call returns")
    stop.set()
    await running
    assert fake_telegram.sent_texts == ["balasan"]
    await first.close()
    await second.close()
    await bot.close()
