"""Files in a ticket, both ways, through the real adapters and the fake platform servers.

A customer on WhatsApp sends a photo: the agents' Telegram topic gets the photo itself
(fetched from the Graph API with our token, uploaded to Telegram) with the caption.
An agent's photo goes the other way. On one platform a file goes by reference. A file
that cannot go (too large, unknown, refused) still gets its words across, and the
people on the other side are told why.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.adapters.discord_adapter import DiscordAdapter
from bot.adapters.media import link_media
from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram_parse import BotIdentity
from bot.adapters.telegram_parse import parse as parse_telegram
from bot.adapters.whatsapp import WhatsAppAdapter
from bot.adapters.whatsapp_parse import parse as parse_whatsapp
from bot.events import Address, ChatKind, Media, Message, Person
from tests.adapters.payloads import payload
from tests.fakes.discord_api import TOKEN as DISCORD_TOKEN
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.graph_api import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    VERSION,
    FakeGraph,
)
from tests.fakes.multipart import Upload
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME, TOKEN, FakeTelegram
from tests.handoff.conftest import (
    TELEGRAM_FORUM,
    Desk,
    desk_settings,
    on_local_server,
    open_desk,
    sent_to,
)
from tests.handoff.live import go_live

CUSTOMER = "6281234567890"
PHOTO = b"\xff\xd8\xff\xe0-a photo of a broken parcel"
LABEL = b"\xff\xd8\xff\xe0-a photo of a return label"
ME = BotIdentity(str(BOT_ID), BOT_USERNAME)
_ids = itertools.count(1)


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with on_local_server(FakeGraph()) as fake:
        yield fake


def telegram_section(fake: FakeTelegram) -> dict[str, Any]:
    base = fake.base_url  # type: ignore[attr-defined]
    return {"token": TOKEN, "base_url": f"{base}/bot", "base_file_url": f"{base}/file/bot",
            "request_timeout_seconds": 2.0}


def whatsapp_section(fake: FakeGraph) -> dict[str, Any]:
    return {"access_token": ACCESS_TOKEN, "phone_number_id": PHONE_NUMBER_ID, "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN, "graph_url": f"{fake.base_url}/{VERSION}"}  # type: ignore[attr-defined]


class Live:
    """A desk whose Telegram and WhatsApp are the real adapters against the fakes."""

    def __init__(self, desk: Desk, telegram: TelegramAdapter, whatsapp: WhatsAppAdapter) -> None:
        self.desk = desk
        self.telegram = telegram
        self.whatsapp = whatsapp

    async def from_whatsapp(self, name: str, **changes: Any) -> None:
        """A captured WhatsApp delivery, made current, through the adapter (which notes the window)."""
        delivery = payload("whatsapp", name)
        message = delivery["entry"][0]["changes"][0]["value"]["messages"][0]
        message.update(id=f"wamid.T{next(_ids):05d}", timestamp=str(int(self.desk.clock.now().timestamp())),
                       **changes)
        for event in parse_whatsapp(delivery, PHONE_NUMBER_ID):
            await self.whatsapp.handle_event(event)
        await self.desk.bot.deliver()

    async def ticket_from_whatsapp(self) -> str:
        """Rina is online and Budi asks for a person on WhatsApp: the topic of his ticket."""
        await self.desk.agent_online()
        await self.from_whatsapp("text_message", text={"body": "mau bicara dengan CS"})
        return await self.desk.thread_of()

    async def agent_posts(self, thread: str, **content: Any) -> None:
        """Rina writes in the ticket's topic (a Bot API update parsed by the real parser)."""
        update = {"update_id": 900000 + next(_ids), "message": {
            "message_id": 7000 + next(_ids), "date": int(self.desk.clock.now().timestamp()),
            "chat": {"id": int(TELEGRAM_FORUM), "type": "supergroup", "title": "CS Toko Nusa", "is_forum": True},
            "from": {"id": 501, "is_bot": False, "first_name": "Rina", "last_name": "Wati", "username": "rina"},
            "message_thread_id": int(thread), "is_topic_message": True, **content}}
        [event] = parse_telegram(update, ME, self.desk.clock.now())
        await self.desk.bot.core.handle(event)
        await self.desk.bot.deliver()


@pytest.fixture
async def live(desk_db: str, fake_telegram: FakeTelegram, graph: FakeGraph) -> AsyncIterator[Live]:
    settings = desk_settings(
        desk_db, sections={"telegram": telegram_section(fake_telegram), "whatsapp": whatsapp_section(graph)}
    )
    desk = await open_desk(settings)
    telegram = TelegramAdapter(settings, desk.clock, store=desk.bot.runtime.store)
    whatsapp = WhatsAppAdapter(settings, desk.clock, store=desk.bot.runtime.store)
    link_media([telegram, whatsapp])
    await telegram.open()
    await whatsapp.start(desk.bot.runtime.core.handle)
    go_live(desk, telegram, whatsapp)
    yield Live(desk, telegram, whatsapp)
    await whatsapp.aclose()
    await telegram.aclose()
    await desk.bot.close()


def photo_sizes(file_id: str, size: int = 1000) -> list[dict[str, Any]]:
    return [{"file_id": f"{file_id}small", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 90},
            {"file_id": file_id, "file_unique_id": "b", "width": 800, "height": 600, "file_size": size}]


async def test_a_whatsapp_photo_reaches_the_telegram_topic_and_an_agent_photo_comes_back(
    live: Live, fake_telegram: FakeTelegram, graph: FakeGraph
) -> None:
    desk = live.desk
    thread = await live.ticket_from_whatsapp()

    graph.media["1468299840471934"] = (PHOTO, "image/jpeg")
    await live.from_whatsapp("image_with_caption")
    [posted] = fake_telegram.called("sendPhoto")
    assert (posted["chat_id"], posted["message_thread_id"]) == (TELEGRAM_FORUM, thread)
    assert posted["caption"] == "👤 Budi Santoso: [📷 foto] paketnya rusak kak"
    assert isinstance(posted["photo"], Upload) and posted["photo"].content == PHOTO
    assert graph.downloads == ["1468299840471934"]  # fetched once, with our token
    assert [line.attachment for line in await desk.transcript(1) if line.text.startswith("[photo]")] == [
        {"files": [{"kind": "photo", "platform": "whatsapp", "file_id": "1468299840471934", "url": None,
                    "file_name": None, "mime_type": "image/jpeg", "size": None}]}
    ]

    fake_telegram.files["AgACreturnlabel"] = LABEL
    await live.agent_posts(thread, photo=photo_sizes("AgACreturnlabel"), caption="ini label returnya, Kak")
    [(media_id, upload)] = graph.uploads.items()
    assert upload.content == LABEL and upload.content_type == "image/jpeg"
    sent = graph.of_type("image")[-1]
    assert sent["to"] == CUSTOMER
    assert sent["image"] == {"id": media_id, "caption": "Rina (CS): ini label returnya, Kak"}
    assert (await desk.ticket()).first_response_at is not None  # a photo is an answer too


async def test_voice_messages_go_both_ways_and_their_words_follow_where_no_caption_fits(
    live: Live, fake_telegram: FakeTelegram, graph: FakeGraph
) -> None:
    thread = await live.ticket_from_whatsapp()
    graph.media["927263748"] = (b"OggS-voice", "audio/ogg; codecs=opus")
    await live.from_whatsapp("voice_note")
    [voice] = fake_telegram.called("sendVoice")
    assert voice["caption"] == "👤 Budi Santoso: [🎤 pesan suara]" and voice["voice"].content == b"OggS-voice"
    assert voice["voice"].content_type == "audio/ogg"

    fake_telegram.files["AwACvoice"] = b"OggS-agent"
    await live.agent_posts(thread, voice={"file_id": "AwACvoice", "file_unique_id": "v", "duration": 3,
                                          "mime_type": "audio/ogg", "file_size": 10})
    [(media_id, upload)] = graph.uploads.items()
    assert upload.content == b"OggS-agent" and upload.content_type == "audio/ogg"
    audio, words = graph.messages[-2:]
    assert audio["type"] == "audio" and audio["audio"] == {"id": media_id}  # WhatsApp audio takes no caption
    assert words["text"]["body"] == "Rina (CS): 🎤 pesan suara"


async def test_a_file_that_cannot_be_fetched_still_brings_its_words_to_the_team(
    live: Live, fake_telegram: FakeTelegram, graph: FakeGraph
) -> None:
    thread = await live.ticket_from_whatsapp()
    # A sticker whose media id Meta no longer knows.
    await live.from_whatsapp("image_with_caption", type="sticker", image=None,
                             sticker={"id": "404404", "mime_type": "image/webp"})
    assert fake_telegram.called("sendSticker") == []
    notice = fake_telegram.sent_texts[-1]
    assert notice.startswith("👤 Budi Santoso: [🖼️ stiker]\n⚠️ Berkasnya tidak bisa ditampilkan di sini (")
    assert "unknown media id" in notice
    assert fake_telegram.called("sendMessage")[-1]["message_thread_id"] == thread


async def test_an_agent_file_too_large_to_pass_on_sends_the_words_and_says_why(
    live: Live, fake_telegram: FakeTelegram, graph: FakeGraph
) -> None:
    thread = await live.ticket_from_whatsapp()
    fake_telegram.files["BQACform"] = b"%PDF-1.7 ..."
    await live.agent_posts(thread, caption="ini formulirnya", document={
        "file_id": "BQACform", "file_unique_id": "f", "file_name": "formulir.pdf",
        "mime_type": "application/pdf", "file_size": 35 * 1024 * 1024})
    assert graph.uploads == {} and graph.of_type("document") == []
    assert graph.texts[-1] == "Rina (CS): ini formulirnya"  # the words went alone
    told = fake_telegram.sent_texts[-1]
    assert told.startswith('⚠️ Tiket #1: berkas dengan pesan "Rina (CS): ini formulirnya" tidak sampai')
    assert "35.0 MB; at most 20 MB" in told and "tulisannya sudah dikirim tanpa berkas" in told


async def test_on_one_platform_a_file_goes_by_reference(live: Live, fake_telegram: FakeTelegram) -> None:
    desk = live.desk
    await desk.agent_online()
    customer = payload("telegram", "photo_caption")
    fake_telegram.files["AgACAgUAAxkBAAIC"] = PHOTO  # Telegram knows the files its users sent
    [asked] = parse_telegram({"update_id": 1, "message": {**customer["message"], "message_id": 41,
                                                           "caption": "mau bicara dengan CS",
                                                           "caption_entities": [], "photo": None}},
                             ME, desk.clock.now())
    await desk.bot.core.handle(asked)
    await desk.bot.deliver()
    thread = await desk.thread_of()
    [photo] = parse_telegram(customer, ME, desk.clock.now())
    assert isinstance(photo, Message)
    assert photo.attachments == (Media("photo", "telegram", "AgACAgUAAxkBAAIC", size=51520,
                                       mime_type="image/jpeg"),)
    await desk.bot.core.handle(photo)
    await desk.bot.deliver()
    [posted] = fake_telegram.called("sendPhoto")
    assert posted["photo"] == "AgACAgUAAxkBAAIC" and posted["message_thread_id"] == thread
    assert posted["caption"] == "👤 Budi Santoso: [📷 foto] paketnya rusak, lihat di sini"

    fake_telegram.files["AgACreply"] = LABEL
    await live.agent_posts(thread, photo=photo_sizes("AgACreply"))
    back = fake_telegram.called("sendPhoto")[-1]
    assert (back["chat_id"], back["photo"]) == ("5012345678", "AgACreply")
    assert back["caption"] == "Rina (CS): 📷 foto"
    assert [c for c in fake_telegram.calls if c.method in ("getFile", "download")] == []


async def test_a_file_sent_while_the_topic_is_opening_is_posted_into_it(desk: Desk) -> None:
    """Recording adapters: the topic opens only when the outbox delivers the OpenThread."""
    await desk.agent_online()
    asked = Message(update_id="whatsapp:early:1", address=Address("whatsapp", CUSTOMER),
                    at=desk.clock.now(), sender=_budi(), message_id="m1", text="mau bicara dengan CS")
    photo = Media("photo", "whatsapp", "777", mime_type="image/jpeg")
    sent = Message(update_id="whatsapp:early:2", address=asked.address, at=desk.clock.now(), sender=_budi(),
                   message_id="m2", text="ini fotonya", media="photo", attachments=(photo,))
    await desk.bot.core.handle(asked)
    await desk.bot.core.handle(sent)  # before the topic exists
    delivered = await desk.bot.deliver()
    thread = await desk.thread_of()
    [posted] = [s for s in sent_to(delivered, "telegram", TELEGRAM_FORUM, thread) if s.media]
    assert posted.media == photo and posted.text == "👤 Budi Santoso: [photo] ini fotonya"


async def test_a_hidden_insult_keeps_its_file_until_someone_asks(desk: Desk) -> None:
    await desk.agent_online()
    await desk.customer("mau bicara dengan CS")
    thread = await desk.thread_of()
    photo = Media("photo", "whatsapp", "888")
    insult = Message(update_id="whatsapp:rude:1", address=Address("whatsapp", CUSTOMER),
                     at=desk.clock.now(), sender=_budi(), message_id="r1", text="lihat nih goblok",
                     media="photo", attachments=(photo,))
    await desk.bot.core.handle(insult)
    hidden = await desk.bot.deliver()
    assert all(send.media is None for send in sent_to(hidden, "telegram", TELEGRAM_FORUM))
    shown = await desk.agent_press("handoff:reveal:1:1", thread=thread)
    assert [send.media for send in sent_to(shown, "telegram", TELEGRAM_FORUM, thread)] == [None, photo]


async def test_a_location_from_an_agent_is_refused_with_a_reason(desk: Desk) -> None:
    await desk.agent_online()
    await desk.customer("mau bicara dengan CS")
    thread = await desk.thread_of()
    desk.clock.advance(timedelta(minutes=1))
    location = Message(update_id="telegram:loc:1", address=desk.staff.in_thread(thread), at=desk.clock.now(),
                       sender=desk._agent("501", "Rina Wati", ""), chat_kind=ChatKind.GROUP,
                       message_id="5001", media="location")
    await desk.bot.core.handle(location)
    refused = await desk.bot.deliver()
    assert sent_to(refused, "whatsapp", CUSTOMER) == []
    [answer] = sent_to(refused, "telegram", TELEGRAM_FORUM, thread)
    assert answer.text.startswith("Pesan jenis ini (📍 lokasi) tidak bisa diteruskan ke pelanggan")


def _budi() -> Person:
    return Person("whatsapp", CUSTOMER, name="Budi Santoso")


# ---- Discord: attachments by their CDN link, re-uploaded --------------------------------------

DISCORD_STAFF = "880001"
DISCORD_CUSTOMER = "110000000000000004"


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with on_local_server(FakeDiscord()) as fake:
        api = f"{fake.base_url}/api/v10"  # type: ignore[attr-defined]
        monkeypatch.setattr(discord.http.Route, "BASE", api)
        monkeypatch.setattr(discord.webhook.async_.Route, "BASE", api)
        yield fake


async def test_discord_files_are_fetched_from_the_cdn_and_uploaded_both_ways(
    desk_db: str, fake_discord: FakeDiscord
) -> None:
    settings = desk_settings(desk_db, staff_chat=f"discord:{DISCORD_STAFF}",
                             sections={"discord": {"token": DISCORD_TOKEN}})
    desk = await open_desk(settings)
    adapter = DiscordAdapter(settings, desk.clock, store=desk.bot.runtime.store)
    await adapter.open()
    adapter._sink = desk.bot.runtime.core.handle
    link_media([adapter])
    go_live(desk, adapter)
    try:
        await desk.agent_online(user="120000000000000001")
        base = fake_discord.base_url  # type: ignore[attr-defined]
        hello = payload("discord", "direct_message")
        adapter.client._connection.parsers["MESSAGE_CREATE"]({**hello, "content": "mau bicara dengan CS"})
        await _settle()
        await desk.bot.deliver()
        thread = await desk.thread_of()

        photo = payload("discord", "photo_in_dm")
        photo["attachments"][0]["url"] = fake_discord.cdn_url(base, "1300", "paket.jpg", PHOTO)
        photo["content"] = "paketnya penyok"
        adapter.client._connection.parsers["MESSAGE_CREATE"](photo)
        await _settle()
        await desk.bot.deliver()
        posted = fake_discord.messages[-1]
        assert posted["channel_id"] == thread
        assert posted["content"] == "👤 Rina: [📷 foto] paketnya penyok"
        assert [a["filename"] for a in posted["attachments"]] == ["paket.jpg"]
        assert fake_discord.uploads()[-1].content == PHOTO

        reply = Message(update_id="discord:agent:1", address=desk.staff.in_thread(thread),
                        at=desk.clock.now(), sender=desk._agent("120000000000000001", "Rina Wati", ""),
                        chat_kind=ChatKind.GROUP, message_id="9001", text="sudah kami terima",
                        media="photo", attachments=(Media("photo", "discord", "1400", url=fake_discord.cdn_url(
                            base, "1400", "bukti.png", LABEL), file_name="bukti.png", mime_type="image/png"),))
        await desk.bot.core.handle(reply)
        await desk.bot.deliver()
        dm = fake_discord.messages[-1]
        assert dm["content"] == "Rina (CS): sudah kami terima" and dm["attachments"][0]["filename"] == "bukti.png"
        assert fake_discord.uploads()[-1].content == LABEL
    finally:
        await adapter.aclose()
        await desk.bot.close()


async def _settle() -> None:
    for _ in range(3):
        pending = [t for t in asyncio.all_tasks() if t.get_name().startswith("discord.py:")]
        await asyncio.gather(*pending)
