"""WhatsApp end to end: signed webhooks → core → outbox → a fake Graph API, and WhatsApp's rules.

The webhook runs on the bot's own Starlette app (over httpx's ASGI transport);
the Graph API is a fake server on 127.0.0.1 that httpx reaches over HTTP.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.actions import Action, Ban, Button, Send
from bot.adapters.base import (
    AuthExpired,
    OutsideWindow,
    PermanentError,
    RecipientUnreachable,
    RetryAfter,
    TransientError,
)
from bot.adapters.whatsapp import WhatsAppAdapter
from bot.adapters.whatsapp_parse import sign
from bot.delivery import OutboxSender
from bot.events import Address, ButtonPressed, DeliveryFailed, Event, Message
from bot.web import build_app
from tests.adapters.conftest import adapter_settings
from tests.adapters.payloads import payload
from tests.fakes.graph_api import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    VERSION,
    FakeGraph,
    graph_error,
    graph_server_error,
    graph_stall,
)
from tests.fakes.server import serving
from tests.support.harness import Harness

CUSTOMER = "6281234567890"
PATH = "/webhooks/whatsapp"
_ids = itertools.count(1)


class Live:
    def __init__(self, harness: Harness, adapter: WhatsAppAdapter, graph: FakeGraph) -> None:
        self.harness = harness
        self.adapter = adapter
        self.graph = graph
        self.clock = harness.clock
        self.store = harness.runtime.store
        self.events: list[Event] = []
        self.replies: list[str] = []
        self.sender = OutboxSender(self.store, {"whatsapp": adapter}, self.clock,
                                   harness.runtime.settings.outbox, feedback=self.sink)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(self.store, [adapter])),
                                        base_url="https://bot.tokonusa.id")

    async def sink(self, event: Event) -> list[Action]:
        self.events.append(event)
        actions: list[Action] = await self.harness.core.handle(event)
        self.replies += [action.text for action in actions if isinstance(action, Send)]
        return actions

    async def post(self, body: bytes, signature: str | None = "sign") -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers["X-Hub-Signature-256"] = sign(body, APP_SECRET)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        response = await self.client.post(PATH, content=body, headers=headers)
        await self.adapter.settled()
        return response

    async def customer_says(self, text: str, wamid: str | None = None) -> httpx.Response:
        return await self.post(json.dumps(self.inbound(text, wamid)).encode())

    def inbound(self, text: str, wamid: str | None = None) -> dict[str, Any]:
        delivery = payload("whatsapp", "text_message")
        message = delivery["entry"][0]["changes"][0]["value"]["messages"][0]
        message.update(id=wamid or f"wamid.TEST{next(_ids):06d}", text={"body": text},
                       timestamp=str(int(self.clock.now().timestamp())))
        return delivery

    async def deliver(self) -> None:
        await self.sender.drain(timeout=5)

    async def rows(self) -> list[Any]:
        from sqlalchemy import select

        from bot.storage.models import OutboxItem

        async with self.store.transaction() as tx:
            return list((await tx.session.execute(select(OutboxItem).order_by(OutboxItem.id))).scalars())


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    async with serving(fake.app) as base_url:
        fake.base_url = base_url  # type: ignore[attr-defined]
        yield fake


async def open_live(graph: FakeGraph, database_url: str, **whatsapp: Any) -> Live:
    settings = adapter_settings(database_url, whatsapp={
        "access_token": ACCESS_TOKEN, "phone_number_id": PHONE_NUMBER_ID, "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN, "graph_url": f"{graph.base_url}/{VERSION}",  # type: ignore[attr-defined]
        "request_timeout_seconds": 2.0, **whatsapp})
    harness = await Harness.open(settings)
    adapter = WhatsAppAdapter(settings, harness.clock, store=harness.runtime.store)
    live = Live(harness, adapter, graph)
    await adapter.start(live.sink)
    return live


@pytest.fixture
async def live(graph: FakeGraph, sqlite_database_url: str) -> AsyncIterator[Live]:
    bot = await open_live(graph, sqlite_database_url, out_of_window_template="follow_up")
    yield bot
    await bot.client.aclose()
    await bot.adapter.aclose()
    await bot.harness.close()


async def test_meta_verifies_the_webhook_with_the_verify_token(live: Live) -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN}
    ok = await live.client.get(PATH, params=query)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = await live.client.get(PATH, params={**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403


async def test_unsigned_and_forged_deliveries_are_refused_and_logged(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(live.inbound("halo")).encode()
    with caplog.at_level(logging.WARNING, logger="bot.adapters.whatsapp"):
        unsigned = await live.post(body, signature=None)
        forged = await live.post(body, signature=sign(body, "not the app secret"))
    assert (unsigned.status_code, forged.status_code) == (401, 403)
    assert live.events == [] and live.graph.messages == []
    assert [r.getMessage() for r in caplog.records] == [
        "whatsapp webhook rejected: missing signature", "whatsapp webhook rejected: invalid signature"]


async def test_a_signed_message_is_answered_through_the_graph_api_once_even_if_delivered_twice(live: Live) -> None:
    for _ in range(2):  # Meta retries when it did not see our 200
        response = await live.customer_says("halo", wamid="wamid.SAME0001")
        assert response.status_code == 200
    await live.deliver()
    assert len(live.events) == 2
    (sent,) = live.graph.messages
    assert sent["to"] == CUSTOMER and [sent["text"]["body"]] == live.replies
    async with live.store.transaction() as tx:
        assert await tx.whatsapp.last_message_at(CUSTOMER) == live.clock.now().replace(microsecond=0)


async def test_buttons_follow_whatsapps_limits(live: Live) -> None:
    await live.customer_says("halo")
    address = Address("whatsapp", CUSTOMER)
    three = (Button("Lacak paket", "a"), Button("Refund", "b"), Button("Hubungi CS", "c"))
    await live.adapter.execute(Send(address=address, text="Pilih ya Kak", buttons=three))
    await live.adapter.execute(Send(address=address, text="Pilih ya Kak", buttons=(*three, Button("Lainnya", "d"))))
    kinds = [m["interactive"]["type"] for m in live.graph.of_type("interactive")]
    assert kinds == ["button", "list"] and live.graph.refused == []


async def test_a_typed_number_picks_from_more_than_ten_numbered_choices(live: Live) -> None:
    await live.customer_says("halo")
    choices = tuple(Button(f"Cabang {n}", f"branch:{n}") for n in range(1, 13))
    await live.adapter.execute(Send(address=Address("whatsapp", CUSTOMER), text="Cabang mana?", buttons=choices))
    assert "12. Cabang 12" in live.graph.texts[-1]
    await live.customer_says("2")
    pressed = live.events[-1]
    assert isinstance(pressed, ButtonPressed) and pressed.data == "branch:2"


async def test_outside_the_24_hour_window_the_template_goes_and_the_agent_is_told(live: Live) -> None:
    await live.customer_says("halo")
    await live.deliver()
    live.clock.advance(hours=25)
    async with live.store.transaction() as tx:
        await tx.outbox.add([Send(address=Address("whatsapp", CUSTOMER), text="Pesanan Kakak sudah dikirim",
                                  ref="ticket:7")], "staff:relay:1", live.clock.now())
    await live.deliver()
    assert live.graph.messages[-1]["template"] == {"name": "follow_up", "language": {"code": "id"}}
    assert "Pesanan Kakak sudah dikirim" not in live.graph.texts
    failed = live.events[-1]
    assert isinstance(failed, DeliveryFailed)
    assert (failed.reason, failed.substitute, failed.text) == (
        "outside_window", "template:follow_up", "Pesanan Kakak sudah dikirim")
    row = (await live.rows())[-1]
    assert (row.status, row.failure_reason) == ("failed", "outside_window")


async def test_without_a_template_nothing_is_sent_outside_the_window(
    graph: FakeGraph, sqlite_database_url: str
) -> None:
    bot = await open_live(graph, sqlite_database_url)
    try:
        with pytest.raises(OutsideWindow) as caught:
            await bot.adapter.execute(Send(address=Address("whatsapp", CUSTOMER), text="Halo Kak"))
        assert caught.value.substitute is None and graph.messages == []
    finally:
        await bot.adapter.aclose()
        await bot.harness.close()


async def test_when_whatsapp_says_the_window_closed_the_template_goes(live: Live) -> None:
    await live.customer_says("halo")
    live.graph.fail(graph_error(131047, "Re-engagement message"))
    with pytest.raises(OutsideWindow) as caught:
        await live.adapter.execute(Send(address=Address("whatsapp", CUSTOMER), text="Halo lagi Kak"))
    assert caught.value.substitute == "template:follow_up"
    assert live.graph.messages[-1]["type"] == "template"


async def test_statuses_are_stored_and_a_failed_one_reaches_the_agent(live: Live) -> None:
    await live.customer_says("halo")
    await live.deliver()
    assert len(live.graph.messages) == 1
    wamid = "wamid.FAKE000001"  # the id the fake Graph API gave our reply
    statuses = payload("whatsapp", "statuses")
    for status in statuses["entry"][0]["changes"][0]["value"]["statuses"]:
        status["id"] = wamid
    await live.post(json.dumps(statuses).encode())  # "read" arrives before "delivered"
    async with live.store.transaction() as tx:
        stored = await tx.deliveries.get("whatsapp", wamid)
    assert stored is not None and stored.status == "read"
    failed = payload("whatsapp", "status_failed")
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = wamid
    await live.post(json.dumps(failed).encode())
    notice = live.events[-1]
    assert isinstance(notice, DeliveryFailed) and notice.reason == "outside_window"
    assert notice.text == live.replies[0]
    (row,) = await live.rows()
    assert (row.status, row.failure_reason) == ("failed", "outside_window")


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (graph_error(130429, "Rate limit hit"), RetryAfter),
        (graph_error(131056, "(Business Account, Consumer Account) pair rate limit hit"), RetryAfter),
        (graph_server_error(), TransientError),
        (graph_error(131026, "Message Undeliverable"), RecipientUnreachable),
        (graph_error(190, "Invalid OAuth access token", status=401), AuthExpired),
        (graph_error(131009, "Parameter value is not valid"), PermanentError),
    ],
)
async def test_graph_errors_tell_the_sender_what_to_do(live: Live, failure: Any, expected: type[Exception]) -> None:
    await live.customer_says("halo")
    live.graph.fail(failure)
    with pytest.raises(expected) as caught:
        await live.adapter.execute(Send(address=Address("whatsapp", CUSTOMER), text="halo"))
    if expected is PermanentError:
        assert not isinstance(caught.value, RecipientUnreachable | OutsideWindow)


async def test_no_answer_in_time_is_retried(graph: FakeGraph, sqlite_database_url: str) -> None:
    bot = await open_live(graph, sqlite_database_url, request_timeout_seconds=0.3)
    try:
        await bot.customer_says("halo")
        graph.fail(graph_stall(0.5))
        await bot.deliver()
        assert graph.messages == []
        bot.clock.advance(minutes=5)
        await bot.deliver()
        assert len(graph.messages) == 1
    finally:
        await bot.client.aclose()
        await bot.adapter.aclose()
        await bot.harness.close()


async def test_a_ban_on_whatsapp_is_skipped_and_reported_not_a_crash(live: Live) -> None:
    async with live.store.transaction() as tx:
        await tx.outbox.add([Ban(address=Address("whatsapp", CUSTOMER), user_id=CUSTOMER)], "mod:1", live.clock.now())
    await live.deliver()
    (row,) = await live.rows()
    assert (row.status, row.failure_reason) == ("skipped", "unsupported")
    assert isinstance(live.events[-1], DeliveryFailed) and live.events[-1].reason == "unsupported"


async def test_a_long_answer_is_split_under_4096_characters(live: Live) -> None:
    await live.customer_says("halo")
    text = ("Kak, berikut langkah lengkapnya. " * 200).strip()
    result = await live.adapter.execute(Send(address=Address("whatsapp", CUSTOMER), text=text))
    assert len(live.graph.texts) == 2 and all(len(t) <= 4096 for t in live.graph.texts)
    assert result.message_id == "wamid.FAKE000001"


async def test_media_is_answered_politely(live: Live) -> None:
    voice = payload("whatsapp", "voice_note")
    voice["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(int(live.clock.now().timestamp()))
    await live.post(json.dumps(voice).encode())
    (event,) = live.events
    assert isinstance(event, Message) and event.media == "voice"
    await live.deliver()
    assert len(live.graph.texts) == 1 and live.graph.texts == live.replies



async def test_one_malformed_message_costs_only_itself(live: Live, caplog: pytest.LogCaptureFixture) -> None:
    delivery = live.inbound("halo")
    value = delivery["entry"][0]["changes"][0]["value"]
    good = value["messages"][0]
    other = "6289876543210"
    value["contacts"].append({"profile": {"name": "Sari"}, "wa_id": other})
    value["messages"] = [
        dict(good, id="wamid.BAD0001", **{"from": "62812\ud800"}),  # a lone surrogate in the sender
        good,
        dict(good, id="wamid.BAD0002", text={"body": ["not", "text"]}),  # the wrong type
        dict(good, id="wamid.GOOD0002", **{"from": other}, text={"body": "cara refund gimana?"}),
        dict(good, id="wamid." + "A" * 5000),  # longer than any message id
        "not even an object",
    ]
    with caplog.at_level(logging.WARNING, logger="bot.adapters.whatsapp"):
        response = await live.post(json.dumps(delivery).encode())
    assert response.status_code == 200
    assert [event.sender.user_id for event in live.events if event.sender] == [CUSTOMER, other]
    await live.deliver()
    assert sorted(message["to"] for message in live.graph.messages) == sorted([CUSTOMER, other])
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 4
    assert any("message 0: from is not a WhatsApp id" in line for line in skipped)
    assert any("message 2: text.body is not a string" in line for line in skipped)


async def test_a_signed_body_that_is_no_delivery_is_a_bad_request(live: Live) -> None:
    for body in (b"{", b"[]", b"null", b"[" * 100_000):
        response = await live.post(body)
        assert response.status_code == 400
    assert live.events == []


async def test_a_huge_message_is_cut_to_whatsapps_maximum_before_the_bot_reads_it(live: Live) -> None:
    response = await live.customer_says("refund " + "a" * 1_000_000)
    assert response.status_code == 200
    (event,) = live.events
    assert isinstance(event, Message) and len(event.text) == 4096 and event.text.startswith("refund aaa")
