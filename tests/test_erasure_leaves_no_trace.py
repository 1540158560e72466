"""An erased customer leaves no trace: not in any table, not in the SQLite file, not in its WAL.

Two customers live a realistic life with the bot and the team: a clarification offered
in their words, greetings, questions the SOP misses (recorded as gaps), a message in
Javanese, a ticket with a topic in the staff forum, a captioned photo and a voice note
both ways, an insult hidden from the team and revealed by an agent, a pause with
`/block` and its lifting, agent replies, `/transcript` and `/queue`, a rating and a
comment, a reopening and a second rating, an SLA alert naming them to a supervisor,
WhatsApp delivery statuses. Then the WhatsApp customer says `/forgetme` and staff
erase the Telegram customer with `bot privacy forget`. Afterwards what `strings`
would see in the database file and its `-wal` holds none of their names, numbers
(also as a WhatsApp message id carries them, in base64), file ids or words; a third
customer is untouched, and the anonymous facts of the reports (tickets, their times,
every rating) remain. On PostgreSQL, where there is no file to read, every text
column of every table is searched instead. A month later the retention purge leaves
none of what was said either, and keeps the reports' facts. The same life, with
logging on at INFO and at DEBUG, writes none of it unmasked into a log line. Posts
about an erased person that still wait to be sent (a paused staff platform) go too.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import itertools
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
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
from bot.adapters.base import AuthExpired
from bot.adapters.media import link_media
from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram_parse import BotIdentity
from bot.adapters.telegram_parse import parse as parse_telegram
from bot.adapters.whatsapp import WhatsAppAdapter
from bot.adapters.whatsapp_parse import sign
from bot.cli import app
from bot.clock import ManualClock
from bot.events import Address
from bot.logs import StructuredFormatter, configure_logging
from bot.roles import Role
from bot.storage.models import (
    Base,
    ConversationState,
    DeliveryStatusRecord,
    OutboxItem,
    SopGap,
    StaffMessage,
    Ticket,
    TicketEvent,
    TicketRating,
    TranscriptLine,
    WhatsAppContact,
)
from bot.web import build_app
from tests.fakes.graph_api import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, VERSION, FakeGraph
from tests.fakes.server import serving
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME, FakeTelegram
from tests.fakes.telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.handoff.conftest import MONDAY_MORNING, SOP_DIR, TELEGRAM_FORUM, Desk, desk_settings, open_desk
from tests.handoff.live import go_live
from tests.support.harness import Harness

SULASTRI = ("6285712345678", "Sulastri Wibisono")  # WhatsApp: her number is her id
GUNAWAN = ("5550001234", "Gunawan Prasetyo")  # Telegram
ANI = ("6281398765432", "Ani Lestari")  # WhatsApp, stays
SINTA = ("900", "Sinta Dewi")  # the supervisor, on Telegram without a username: named by a text mention

# Files: WhatsApp media ids of Sulastri's photo and voice note, the Telegram file id of the
# voice note Rina sends her, and the Telegram file id of Gunawan's photo.
SULASTRI_PHOTO, SULASTRI_VOICE = "7311598242051187", "7311598242059923"
RINA_VOICE = "AwACAgUAAxkBAAIBq2RinaSuaraKulkas"
GUNAWAN_PHOTO = "AgACAgUAAxkBAAIBr2GunawanJaketSobek"

SULASTRI_WORDS = ("Polytron", "toska", "Cikarang", "INV-77812", "77812", "jempolan", "sulastri.w@contoh.id",
                  "0857-1234-5678", "085712345678", "85712345678", "penyok", "Jatiasih", "Tegalgede", "lecet",
                  "kulkasku", SULASTRI_PHOTO, SULASTRI_VOICE, RINA_VOICE)
GUNAWAN_WORDS = ("Garsel", "marun", "Tambun", "gunpras", "Bintaro", "jahitan", GUNAWAN_PHOTO)
ANI_WORDS = ("Wonosobo", "carica")
ME = BotIdentity(str(BOT_ID), BOT_USERNAME)


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
    """The bot with the real WhatsApp adapter (webhooks in, a fake Graph API out) and the real
    Telegram adapter (a fake Bot API) for the staff forum and Telegram customers."""

    desk: Desk
    adapter: WhatsAppAdapter
    graph: MetaGraph
    telegram: FakeTelegram
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

    async def sends_photo(self, person: tuple[str, str], media_id: str, caption: str) -> None:
        self.graph.media[media_id] = (b"\xff\xd8\xff\xe0-" + media_id.encode(), "image/jpeg")
        await self.post(self._message(person, {"type": "image", "image": {
            "id": media_id, "mime_type": "image/jpeg", "sha256": "x", "caption": caption}}))

    async def sends_voice(self, person: tuple[str, str], media_id: str) -> None:
        self.graph.media[media_id] = (b"OggS-" + media_id.encode(), "audio/ogg; codecs=opus")
        await self.post(self._message(person, {"type": "audio", "audio": {
            "id": media_id, "mime_type": "audio/ogg; codecs=opus", "sha256": "x", "voice": True}}))

    async def presses(self, person: tuple[str, str], data: str) -> None:
        await self.post(self._message(person, {"type": "interactive", "interactive": {
            "type": "button_reply", "button_reply": {"id": data, "title": data}}}))

    async def statuses(self, wa_id: str) -> None:
        """Meta reports sent, delivered and read for every message we sent to `wa_id` so far."""
        at = str(int(self.bot.clock.now().timestamp()))
        reports = [{"id": wamid, "status": status, "timestamp": at, "recipient_id": to}
                   for to, wamid in self.graph.sent if to == wa_id for status in ("sent", "delivered", "read")]
        await self.post(self._envelope({"statuses": reports}))

    async def telegram_update(self, message: dict[str, Any]) -> None:
        """A Bot API update parsed by the real parser, handled, and what it caused delivered."""
        self.bot.clock.advance(seconds=next(self._seconds) % 7 + 20)
        update = {"update_id": 900000 + next(self._seconds), "message": {
            "message_id": 7000 + next(self._seconds), "date": int(self.bot.clock.now().timestamp()), **message}}
        [event] = parse_telegram(update, ME, self.bot.clock.now())
        await self.bot.core.handle(event)
        await self.bot.deliver()

    async def telegram_says(self, person: tuple[str, str], username: str, text: str, **content: Any) -> None:
        first, last = person[1].split()
        sender = {"id": int(person[0]), "is_bot": False, "first_name": first, "last_name": last,
                  "username": username, "language_code": "id"}
        await self.telegram_update({"chat": {**sender, "type": "private"}, "from": sender, "text": text}
                                   if not content else {"chat": {**sender, "type": "private"}, "from": sender,
                                                        **content})

    async def agent_posts(self, thread: str, **content: Any) -> None:
        """Rina writes in a ticket's topic of the forum (a file, words, or both)."""
        await self.telegram_update({
            "chat": {"id": int(TELEGRAM_FORUM), "type": "supergroup", "title": "CS Toko Nusa", "is_forum": True},
            "from": {"id": 501, "is_bot": False, "first_name": "Rina", "last_name": "Wati", "username": "rina"},
            "message_thread_id": int(thread), "is_topic_message": True, **content})

    def sent_to(self, wa_id: str) -> list[str]:
        return [m["text"]["body"] if m["type"] == "text" else m["interactive"]["body"]["text"]
                for m in self.graph.messages if m["to"] == wa_id and m["type"] in ("text", "interactive")]

    def staff_saw(self) -> list[str]:
        """Every text and caption the bot posted in the staff forum."""
        return [str(call.params.get("text") or call.params.get("caption") or "") for call in self.telegram.calls
                if str(call.params.get("chat_id")) == TELEGRAM_FORUM]


@contextlib.asynccontextmanager
async def life_on(database_url: str) -> AsyncIterator[Life]:
    graph, telegram = MetaGraph(), FakeTelegram()
    async with serving(graph.app) as graph_url, serving(telegram.app) as telegram_url:
        settings = desk_settings(database_url, sections={
            "whatsapp": {"access_token": ACCESS_TOKEN, "phone_number_id": PHONE_NUMBER_ID, "app_secret": APP_SECRET,
                         "verify_token": VERIFY_TOKEN, "graph_url": f"{graph_url}/{VERSION}",
                         "request_timeout_seconds": 2.0},
            "telegram": {"token": TELEGRAM_TOKEN, "base_url": f"{telegram_url}/bot",
                         "base_file_url": f"{telegram_url}/file/bot", "request_timeout_seconds": 2.0}})
        bot = await Harness.open(settings, ManualClock(MONDAY_MORNING))
        whatsapp = WhatsAppAdapter(settings, bot.clock, store=bot.runtime.store)
        telegram_adapter = TelegramAdapter(settings, bot.clock, store=bot.runtime.store)
        link_media([telegram_adapter, whatsapp])
        await telegram_adapter.open()
        await whatsapp.start(bot.core.handle)
        desk = Desk(bot, Address("telegram", TELEGRAM_FORUM))
        go_live(desk, telegram_adapter, whatsapp)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(bot.runtime.store, [whatsapp])),
                                   base_url="https://bot.tokonusa.id")
        try:
            yield Life(desk, whatsapp, graph, telegram, client, database_url)
        finally:
            await client.aclose()
            await whatsapp.aclose()
            await telegram_adapter.aclose()
            await bot.close()


@pytest.fixture
async def life(database_url: str) -> AsyncIterator[Life]:
    async with life_on(database_url) as lived:
        yield lived


async def live_a_life(life: Life) -> None:
    desk = life.desk
    await desk.agent_online()
    await desk.grant("telegram", SINTA[0], Role.SUPERVISOR)
    await desk.agent_command("online", user=SINTA[0], person_name=SINTA[1], username=None)

    # Ani asks something the SOP does not cover (a gap that Sulastri will share).
    await life.says(ANI, "halo kak")
    await life.says(ANI, "jual tiket konser coldplay gak")

    # Sulastri: a question the bot asks back about (the options in her words), small talk,
    # two misses (gaps), then a person takes over in a forum topic.
    await life.says(SULASTRI, "kulkas Polytron toska: paket kapan sampai, atau refund aja?")
    assert life.graph.messages[-1]["type"] == "interactive"  # which of two she meant, with buttons
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

    # Files both ways: her photo with a caption and a voice note reach the topic; Rina's voice note reaches her.
    await life.sends_photo(SULASTRI, SULASTRI_PHOTO, "pintu kulkas penyok waktu sampai di Jatiasih")
    await life.sends_voice(SULASTRI, SULASTRI_VOICE)
    assert [call.params["caption"] for call in life.telegram.calls if call.method in ("sendPhoto", "sendVoice")] == [
        "👤 Sulastri Wibisono: [📷 foto] pintu kulkas penyok waktu sampai di Jatiasih",
        "👤 Sulastri Wibisono: [🎤 pesan suara]"]
    life.telegram.files[RINA_VOICE] = b"OggS-rina"
    await life.agent_posts(topic, voice={"file_id": RINA_VOICE, "file_unique_id": "rv", "duration": 4,
                                         "mime_type": "audio/ogg", "file_size": 9})
    assert life.graph.of_type("audio") and life.sent_to(SULASTRI[0])[-1] == "Rina (CS): 🎤 pesan suara"

    # An insult: hidden from the team, she is warned, Sinta is alerted by a mention; Rina and Sinta reveal it.
    await life.says(SULASTRI, "dasar goblok, kulkasku dari Tegalgede belum diganti juga")
    assert not any("Tegalgede" in text for text in life.staff_saw())
    alert = next(call.params for call in life.telegram.calls if str(call.params.get("text")).startswith("🛡️"))
    assert "Sulastri Wibisono" in alert["text"] and "text_mention" in str(alert.get("entities"))
    await desk.agent_press("handoff:reveal:1:1", thread=topic)
    await desk.agent_command("reveal", "#1", "1", user=SINTA[0], person_name=SINTA[1], username=None)  # general topic
    assert sum("Tegalgede" in text for text in life.staff_saw()) == 2

    # Sinta pauses her from the alert's button; what she writes meanwhile is kept, not relayed; then lifted.
    await desk.agent_press("handoff:block:1:24h", thread=topic, user=SINTA[0], name=SINTA[1], username=None)
    await life.says(SULASTRI, "halo?? kulkasku gimana, sudah lecet semua")
    assert not any("lecet" in text for text in life.staff_saw())
    await desk.agent_command("unblock", "#1", user=SINTA[0], person_name=SINTA[1], username=None)
    assert "sudah bisa mengobrol lagi" in life.sent_to(SULASTRI[0])[-1]

    await desk.agent_command("transcript", thread=topic)
    await desk.agent_command("queue")  # in the forum's general topic: lists "Sulastri Wibisono"
    await life.statuses(SULASTRI[0])
    await desk.agent_command("close", "data", "pesanan", "dicatat", thread=topic)
    await life.presses(SULASTRI, "csat:1:5")
    await life.says(SULASTRI, "mbak Rina jempolan, kulkasnya aman")
    assert (await desk.ticket(1)).csat_comment == "mbak Rina jempolan, kulkasnya aman"

    # She comes back the same day: the ticket reopens in a new topic, is closed again, and rated again.
    desk.clock.advance(hours=2)
    await life.says(SULASTRI, "mau bicara dengan CS lagi, pintu kulkasku masih penyok")
    reopened = await desk.ticket(1)
    assert reopened.reopen_count == 1 and reopened.staff_thread_id not in (None, topic)
    second_topic = reopened.staff_thread_id
    assert second_topic is not None
    await desk.agent("Maaf Kak Sulastri, teknisi ke Jatiasih besok", thread=second_topic)
    await desk.agent_command("transcript", thread=second_topic)
    await desk.agent_command("close", "teknisi", "dijadwalkan", thread=second_topic)
    await life.presses(SULASTRI, "csat:1:4")
    await life.says(SULASTRI, "teknisinya cepat, tapi pintu kulkasku masih lecet")
    await life.statuses(SULASTRI[0])

    # The next day, in Javanese: told which languages the bot speaks, and counted as an other-language gap.
    desk.clock.advance(hours=25)
    await life.says(SULASTRI, "kulo badhe tanglet, kulkas Polytron dereng dugi Tegalgede")
    assert life.sent_to(SULASTRI[0])[-1].startswith("Maaf, saya hanya bisa membantu dalam Bahasa Indonesia")

    # Gunawan on Telegram: a miss, then a person; a photo by reference; nobody answers in time, so
    # Sinta is alerted with his name; his ticket is still open when he is erased.
    await life.telegram_says(GUNAWAN, "gunpras", "jaket Garsel warna marun saya sobek, dikirim ke Tambun")
    await life.telegram_says(GUNAWAN, "gunpras", "mau bicara dengan CS, saya di Bintaro sekarang")
    gunawan_topic = (await desk.ticket(2)).staff_thread_id
    assert gunawan_topic is not None
    life.telegram.files[GUNAWAN_PHOTO] = b"\xff\xd8\xff\xe0-jaket"
    await life.telegram_says(GUNAWAN, "gunpras", "", caption="jahitan lengan lepas semua",
                             photo=[{"file_id": GUNAWAN_PHOTO, "file_unique_id": "gp", "width": 800, "height": 600,
                                     "file_size": 12}])
    assert life.telegram.called("sendPhoto")[-1]["photo"] == GUNAWAN_PHOTO  # the same platform: by reference
    desk.clock.advance(minutes=6)
    await life.bot.core.sweep()
    await life.bot.deliver()
    assert any("Gunawan Prasetyo" in text and "Sinta Dewi" in text for text in life.staff_saw())
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
    sulastri_or_gunawan = sulastri | gunawan
    # Before: they are everywhere (the test would see them; the base64 forms are in update ids).
    before = await all_text(life.url, life.bot)
    assert bare(found(before, sulastri)) >= {"Sulastri", "Wibisono", SULASTRI[0], "Polytron", "toska", "Cikarang",
                                             "INV-77812", "jempolan", "penyok", "Jatiasih", "Tegalgede", "lecet",
                                             "kulkasku", SULASTRI_PHOTO, SULASTRI_VOICE, RINA_VOICE}
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
    assert found(after, sulastri_or_gunawan) == []
    assert bare(found(after, ani)) >= ani - base64_forms(ANI[0])  # Ani's data is untouched
    if sqlite_file(life.url) is not None:
        raw = file_bytes(life.url)
        assert found(raw, sulastri_or_gunawan) == []
        assert found(raw, {"Wonosobo", ANI[1]}) == ["Ani Lestari", "Wonosobo"]

    async with life.bot.runtime.store.transaction() as tx:
        tickets = list((await tx.session.execute(select(Ticket).order_by(Ticket.id))).scalars())
        lines_after = await tx.session.scalar(select(func.count()).select_from(TranscriptLine))
        gaps = {gap.fingerprint: gap for gap in (await tx.session.execute(select(SopGap))).scalars()}
        ratings = [(r.ticket_id, r.score) for r in (await tx.session.execute(
            select(TicketRating).order_by(TicketRating.id))).scalars()]
        events = [action for (action,) in await tx.session.execute(
            select(TicketEvent.action).where(TicketEvent.ticket_id == 1).order_by(TicketEvent.id))]
    # The reports keep their facts: three tickets with their times and scores, every rating and
    # step of the first ticket, every message counted.
    assert [(t.id, t.status, t.csat_score) for t in tickets] == [(1, "resolved", 4), (2, "resolved", None),
                                                                 (3, "resolved", 4)]
    assert all(t.opened_at and t.resolved_at and t.first_response_at for t in tickets)
    assert tickets[0].reopen_count == 1 and tickets[0].blocked_by == f"telegram:{SINTA[0]}"
    assert tickets[1].sla_breached_at is not None
    assert ratings == [(1, 5), (1, 4), (3, 4)]
    assert {"abuse_hidden", "revealed", "blocked", "unblocked", "csat", "csat_comment", "reopened"} <= set(events)
    assert [t.customer_key for t in tickets] == ["erased", "erased", f"whatsapp:{ANI[0]}"]
    assert lines_after is not None and lines_before is not None and lines_after >= lines_before
    # The questions only they asked are gone; the one Ani asked too counts less, in Ani's words.
    [(fingerprint, shared)] = gaps.items()
    assert "coldplay" in fingerprint and shared_before is not None and 1 <= shared.count < shared_before
    assert shared.example == "jual tiket konser coldplay gak"


# What the customers wrote and were sent: gone after the retention period, unlike who they are.
SAID_AND_SENT = ("Polytron", "toska", "Cikarang", "INV-77812", "jempolan", "penyok", "Jatiasih", "Tegalgede", "lecet",
                 "kulkasku", SULASTRI_PHOTO, SULASTRI_VOICE, RINA_VOICE, "Garsel", "marun", "Tambun", "Bintaro",
                 "jahitan", GUNAWAN_PHOTO, "coldplay", "Wonosobo", "carica")


async def test_the_retention_purge_leaves_none_of_the_old_conversations_and_keeps_the_reports(
    life: Life, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bot privacy purge` a month later: every copy of what was said and sent (transcript
    lines and their files, delivered posts, delivery statuses, conversation states,
    WhatsApp contacts, unanswered questions) older than the retention period goes, in
    every column and in the SQLite file; the tickets, their steps and every rating stay,
    and what a customer wrote since stays too."""
    await live_a_life(life)
    async with life.bot.runtime.store.transaction() as tx:
        steps_before = await tx.session.scalar(select(func.count()).select_from(TicketEvent))
    assert set(bare(found(await all_text(life.url, life.bot), SAID_AND_SENT))) == set(SAID_AND_SENT)

    life.desk.clock.advance(days=31)
    await life.says(ANI, "halo kak, mau tanya lagi soal oleh-oleh Dieng")
    monkeypatch.setattr("bot.app.SystemClock", lambda: life.bot.clock)
    env = {"BOT_DATABASE_URL": life.url, "BOT_SUPPORT__SOP_DIR": str(SOP_DIR),
           "BOT_HANDOFF__STAFF_CHAT": f"telegram:{TELEGRAM_FORUM}"}
    result = await asyncio.to_thread(CliRunner().invoke, app, ["privacy", "purge", "--days", "30"], env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert result.stdout.startswith("purged ") and "older than 30 day(s)" in result.stdout

    after = await all_text(life.url, life.bot)
    assert found(after, SAID_AND_SENT) == []
    assert bare(found(after, {"Dieng"})) == {"Dieng"}  # written since: kept
    if sqlite_file(life.url) is not None:
        assert found(file_bytes(life.url), SAID_AND_SENT) == []
    async with life.bot.runtime.store.transaction() as tx:
        tickets = list((await tx.session.execute(select(Ticket).order_by(Ticket.id))).scalars())
        ratings = [(r.ticket_id, r.score) for r in (await tx.session.execute(
            select(TicketRating).order_by(TicketRating.id))).scalars()]
        steps_after = await tx.session.scalar(select(func.count()).select_from(TicketEvent))
        statuses = list((await tx.session.execute(select(DeliveryStatusRecord))).scalars())
        contacts = [c.wa_id for c in (await tx.session.execute(select(WhatsAppContact))).scalars()]
        conversations = [c.chat_key for c in (await tx.session.execute(select(ConversationState))).scalars()]
    assert [(t.id, t.status, t.csat_score, t.reopen_count) for t in tickets] == [
        (1, "resolved", 4, 1), (2, "waiting", None, 0), (3, "resolved", 4, 0)]
    assert [t.customer_name for t in tickets] == [None, GUNAWAN[1], None]  # an open ticket keeps its customer
    assert ratings == [(1, 5), (1, 4), (3, 4)] and steps_after == steps_before
    assert statuses == [] and contacts == [ANI[0]] and conversations == [f"whatsapp:{ANI[0]}"]


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


CONFIGURED_LOGGERS = ("bot", "httpx", "httpcore", "telegram", "discord", "aiosqlite", "sqlalchemy", "uvicorn.access",
                      "alembic")


@pytest.fixture
def log_lines() -> Iterator[Callable[[str], io.StringIO]]:
    """Logging configured as `bot run` does, into a buffer; the previous configuration restored after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, {name: logging.getLogger(name).level for name in CONFIGURED_LOGGERS})

    def configure(level: str) -> io.StringIO:
        stream = io.StringIO()
        configure_logging(level, stream=stream)
        return stream

    yield configure
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_log_lines_name_no_customer_and_quote_none_of_their_words(
    level: str, sqlite_database_url: str, log_lines: Callable[[str], io.StringIO]
) -> None:
    """The same life, logged as `bot run` logs it: facts (events, outcomes, retries) but no
    customer's number (a WhatsApp id, or inside a WhatsApp message id), name, words or file
    ids, at INFO and at DEBUG. A Telegram user id is an account number, not a phone: it may
    appear, so a log can follow one conversation."""
    stream = log_lines(level)
    async with life_on(sqlite_database_url) as lived:
        await live_a_life(lived)
        await lived.says(SULASTRI, "/forgetme")
        await lived.presses(SULASTRI, "privacy:forget:yes")
    output = stream.getvalue()
    assert "event=Message" in output and "outcome=" in output
    customers = (traces_of(SULASTRI, SULASTRI_WORDS) | traces_of(ANI, ANI_WORDS)
                 | traces_of(GUNAWAN, GUNAWAN_WORDS) - {GUNAWAN[0]})
    leaked = {needle: line for line in output.splitlines() for needle in customers if needle.lower() in line.lower()}
    assert leaked == {}


async def test_nothing_about_the_person_waits_to_be_posted_while_the_staff_platform_is_paused(
    sqlite_database_url: str,
) -> None:
    """Telegram refused the token while Budi's ticket was worked on: the posts about him wait
    (in his ticket's first topic, the /reveal answer in the general topic, the topic his
    reopened ticket was to get). He is erased meanwhile; when sending resumes, none of it goes,
    and what waited for another customer does."""
    desk = await open_desk(desk_settings(sqlite_database_url))
    budi = {"user": "6281234567890", "name": "Budi Santoso"}
    try:
        await desk.agent_online()
        await desk.customer("mau bicara dengan CS", **budi)
        first_topic = await desk.thread_of()
        await desk.customer("dasar goblok, paket ke Kaliurang belum sampai", **budi)  # hidden from the team
        desk.bot.adapters["telegram"].fail_with.append(AuthExpired("Unauthorized"))
        await desk.agent_command("transcript", thread=first_topic)  # refused: Telegram sending pauses
        await desk.agent_command("reveal", "#1", "1")  # in the general topic
        await desk.agent_command("close", "paket", "dicek", thread=first_topic)
        await desk.customer_press("csat:1:5", **budi)
        await desk.customer("mau bicara dengan CS lagi, paketnya ke Kaliurang", **budi)  # reopened: a new topic
        assert (await desk.ticket()).reopen_count == 1
        await desk.customer("mau bicara dengan CS", user=ANI[0], name=ANI[1])  # another customer, waiting too
        async with desk.bot.runtime.store.transaction() as tx:
            waiting = [row.payload for row in (await tx.session.execute(
                select(OutboxItem).where(OutboxItem.platform == "telegram", OutboxItem.status == "pending"))).scalars()]
        assert any("Kaliurang" in json.dumps(payload) for payload in waiting)

        await desk.customer_command("forgetme", user=budi["user"], person_name=budi["name"])
        await desk.customer_press("privacy:forget:yes", **budi)
        async with desk.bot.runtime.store.transaction() as tx:
            left = [json.dumps(row.payload, ensure_ascii=False) for row in (await tx.session.execute(
                select(OutboxItem).where(OutboxItem.platform == "telegram"))).scalars()]
            await tx.outbox.resume("telegram")
        assert [payload for payload in left if {"Budi", "Santoso", "Kaliurang", "goblok"} & set(payload.split())] == []
        posted = [str(action) for action in await desk.bot.deliver()]
        assert any(ANI[1] in action for action in posted)
        assert not any("Budi" in action or "Kaliurang" in action for action in posted)
    finally:
        await desk.bot.close()



async def remembered_posts(desk: Desk) -> set[str]:
    """The bot's staff-chat posts a reply under reaches a ticket through."""
    async with desk.bot.runtime.store.transaction() as tx:
        return set((await tx.session.execute(select(StaffMessage.message_id))).scalars())


async def test_a_staff_view_carries_its_tickets_ref_but_is_no_way_to_the_customer(sqlite_database_url: str) -> None:
    """A transcript asked for in the general topic is marked as the ticket's, so an erasure
    finds it; unlike the ticket's own posts it is not remembered as a handle to the ticket,
    so an agent answering a colleague under it does not write to the customer."""
    desk = await open_desk(desk_settings(sqlite_database_url))
    try:
        await desk.agent_online()
        await desk.customer("mau bicara dengan CS", user=ANI[0], name=ANI[1])
        posts = await remembered_posts(desk)
        assert posts  # the card in the ticket's topic
        await desk.agent_command("transcript", "#1")
        async with desk.bot.runtime.store.transaction() as tx:
            [view] = (await tx.session.execute(
                select(OutboxItem.payload).where(OutboxItem.chat_id == TELEGRAM_FORUM, OutboxItem.status == "sent")
                .where(OutboxItem.payload["text"].as_string().startswith("Transkrip tiket #1"))
            )).scalars().all()
        assert view["ref"] == "ticket:1:view" and view["address"][2] is None
        assert await remembered_posts(desk) == posts
    finally:
        await desk.bot.close()


def formatted(message: str, name: str = "bot.delivery", **fields: Any) -> str:
    record = logging.makeLogRecord({"msg": message, "levelname": "INFO", "name": name, **fields})
    return StructuredFormatter().format(record)


def test_a_whatsapp_message_id_is_logged_as_a_digest_that_still_follows_one_message() -> None:
    wamid = realistic_wamid(SULASTRI[0])
    first = formatted("sending again", key=f"whatsapp:{wamid}#0")
    again = formatted("delivery retry", key=f"whatsapp:{wamid}#0")
    assert found(first.encode(), base64_forms(SULASTRI[0])) == [] and "HBgN" not in first
    key = first.split("key=")[1]
    assert key.startswith("whatsapp:wamid.#") and key.endswith("#0") and key == again.split("key=")[1]
    assert key != formatted("x", key=f"whatsapp:{realistic_wamid(SULASTRI[0])}#0").split("key=")[1]


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        (f"https://graph.facebook.com/v21.0/{SULASTRI_PHOTO}", "https://graph.facebook.com/v21.0/…"),
        (f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={SULASTRI_PHOTO}&ext=1&hash=AbC",
         "https://lookaside.fbsbx.com/…/attachments/?…"),
        (f"https://api.telegram.org/file/bot123456789:AAEabcdefghijklmnopqrstuvwxyz/voice/{RINA_VOICE}.oga",
         "https://api.telegram.org/file/bot[token]/voice/…"),
        ("https://api.telegram.org/bot123456789:AAEabcdefghijklmnopqrstuvwxyz/sendMessage",
         "https://api.telegram.org/bot[token]/sendMessage"),
        ("https://discord.com/api/v10/channels/880001/messages", "https://discord.com/api/v10/channels/…/messages"),
    ],
)
def test_urls_are_logged_down_to_the_apis_words(url: str, logged: str) -> None:
    line = formatted('HTTP Request: GET %s "HTTP/1.1 200 OK"', name="httpx", args=(url,))
    assert f'HTTP Request: GET {logged} \\"HTTP/1.1 200 OK\\"' in line


def test_debug_is_the_bots_own_debug_lines_not_the_libraries_requests(
    log_lines: Callable[[str], io.StringIO],
) -> None:
    stream = log_lines("DEBUG")
    logging.getLogger("bot.core").debug("a decision explained")
    logging.getLogger("telegram.Bot").debug("Calling Bot API endpoint `sendMessage` with parameters `{'text': 'x'}`")
    logging.getLogger("aiosqlite").debug("executing INSERT INTO transcript ... ('kulkas Polytron', ...)")
    logging.getLogger("sqlalchemy.engine.Engine").info("INSERT INTO transcript ... ('kulkas Polytron', ...)")
    logging.getLogger("httpx").info("HTTP Request: POST https://graph.facebook.com/v21.0/106540352242922/messages")
    lines = stream.getvalue().splitlines()
    assert [line.split(" msg=")[0].split(" logger=")[1] for line in lines] == ["bot.core", "httpx"]


async def test_an_erased_supervisor_is_no_longer_named_by_the_pauses_and_reveals_they_made(
    sqlite_database_url: str,
) -> None:
    desk = await open_desk(desk_settings(sqlite_database_url))
    try:
        await desk.agent_online()
        await desk.grant("telegram", SINTA[0], Role.SUPERVISOR)
        await desk.customer("mau bicara dengan CS", user=ANI[0], name=ANI[1])
        await desk.customer("dasar goblok, carica saya mana", user=ANI[0], name=ANI[1])
        thread = await desk.thread_of()
        await desk.agent_press("handoff:reveal:1:1", thread=thread, user=SINTA[0], name=SINTA[1], username=None)
        await desk.agent_press("handoff:block:1:24h", thread=thread, user=SINTA[0], name=SINTA[1], username=None)
        async with desk.bot.runtime.store.transaction() as tx:
            await tx.privacy.erase_person("telegram", SINTA[0], desk.clock.now())
        ticket = await desk.ticket()
        assert ticket.blocked_by == "erased" and ticket.blocked_until is not None  # the pause itself holds
        actors = {event.action: event.actor_key for event in await desk.ticket_events()}
        assert actors["revealed"] == actors["blocked"] == "erased"
        assert ticket.customer_key == f"whatsapp:{ANI[0]}"  # the customer is untouched
    finally:
        await desk.bot.close()
