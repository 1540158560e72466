"""Hundreds of malformed, oversized and forged webhook requests: never a 5xx, forgeries refused.

The real Starlette app, the real WhatsApp and Telegram (webhook mode) adapters and the
real core and database (SQLite and PostgreSQL) take every request below. A 5xx would
make Meta or Telegram send the same bad request again for days, so a body that cannot
be read is a 4xx (or a 200 with the unreadable part skipped), and a request without
the right signature or secret is a 401/403 whatever it carries.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.adapters.telegram import SECRET_HEADER, TelegramAdapter
from bot.adapters.whatsapp import WhatsAppAdapter
from bot.adapters.whatsapp_parse import sign
from bot.storage.models import ProcessedUpdate
from bot.web import build_app
from tests.adapters.conftest import adapter_settings
from tests.fakes.graph_api import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, VERSION, FakeGraph
from tests.fakes.server import serving
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.support.harness import Harness

CUSTOMER = "6281234567890"
TG_SECRET = "s3cret-Token_for-webhooks"
LIMIT = 1024 * 1024
NOW = 1767603600
WA = "/webhooks/whatsapp"
TG = "/webhooks/telegram"


# ---- the bodies ---------------------------------------------------------------------------------

_ids = itertools.count(1)


def whatsapp_delivery() -> dict[str, Any]:
    """A valid delivery with a message and a status, fresh ids each time (so nothing is a duplicate)."""
    n = next(_ids)
    return {
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "6281100000000", "phone_number_id": PHONE_NUMBER_ID},
                    "contacts": [{"profile": {"name": "Budi"}, "wa_id": CUSTOMER}],
                    "messages": [{"from": CUSTOMER, "id": f"wamid.FUZZ{n:06d}", "timestamp": str(NOW),
                                  "type": "text", "text": {"body": "halo kak"}}],
                    "statuses": [{"id": f"wamid.OUT{n:06d}", "status": "delivered", "timestamp": str(NOW),
                                  "recipient_id": CUSTOMER}],
                },
            }],
        }],
    }


# Values of the wrong type, size or content for any field.
BAD_VALUES: list[Any] = [
    None, 0, 1.5, True, "", [], {"x": {"y": None}}, [None], "\ud800", "\x00\x01\x1f", "x" * 70_000, 10**40,
    "٣٤٥", float("inf"),
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _set(document: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> Any:
    if not path:
        return value
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


def _dumps(document: Any) -> bytes:
    return json.dumps(document).encode()  # ensure_ascii: a lone surrogate travels as "\ud800", as in the wild


def malformed_whatsapp_bodies() -> list[tuple[str, bytes]]:
    bodies: list[tuple[str, bytes]] = [
        ("empty", b""),
        ("not json", b"{"),
        ("json null", b"null"),
        ("json list", b"[]"),
        ("json number", b"123"),
        ("json string", b'"whatsapp_business_account"'),
        ("not utf-8", b"\xff\xfe\x00{"),
        ("invalid utf-8 in a string", b'{"object": "\xff\xfe"}'),
        ("utf-8 bom", b"\xef\xbb\xbf" + _dumps(whatsapp_delivery())),
        ("NaN", b"NaN"),
        ("nul byte", b"\x00"),
        ("deep arrays", b"[" * 200_000 + b"]" * 200_000),
        ("deep objects", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        ("number of 5000 digits", b'{"object": ' + b"9" * 5000 + b"}"),
        ("trailing garbage", _dumps(whatsapp_delivery()) + b"}}}"),
        ("json with comments", b'{"object": "whatsapp_business_account" /* hi */}'),
        ("duplicate keys", b'{"object": "whatsapp_business_account", "object": []}'),
    ]
    template = whatsapp_delivery()
    for path in list(_paths(template)):
        label = "/".join(map(str, path)) or "root"
        if path:
            bodies.append((f"{label} missing", _dumps(_set(whatsapp_delivery(), path, None, delete=True))))
        for number, bad in enumerate(BAD_VALUES):
            bodies.append((f"{label} = bad[{number}]", _dumps(_set(whatsapp_delivery(), path, bad))))
    for field_path, size in [
        (("entry", 0, "changes", 0, "value", "messages", 0, "from"), 200),
        (("entry", 0, "changes", 0, "value", "messages", 0, "id"), 5000),
        (("entry", 0, "changes", 0, "value", "statuses", 0, "status"), 400),
        (("entry", 0, "changes", 0, "value", "statuses", 0, "id"), 300),
        (("entry", 0, "changes", 0, "value", "statuses", 0, "recipient_id"), 129),
        (("entry", 0, "changes", 0, "value", "contacts", 0, "profile", "name"), 300_000),
        (("entry", 0, "changes", 0, "value", "messages", 0, "text", "body"), 900_000),
    ]:
        label = "/".join(map(str, field_path))
        bodies.append((f"{label} of {size} digits", _dumps(_set(whatsapp_delivery(), field_path, "6" * size))))
    many = whatsapp_delivery()
    value = many["entry"][0]["changes"][0]["value"]
    value["messages"] = [dict(value["messages"][0], id=f"wamid.MANY{n:05d}") for n in range(100)]
    bodies.append(("100 messages in one delivery", _dumps(many)))
    bodies.append(("over the size limit", b'{"object": "' + b"x" * (LIMIT + 10) + b'"}'))
    return bodies


def malformed_telegram_bodies() -> list[tuple[str, bytes]]:
    def update(**message: Any) -> dict[str, Any]:
        n = next(_ids)
        body: dict[str, Any] = {
            "message_id": n, "date": NOW,
            "chat": {"id": 5012345678, "type": "private", "first_name": "Budi"},
            "from": {"id": 5012345678, "is_bot": False, "first_name": "Budi", "language_code": "id"},
            "text": "halo",
        }
        body.update(message)
        return {"update_id": 900000 + n, "message": body}

    group = {"id": -1001234, "type": "supergroup", "title": "T" * 5000}
    bodies: list[tuple[str, bytes]] = [
        ("empty", b""),
        ("not json", b"{"),
        ("json list", b"[]"),
        ("json null", b"null"),
        ("deep arrays", b"[" * 200_000 + b"]" * 200_000),
        ("no update id", b"{}"),
        ("update id a string", b'{"update_id": "x"}'),
        ("message a string", b'{"update_id": 1, "message": "halo"}'),
        ("date a string", _dumps(update(date="yesterday"))),
        ("chat missing", _dumps(update(chat=None))),
        ("text a number", _dumps(update(text=12345))),
        ("text of 900,000 characters", _dumps(update(text="x" * 900_000))),
        ("lone surrogate in the text", _dumps(update(text="halo \ud800 kak"))),
        ("nul in the text", _dumps(update(text="halo\x00kak"))),
        ("name of 100,000 characters", _dumps(update(**{"from": {"id": 77, "is_bot": False,
                                                                 "first_name": "N" * 100_000}}))),
        ("language code of 300 characters", _dumps(update(**{"from": {"id": 78, "is_bot": False,
                                                                      "first_name": "A",
                                                                      "language_code": "x" * 300}}))),
        ("lone surrogate in the name", _dumps(update(**{"from": {"id": 79, "is_bot": False,
                                                                 "first_name": "\udc80"}}))),
        ("group title of 5000 characters", _dumps(update(chat=group, text="halo semua"))),
        ("entity past the end", _dumps(update(text="/start", entities=[{"type": "bot_command", "offset": 0,
                                                                          "length": 10**6}]))),
        ("callback without message", b'{"update_id": 5, "callback_query": {"id": "1", "chat_instance": "c",'
                                     b' "from": {"id": 1, "is_bot": false, "first_name": "A"}, "data": "x"}}'),
        ("my_chat_member malformed", b'{"update_id": 6, "my_chat_member": {"chat": {"id": 1, "type": "group"},'
                                     b' "date": 1, "old_chat_member": 5, "new_chat_member": null}}'),
        ("over the size limit", b'{"update_id": 7, "x": "' + b"x" * (LIMIT + 10) + b'"}'),
    ]
    return bodies


WHATSAPP_BODIES = malformed_whatsapp_bodies()
TELEGRAM_BODIES = malformed_telegram_bodies()
ODD_SIGNATURES: list[bytes] = [
    b"sha256=\xff\xfe", "sha256=é".encode("latin-1"), b"\xc3\xa9", b"sha256=" + b"a" * 64 + b"\x80",
    b"sha256", b"=", b"sha256=", b" sha256 = abc", b"sha1=" + b"0" * 40, b"sha256=" + b"0" * 64,
    b"sha256=" + b"\x00" * 64, b"sha256=" + "\u00ff".encode("latin-1") * 64,
]
ODD_SECRETS: list[bytes] = [
    b"", b"\xff", TG_SECRET.encode() + b"\x80", "é".encode("latin-1"), TG_SECRET.encode()[:-1],
    TG_SECRET.upper().encode(), b"\x00", TG_SECRET.encode() + b" x",
]


# ---- the bot ------------------------------------------------------------------------------------


class Bot:
    def __init__(self, harness: Harness, client: httpx.AsyncClient, whatsapp: WhatsAppAdapter,
                 telegram: TelegramAdapter) -> None:
        self.harness = harness
        self.client = client
        self.whatsapp = whatsapp
        self.telegram = telegram

    async def post(self, path: str, body: bytes, headers: dict[str, Any] | list[tuple[bytes, bytes]]) -> int:
        response = await self.client.post(path, content=body, headers=headers)
        await self.whatsapp.settled()
        return response.status_code

    async def processed(self) -> int:
        async with self.harness.runtime.store.transaction() as tx:
            return int((await tx.session.execute(select(func.count()).select_from(ProcessedUpdate))).scalar_one())


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Bot]:
    graph, telegram_api = FakeGraph(), FakeTelegram()
    async with serving(graph.app) as graph_url, serving(telegram_api.app) as telegram_url:
        settings = adapter_settings(
            database_url,
            whatsapp={"access_token": ACCESS_TOKEN, "phone_number_id": PHONE_NUMBER_ID, "app_secret": APP_SECRET,
                      "verify_token": VERIFY_TOKEN, "graph_url": f"{graph_url}/{VERSION}"},
            telegram={"token": TOKEN, "base_url": f"{telegram_url}/bot", "mode": "webhook",
                      "secret_token": TG_SECRET, "request_timeout_seconds": 2.0},
            http={"public_url": "https://bot.tokonusa.id", "max_body_bytes": LIMIT},
        )
        harness = await Harness.open(settings)
        store = harness.runtime.store
        whatsapp = WhatsAppAdapter(settings, harness.clock, store=store)
        telegram = TelegramAdapter(settings, harness.clock, store=store)
        await whatsapp.start(harness.core.handle)
        await telegram.start(harness.core.handle)
        app = build_app(store, [whatsapp, telegram], max_body_bytes=LIMIT)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://bot.tokonusa.id")
        try:
            yield Bot(harness, client, whatsapp, telegram)
        finally:
            await client.aclose()
            await whatsapp.aclose()
            await telegram.aclose()
            await harness.close()


# ---- the tests ----------------------------------------------------------------------------------


def test_there_are_hundreds_of_malformed_bodies() -> None:
    assert len(WHATSAPP_BODIES) >= 300 and len(TELEGRAM_BODIES) >= 20


async def test_whatsapp_never_answers_5xx_and_refuses_every_forgery(bot: Bot) -> None:
    answers: dict[str, tuple[int, int, int]] = {}
    for label, body in WHATSAPP_BODIES:
        json_header = {"Content-Type": "application/json"}
        signed = await bot.post(WA, body, {**json_header, "X-Hub-Signature-256": sign(body, APP_SECRET)})
        forged = await bot.post(WA, body, {**json_header, "X-Hub-Signature-256": sign(body, "not the secret")})
        unsigned = await bot.post(WA, body, json_header)
        answers[label] = (signed, forged, unsigned)
    server_errors = {label: codes for label, codes in answers.items() if any(code >= 500 for code in codes)}
    assert server_errors == {}
    assert {codes[1] for codes in answers.values()} <= {403, 413}
    assert {codes[2] for codes in answers.values()} <= {401, 413}
    assert {codes[0] for codes in answers.values()} <= {200, 400, 413}
    assert answers["not json"][0] == 400 and answers["over the size limit"] == (413, 413, 413)
    assert answers["root = bad[0]"][0] == 400  # a signed `null` is not a delivery
    assert answers["entry/0/changes/0/value/messages/0/from = bad[8]"][0] == 200  # a lone surrogate: skipped


async def test_whatsapp_odd_signature_headers_are_refused_not_crashed(bot: Bot) -> None:
    body = _dumps(whatsapp_delivery())
    codes = [await bot.post(WA, body, [(b"x-hub-signature-256", odd), (b"content-type", b"application/json")])
             for odd in ODD_SIGNATURES]
    assert codes == [403] * len(ODD_SIGNATURES)
    assert await bot.processed() == 0
    right = await bot.post(WA, body, [(b"x-hub-signature-256", sign(body, APP_SECRET).upper().encode())])
    assert right == 200 and await bot.processed() == 1  # the message (a status is stored apart)


async def test_a_signed_delivery_counts_whatever_its_content_type(bot: Bot) -> None:
    for content_type in ["text/plain", "multipart/form-data; boundary=x", "", "application/xml"]:
        body = _dumps(whatsapp_delivery())
        headers = {"Content-Type": content_type, "X-Hub-Signature-256": sign(body, APP_SECRET)}
        assert await bot.post(WA, body, headers) == 200
    assert await bot.processed() == 4


async def test_telegram_never_answers_5xx_and_refuses_every_forgery(bot: Bot) -> None:
    answers: dict[str, tuple[int, int]] = {}
    for label, body in TELEGRAM_BODIES:
        right = await bot.post(TG, body, {SECRET_HEADER: TG_SECRET, "Content-Type": "application/json"})
        forged = await bot.post(TG, body, {SECRET_HEADER: "guess", "Content-Type": "application/json"})
        answers[label] = (right, forged)
    assert {label: codes for label, codes in answers.items() if any(code >= 500 for code in codes)} == {}
    assert {codes[1] for codes in answers.values()} <= {403, 413}
    assert {codes[0] for codes in answers.values()} <= {200, 400, 413}
    assert answers["not json"] == (400, 403) and answers["over the size limit"] == (413, 413)
    for label in ("text of 900,000 characters", "lone surrogate in the text", "name of 100,000 characters",
                  "language code of 300 characters", "group title of 5000 characters"):
        assert answers[label][0] == 200, label


async def test_telegram_odd_secret_headers_are_refused_not_crashed(bot: Bot) -> None:
    body = _dumps({"update_id": 1, "message": {"message_id": 1, "date": NOW, "text": "halo",
                                              "chat": {"id": 5, "type": "private", "first_name": "A"}}})
    codes = [await bot.post(TG, body, [(SECRET_HEADER.lower().encode(), odd)]) for odd in ODD_SECRETS]
    assert codes == [403] * len(ODD_SECRETS)
    assert await bot.processed() == 0


async def test_other_routes_answer_4xx_to_nonsense(bot: Bot) -> None:
    client = bot.client
    verify = [
        await client.get(WA, params={"hub.mode": "subscribe", "hub.verify_token": odd, "hub.challenge": "1"})
        for odd in ["", "\ufffd", "é" * 1000, "\x00", VERIFY_TOKEN + "\u0301"]
    ]
    assert [r.status_code for r in verify] == [403] * 5
    raw = await client.get(WA + "?hub.mode=subscribe&hub.verify_token=%ED%A0%80&hub.challenge=%FF")
    assert raw.status_code == 403
    assert (await client.post("/healthz", content=b"x")).status_code == 405
    assert (await client.get("/healthz", headers={"Content-Length": "5"})).status_code < 500
    assert (await client.get(TG)).status_code == 405
    assert (await client.post("/webhooks/nothing", content=b"{}")).status_code == 404
    assert (await client.request("DELETE", WA)).status_code == 405
