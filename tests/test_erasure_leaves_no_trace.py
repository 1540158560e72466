"""An erased customer leaves no trace: not in any table, not in the SQLite file, not in its WAL.

Two customers live a realistic life with the bot and the team: greetings, questions the
SOP misses (recorded as gaps), a ticket with a topic in the staff forum, agent replies,
`/transcript` and `/queue`, a rating and a comment, WhatsApp delivery statuses. Then the
WhatsApp customer says `/forgetme` and staff erase the Telegram customer with `bot
privacy forget`. Afterwards what `strings` would see in the database file and its
`-wal` holds none of their names, numbers (also as a WhatsApp message id carries them,
in base64) or words; a third customer is untouched, and the anonymous facts of the
reports (tickets, their times, scores) remain. On PostgreSQL, where there is no file to
read, every text column of every table is searched instead.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import secrets
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from typer.testing import CliRunner

from bot.actions import Send
from bot.adapters.whatsapp import WhatsAppAdapter
from bot.adapters.whatsapp_parse import sign
from bot.cli import app
from bot.clock import ManualClock
from bot.delivery import OutboxSender
from bot.events import Address, ChatKind, Message, Person
from bot.storage.models import Base, OutboxItem, SopGap, Ticket, TranscriptLine
from bot.web import build_app
from tests.fakes.graph_api import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, VERSION, FakeGraph
from tests.fakes.server import serving
from tests.handoff.conftest import MONDAY_MORNING, SOP_DIR, TELEGRAM_FORUM, Desk, desk_settings
from tests.support.harness import Harness

SULASTRI = ("6285712345678", "Sulastri Wibisono")  # WhatsApp: her number is her id
GUNAWAN = ("5550001234", "Gunawan Prasetyo")  # Telegram
ANI = ("6281398765432", "Ani Lestari")  # WhatsApp, stays

SULASTRI_WORDS = ("Polytron", "toska", "Cikarang", "INV-77812", "77812", "jempolan", "sulastri.w@contoh.id",
                  "0857-1234-5678", "085712345678", "85712345678")
GUNAWAN_WORDS = ("Garsel", "marun", "Tambun", "gunpras", "Bintaro")
ANI_WORDS = ("Wonosobo", "carica")


def realistic_wamid(wa_id: str) -> str:
    """A WhatsApp message id as Meta makes them: the customer's number inside, in base64."""
    inner = b"\x1c\x18\x0d" + wa_id.encode() + b"\x15\x02\x00\x12\x18\x14" + secrets.token_hex(10).upper().encode()
    return "wamid." + base64.b64encode(inner).decode()


def base64_forms(number: str) -> set[str]:
    """The number as base64 at each of the three byte alignments (what a wamid would hold)."""
    forms = set()
    for pad in (b"", b"\x00", b"\x00\x00"):
        encoded = base64.b64encode(pad + number.encode()).decode()
        start = (len(pad) * 4 + 2) // 3
        forms.add(encoded[start + 1 : -4])
    return {form for form in forms if len(form) >= 8}


def traces_of(person: tuple[str, str], words: Iterable[str]) -> set[str]:
    user_id, name = person
    return {user_id, *name.split(), *words, *base64_forms(user_id)}


@dataclass
class MetaGraph(FakeGraph):
    """The fake Graph API, answering with message ids shaped like Meta's."""

    sent: list[tuple[str, str]] = field(default_factory=list)  # (to, wamid)

    async def _messages(self, request: Request) -> Response:
        response = await super()._messages(request)
        if response.status_code != 200:
            return response
        body = json.loads(bytes(response.body))
        to = body["contacts"][0]["wa_id"]
        body["messages"][0]["id"] = realistic_wamid(to)
        self.sent.append((to, body["messages"][0]["id"]))
        return JSONResponse(body)


@dataclass
class Life:
    """The bot with the real WhatsApp adapter (webhooks in, a fake Graph API out) and a Telegram staff forum."""

    desk: Desk
    adapter: WhatsAppAdapter
    graph: MetaGraph
    client: httpx.AsyncClient
    url: str
    webhooks: list[bytes] = field(default_factory=list)
    _seconds: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def bot(self) -> Harness:
        return self.desk.bot

    async def post(self, body: bytes) -> None:
        response = await self.client.post(
            "/webhooks/whatsapp", content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
        )
        assert response.status_code == 200, response.text
        await self.adapter.settled()
        await self.bot.deliver()

    def _envelope(self, value: dict[str, Any]) -> bytes:
        value = {"messaging_product": "whatsapp",
                 "metadata": {"display_phone_number": "6281100000000", "phone_number_id": PHONE_NUMBER_ID}, **value}
        return json.dumps({"object": "whatsapp_business_account",
                           "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]}
                          ).encode()

    def _message(self, person: tuple[str, str], content: dict[str, Any]) -> bytes:
        wa_id, name = person
        self.bot.clock.advance(seconds=next(self._seconds) % 7 + 20)
        message = {"from": wa_id, "id": realistic_wamid(wa_id),
                   "timestamp": str(int(self.bot.clock.now().timestamp())), **content}
        return self._envelope({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]})

    async def says(self, person: tuple[str, str], text: str) -> None:
        body = self._message(person, {"type": "text", "text": {"body": text}})
        self.webhooks.append(body)
        await self.post(body)

    async def presses(self, person: tuple[str, str], data: str) -> None:
        await self.post(self._message(person, {"type": "interactive", "interactive": {
            "type": "button_reply", "button_reply": {"id": data, "title": data}}}))

    async def statuses(self, wa_id: str) -> None:
        """Meta reports sent, delivered and read for every message we sent to `wa_id` so far."""
        at = str(int(self.bot.clock.now().timestamp()))
        reports = [{"id": wamid, "status": status, "timestamp": at, "recipient_id": to}
                   for to, wamid in self.graph.sent if to == wa_id for status in ("sent", "delivered", "read")]
        await self.post(self._envelope({"statuses": reports}))

    async def telegram_says(self, person: tuple[str, str], username: str, text: str) -> None:
        self.bot.clock.advance(seconds=next(self._seconds) % 7 + 20)
        update = f"telegram:{900000 + next(self._seconds)}"
        await self.bot.send_event(Message(
            update_id=update, address=Address("telegram", person[0]), at=self.bot.clock.now(),
            sender=Person("telegram", person[0], name=person[1], username=username, language="id"),
            chat_kind=ChatKind.PRIVATE, message_id=update.rsplit(":", 1)[1], text=text))

    def sent_to(self, wa_id: str) -> list[str]:
        return [m["text"]["body"] if m["type"] == "text" else m["interactive"]["body"]["text"]
                for m in self.graph.messages if m["to"] == wa_id]


@pytest.fixture
async def life(database_url: str) -> AsyncIterator[Life]:
    graph = MetaGraph()
    async with serving(graph.app) as base_url:
        settings = desk_settings(database_url, sections={"whatsapp": {
            "access_token": ACCESS_TOKEN, "phone_number_id": PHONE_NUMBER_ID, "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN, "graph_url": f"{base_url}/{VERSION}", "request_timeout_seconds": 2.0}})
        bot = await Harness.open(settings, ManualClock(MONDAY_MORNING))
        adapter = WhatsAppAdapter(settings, bot.clock, store=bot.runtime.store)
        bot.sender = OutboxSender(bot.runtime.store, {**bot.adapters, "whatsapp": adapter}, bot.clock,
                                  settings.outbox, feedback=bot.core.handle)
        await adapter.start(bot.core.handle)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(bot.runtime.store, [adapter])),
                                   base_url="https://bot.tokonusa.id")
        desk = Desk(bot, Address("telegram", TELEGRAM_FORUM))
        yield Life(desk, adapter, graph, client, database_url)
        await client.aclose()
        await adapter.aclose()
        await bot.close()


async def live_a_life(life: Life) -> None:
    desk = life.desk
    await desk.agent_online()

    # Ani asks something the SOP does not cover (a gap that Sulastri will share).
    await life.says(ANI, "halo kak")
    await life.says(ANI, "jual tiket konser coldplay gak")

    # Sulastri: small talk, two misses (gaps), then a person takes over in a forum topic.
    await life.says(SULASTRI, "halo kak, saya Sulastri")
    await life.says(SULASTRI, "apakah kulkas Polytron warna toska bisa dikirim ke Cikarang?")
    await life.says(SULASTRI, "Jual tiket konser Coldplay gak?")  # as Ani asked, in her own way
    sulastri_ticket = await desk.ticket(1)
    assert sulastri_ticket.customer_name == "Sulastri Wibisono" and sulastri_ticket.staff_thread_id
    topic = sulastri_ticket.staff_thread_id
    await life.says(SULASTRI, "pesanan INV-77812 atas nama Sulastri Wibisono, HP 0857-1234-5678, "
                              "email sulastri.w@contoh.id")
    await desk.agent("Baik Kak Sulastri, kulkas Polytron toska ke Cikarang sedang kami cek", thread=topic)
    assert any("Polytron" in text for text in life.sent_to(SULASTRI[0]))
    await desk.agent_command("transcript", thread=topic)
    await desk.agent_command("queue")  # in the forum's general topic: lists "Sulastri Wibisono"
    await life.statuses(SULASTRI[0])
    await desk.agent_command("close", "data", "pesanan", "dicatat", thread=topic)
    await life.presses(SULASTRI, "csat:1:5")
    await life.says(SULASTRI, "mbak Rina jempolan, kulkasnya aman")
    assert (await desk.ticket(1)).csat_comment == "mbak Rina jempolan, kulkasnya aman"

    # Gunawan on Telegram: a miss, then a person; his ticket is still open when he is erased.
    await life.telegram_says(GUNAWAN, "gunpras", "jaket Garsel warna marun saya sobek, dikirim ke Tambun")
    await life.telegram_says(GUNAWAN, "gunpras", "mau bicara dengan CS, saya di Bintaro sekarang")
    gunawan_topic = (await desk.ticket(2)).staff_thread_id
    await desk.agent("Halo Kak Gunawan, jaket Garsel marun kami ganti ya", thread=gunawan_topic)

    # Ani is served too, and rates.
    await life.says(ANI, "mau bicara dengan CS, carica pesanan saya belum sampai")
    ani_topic = (await desk.ticket(3)).staff_thread_id
    await desk.agent("Halo Kak Ani, kami cek carica-nya", thread=ani_topic)
    await desk.agent_command("close", "dikirim", "ulang", thread=ani_topic)
    await life.presses(ANI, "csat:3:4")
    await life.says(ANI, "pelayanan oke, salam dari Wonosobo")
    await life.statuses(ANI[0])
    desk.clock.advance(minutes=30)


async def all_text(url: str, harness: Harness) -> dict[str, str]:
    """Every column of every table as text, by `table.column` (what queries over all of them would find)."""
    columns: dict[str, list[str]] = {}
    async with harness.runtime.store.transaction() as tx:
        for table in Base.metadata.sorted_tables:
            for row in (await tx.session.execute(select(table))).mappings().all():
                for name, value in row.items():
                    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
                    columns.setdefault(f"{table.name}.{name}", []).append(text)
    return {column: "\n".join(values).lower() for column, values in columns.items()}


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def file_bytes(url: str) -> bytes:
    """The SQLite file and its WAL and shared-memory files, as `strings` would read them."""
    path = sqlite_file(url)
    assert path is not None
    return b"".join(
        candidate.read_bytes() for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if candidate.exists()
    ).lower()


def found(haystack: dict[str, str] | bytes, needles: Iterable[str]) -> list[str]:
    """The needles present (case-insensitively), each with where it was seen in a table."""
    if isinstance(haystack, bytes):
        return sorted(needle for needle in needles if needle.lower().encode() in haystack)
    return sorted(
        f"{needle} in {column}" for needle in needles for column, text in haystack.items() if needle.lower() in text
    )


def bare(findings: list[str]) -> set[str]:
    return {finding.split(" in ")[0] for finding in findings}


async def test_erased_customers_leave_no_trace_and_the_reports_keep_their_facts(life: Life) -> None:
    await live_a_life(life)
    sulastri, gunawan, ani = (traces_of(SULASTRI, SULASTRI_WORDS), traces_of(GUNAWAN, GUNAWAN_WORDS),
                              traces_of(ANI, ANI_WORDS))
    # Before: they are everywhere (the test would see them; the base64 forms are in update ids).
    before = await all_text(life.url, life.bot)
    assert bare(found(before, sulastri)) >= {"Sulastri", "Wibisono", SULASTRI[0], "Polytron", "toska", "Cikarang",
                                             "INV-77812", "jempolan"}
    assert bare(found(before, sulastri)) & base64_forms(SULASTRI[0])  # her messages' ids, in outbox keys
    assert found(before, {"0857-1234-5678", "sulastri.w@contoh.id"}) == []  # masked when stored
    assert bare(found(before, gunawan)) == gunawan - base64_forms(GUNAWAN[0])
    async with life.bot.runtime.store.transaction() as tx:
        shared_before = await tx.session.scalar(
            select(SopGap.count).where(SopGap.fingerprint.contains("coldplay")))
    async with life.bot.runtime.store.transaction() as tx:
        lines_before = await tx.session.scalar(select(func.count()).select_from(TranscriptLine))

    # Sulastri asks to be forgotten; she is told it is done, on WhatsApp.
    await life.says(SULASTRI, "/forgetme")
    await life.presses(SULASTRI, "privacy:forget:yes")
    assert life.sent_to(SULASTRI[0])[-1] == "Data pribadi dan riwayat percakapan Kakak sudah kami hapus. Terima kasih."
    await life.statuses(SULASTRI[0])  # Meta reports the goodbye as sent, delivered and read: not stored
    await life.post(life.webhooks[2])  # and redelivers an old message of hers: still recognised, skipped
    assert life.sent_to(SULASTRI[0])[-1].startswith("Data pribadi")

    # Staff erase Gunawan from the command line while the bot runs.
    env = {"BOT_DATABASE_URL": life.url, "BOT_SUPPORT__SOP_DIR": str(SOP_DIR),
           "BOT_HANDOFF__STAFF_CHAT": f"telegram:{TELEGRAM_FORUM}"}
    result = await asyncio.to_thread(CliRunner().invoke, app, ["privacy", "forget", f"telegram:{GUNAWAN[0]}"],
                                     env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert result.stdout.startswith(f"erased telegram:{GUNAWAN[0]}:") and "1 ticket(s)" in result.stdout
    await life.bot.deliver()  # the notice of his closed ticket reaches the topic

    after = await all_text(life.url, life.bot)
    assert found(after, sulastri) == [] and found(after, gunawan) == []
    assert bare(found(after, ani)) >= ani - base64_forms(ANI[0])  # Ani's data is untouched
    if sqlite_file(life.url) is not None:
        raw = file_bytes(life.url)
        assert found(raw, sulastri) == [] and found(raw, gunawan) == []
        assert found(raw, {"Wonosobo", ANI[1]}) == ["Ani Lestari", "Wonosobo"]

    async with life.bot.runtime.store.transaction() as tx:
        tickets = list((await tx.session.execute(select(Ticket).order_by(Ticket.id))).scalars())
        lines_after = await tx.session.scalar(select(func.count()).select_from(TranscriptLine))
        gaps = {gap.fingerprint: gap for gap in (await tx.session.execute(select(SopGap))).scalars()}
    # The reports keep their facts: three tickets with their times and scores, every message counted.
    assert [(t.id, t.status, t.csat_score) for t in tickets] == [(1, "resolved", 5), (2, "resolved", None),
                                                                 (3, "resolved", 4)]
    assert all(t.opened_at and t.resolved_at and t.first_response_at for t in tickets)
    assert [t.customer_key for t in tickets] == ["erased", "erased", f"whatsapp:{ANI[0]}"]
    assert lines_after is not None and lines_before is not None and lines_after >= lines_before
    # The questions only they asked are gone; the one Ani asked too counts less, in Ani's words.
    [(fingerprint, shared)] = gaps.items()
    assert "coldplay" in fingerprint and shared_before is not None and 1 <= shared.count < shared_before
    assert shared.example == "jual tiket konser coldplay gak"


async def test_the_wal_keeps_no_copy_of_the_pages_an_erasure_rewrote(sqlite_database_url: str) -> None:
    """Until a checkpoint, the `-wal` holds the pages as they were before the erasure."""
    bot = await Harness.open(desk_settings(sqlite_database_url), ManualClock(MONDAY_MORNING))
    try:
        await bot.say("jaket Garsel warna marun saya sobek, dikirim ke Tambun", user=GUNAWAN[0])
        assert found(file_bytes(sqlite_database_url), {"Garsel"}) == ["Garsel"]  # in the WAL, not yet checkpointed
        await bot.command("forgetme", user=GUNAWAN[0])
        await bot.press("privacy:forget:yes", user=GUNAWAN[0])
        assert found(file_bytes(sqlite_database_url), {"Garsel", "Tambun", GUNAWAN[0]}) == []
    finally:
        await bot.close()


async def test_messages_quoting_the_person_go_but_nobody_loses_a_pending_reply(sqlite_database_url: str) -> None:
    bot = await Harness.open(desk_settings(sqlite_database_url), ManualClock(MONDAY_MORNING))
    try:
        await bot.say("halo kak", user="777001")  # a customer called Budi (the harness's name)
        agent, now = Address("telegram", "501"), bot.clock.now()
        async with bot.runtime.store.transaction() as tx:
            await tx.outbox.add([Send(address=agent, text="#7 · Budi (Telegram) · menunggu")], "staff:1", now)
        await bot.deliver()  # delivered: it quotes him, so it goes with him
        await bot.command("forgetme", user="777001")
        async with bot.runtime.store.transaction() as tx:  # waiting to go to someone else when he is erased
            await tx.outbox.add([Send(address=agent, text="Budi dari gudang titip salam")], "staff:2", now)
            await tx.outbox.add([Send(address=Address("telegram", "888"), text="Halo Al")], "other:1", now)
        await bot.press("privacy:forget:yes", user="777001")
        async with bot.runtime.store.transaction() as tx:
            rows = {row.payload["text"]: row.status for row in (await tx.session.execute(select(OutboxItem))).scalars()}
        assert "#7 · Budi (Telegram) · menunggu" not in rows
        assert rows["Budi dari gudang titip salam"] == "sent" and rows["Halo Al"] == "sent"
    finally:
        await bot.close()
