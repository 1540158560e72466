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
from bot.actions import Action, Button, Send
from bot.adapters.telegram import TelegramAdapter
from bot.adapters.whatsapp import WhatsAppAdapter
from bot.adapters.whatsapp_parse import sign
from bot.config import Settings
from bot.delivery import OutboxSender
from bot.events import Address, Event
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


async def killed_mid_send(sender: OutboxSender, *, before_the_call: bool = False) -> None:
    """`sender` takes its rows and dies in flight: after the platform answered (its answer never
    recorded), or `before_the_call` reached the platform (its "attempt started" committed)."""
    if before_the_call:
        async def killed(*_: Any, **__: Any) -> Any:
            raise Killed

        for adapter in sender.adapters.values():
            adapter.execute = killed  # type: ignore[method-assign]
    else:
        die_before_recording(sender)
    with pytest.raises(Killed):
        await sender.deliver_due()


async def takes_over(bot: Harness, settings: Settings, sender: OutboxSender) -> None:
    """Another worker delivers once the dead worker's leases have run out."""
    bot.clock.advance(seconds=settings.outbox.lease_seconds + 1)
    await sender.drain()


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
    await killed_mid_send(first.sender)
    (posted,) = graph.messages
    assert posted["biz_opaque_callback_data"] == "u1#0|0"  # the outbox key and part travel with it
    ambiguous, never_tried = await rows(bot)
    assert ambiguous.status == "sending" and ambiguous.attempt_started_at is not None
    assert never_tried.status == "sending" and never_tried.attempt_started_at is None

    second = await WhatsAppWorker(bot, settings, "host-b:2").start()  # another worker, no memory of it
    await second.status_arrives(posted, "wamid.FAKE000001")
    await takes_over(bot, settings, second.sender)
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
    await killed_mid_send(first.sender)
    second = await WhatsAppWorker(bot, settings, "host-b:2").start()
    await takes_over(bot, settings, second.sender)
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
    await killed_mid_send(first.sender)
    second = await WhatsAppWorker(bot, settings, "host-b:2").start()
    await second.status_arrives(graph.messages[0], "wamid.FAKE000001", status="failed",
                                error=(131026, "Message undeliverable"))
    await takes_over(bot, settings, second.sender)
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
    """One bot process: its own adapter (polling the fake) and its own sender."""

    def __init__(self, bot: Harness, settings: Settings, name: str, **adapters: Any) -> None:
        self.adapter = TelegramAdapter(settings, bot.clock, store=bot.runtime.store)
        self.sender = OutboxSender(bot.runtime.store, {"telegram": self.adapter, **adapters}, bot.clock,
                                   settings.outbox, feedback=bot.core.handle, worker=name)
        self.heard: list[Event] = []

    async def start(self) -> TelegramWorker:
        await self.adapter.open()
        return self

    async def listen(self) -> TelegramWorker:
        """Receive updates too; the events are kept in `heard` (no core: the tests queue the replies)."""

        async def hear(event: Event) -> list[Action]:
            self.heard.append(event)
            return []

        await self.adapter.start(hear)
        return self

    async def customer_says(self, fake: FakeTelegram, chat_id: int, text: str) -> str:
        """The customer writes; this worker receives it. The message's id in the chat."""
        message = fake.customer_says(chat_id, text)
        fake.queue_update({"message": message})
        await until(lambda: any(getattr(e, "message_id", None) == str(message["message_id"]) for e in self.heard),
                    "the worker heard the customer")
        return str(message["message_id"])

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


CHAT = 5012345678


def bot_texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    """What the customer sees from the bot in their chat, in order (edits included)."""
    return [message.get("text") or message.get("caption", "")
            for (chat, _), message in sorted(fake.messages.items()) if chat == chat_id and message["_by_bot"]]


def probed(fake: FakeTelegram) -> list[int]:
    """The message ids edited (or tried) to find a lost send."""
    return [int(call.params["message_id"]) for call in fake.calls if call.method.startswith("editMessage")]


@pytest.fixture
async def crashed_telegram(
    telegram_bot: tuple[Harness, Settings], fake_telegram: FakeTelegram
) -> AsyncIterator[tuple[Harness, Settings, TelegramWorker, TelegramWorker]]:
    """Two workers: the first hears the customer and will die mid-send; the second takes over."""
    bot, settings = telegram_bot
    first = await (await TelegramWorker(bot, settings, "host-a:1").start()).listen()
    second = await TelegramWorker(bot, settings, "host-b:2").start()  # a fresh process: no memory of the first
    yield bot, settings, first, second
    await first.close()
    await second.close()


async def test_telegram_a_reply_that_reached_the_chat_before_the_crash_is_found_not_sent_twice(
    crashed_telegram: tuple[Harness, Settings, TelegramWorker, TelegramWorker], fake_telegram: FakeTelegram
) -> None:
    bot, settings, first, second = crashed_telegram
    asked = await first.customer_says(fake_telegram, CHAT, "kapan paket saya sampai?")
    reply = Send(address=Address("telegram", str(CHAT)), text="Pesanan Kakak sudah dikirim",
                 buttons=(Button("Lacak", data="track"),))
    await enqueue(bot, reply)
    await killed_mid_send(first.sender)
    assert bot_texts(fake_telegram, CHAT) == ["Pesanan Kakak sudah dikirim"]  # Telegram has it; we did not record it

    await takes_over(bot, settings, second.sender)
    assert bot_texts(fake_telegram, CHAT) == ["Pesanan Kakak sudah dikirim"]  # once
    (row,) = await rows(bot)
    delivered = int(asked) + 1
    assert (row.status, row.result, row.attempt_started_at) == ("sent", str(delivered), None)
    assert probed(fake_telegram) == [delivered]  # one edit, answered "message is not modified"


async def test_telegram_a_reply_that_never_reached_the_chat_is_sent_once_after_the_crash(
    crashed_telegram: tuple[Harness, Settings, TelegramWorker, TelegramWorker], fake_telegram: FakeTelegram
) -> None:
    bot, settings, first, second = crashed_telegram
    await first.customer_says(fake_telegram, CHAT, "halo")
    await enqueue(bot, Send(address=Address("telegram", str(CHAT)), text="Halo Kak, ada yang bisa dibantu?"))
    await killed_mid_send(first.sender, before_the_call=True)
    (row,) = await rows(bot)
    assert row.attempt_started_at is not None and bot_texts(fake_telegram, CHAT) == []  # ambiguous, not sent

    await takes_over(bot, settings, second.sender)
    assert bot_texts(fake_telegram, CHAT) == ["Halo Kak, ada yang bisa dibantu?"]
    (row,) = await rows(bot)
    assert row.status == "sent"
    assert len(probed(fake_telegram)) == settings.telegram.confirm_probes  # looked, found nothing, sent


async def test_telegram_skips_the_customers_messages_above_the_mark_when_looking(
    crashed_telegram: tuple[Harness, Settings, TelegramWorker, TelegramWorker], fake_telegram: FakeTelegram
) -> None:
    bot, settings, first, second = crashed_telegram
    await first.customer_says(fake_telegram, CHAT, "berapa ongkir ke surabaya?")
    await enqueue(bot, Send(address=Address("telegram", str(CHAT)), text="Ongkir ke Surabaya Rp 15.000"))
    released = fake_telegram.hold(CHAT)  # the reply is on its way while the customer writes again
    sending = asyncio.create_task(killed_mid_send(first.sender))
    await until(lambda: bool(fake_telegram.waiting), "the reply is in flight")
    again = int(await first.customer_says(fake_telegram, CHAT, "halo??"))
    released.set()
    await sending

    await takes_over(bot, settings, second.sender)
    assert bot_texts(fake_telegram, CHAT) == ["Ongkir ke Surabaya Rp 15.000"]
    (row,) = await rows(bot)
    assert row.status == "sent" and row.result == str(again + 1)
    assert again not in probed(fake_telegram) and probed(fake_telegram) == [again + 1]


async def test_telegram_a_429_while_looking_keeps_the_reply_undecided_then_finds_it(
    crashed_telegram: tuple[Harness, Settings, TelegramWorker, TelegramWorker], fake_telegram: FakeTelegram
) -> None:
    bot, settings, first, second = crashed_telegram
    await first.customer_says(fake_telegram, CHAT, "bisa bayar pakai qris?")
    await enqueue(bot, Send(address=Address("telegram", str(CHAT)), text="Bisa Kak, pakai QRIS"))
    await killed_mid_send(first.sender)
    fake_telegram.fail("editMessageText", too_many_requests(3))
    await takes_over(bot, settings, second.sender)
    (row,) = await rows(bot)
    assert row.status == "pending" and row.attempt_started_at is not None  # kept, still undecided
    assert bot_texts(fake_telegram, CHAT) == ["Bisa Kak, pakai QRIS"]  # and not sent again meanwhile

    bot.clock.advance(seconds=4)
    await second.sender.drain()
    (row,) = await rows(bot)
    assert row.status == "sent" and bot_texts(fake_telegram, CHAT) == ["Bisa Kak, pakai QRIS"]


async def test_telegram_a_long_reply_cut_by_the_crash_sends_only_the_part_that_did_not_arrive(
    crashed_telegram: tuple[Harness, Settings, TelegramWorker, TelegramWorker], fake_telegram: FakeTelegram
) -> None:
    bot, settings, first, second = crashed_telegram
    asked = await first.customer_says(fake_telegram, CHAT, "syarat dan ketentuan?")
    long_text = "Syarat berlaku. " * 300 + "Terima kasih."  # two messages on Telegram
    await enqueue(bot, Send(address=Address("telegram", str(CHAT)), text=long_text))

    def dies_after_the_first_part(key: str, done: list[int]) -> None:
        raise Killed

    first.adapter._remember = dies_after_the_first_part  # type: ignore[method-assign]
    with pytest.raises(Killed):
        await first.sender.deliver_due()
    assert len(bot_texts(fake_telegram, CHAT)) == 1

    await takes_over(bot, settings, second.sender)
    first_part, second_part = bot_texts(fake_telegram, CHAT)  # each once
    assert (first_part + second_part).replace(" ", "") == long_text.replace(" ", "")
    (row,) = await rows(bot)
    assert row.status == "sent" and row.result == str(int(asked) + 1)


async def test_telegram_a_lost_send_in_a_chat_the_bot_knows_nothing_of_goes_again_never_lost(
    telegram_bot: tuple[Harness, Settings], fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    bot, settings = telegram_bot
    await enqueue(bot, Send(address=Address("telegram", str(CHAT)), text="Pesanan Kakak sudah dikirim"))
    first = await TelegramWorker(bot, settings, "host-a:1").start()
    await killed_mid_send(first.sender)
    second = await TelegramWorker(bot, settings, "host-b:2").start()
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        await takes_over(bot, settings, second.sender)
    (row,) = await rows(bot)
    # No message id known in the chat: no safe place to look (an edit there could hit an older
    # message of ours), so it is sent again rather than risk losing it.
    assert row.status == "sent" and bot_texts(fake_telegram, CHAT) == ["Pesanan Kakak sudah dikirim"] * 2
    assert probed(fake_telegram) == []
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
