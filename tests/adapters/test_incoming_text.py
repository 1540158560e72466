"""Text from the platforms is cut to the platform's maximum and cleaned before anything reads it.

A forged or buggy update may carry a megabyte where a real message holds 4,096
characters; analysis and storage see no more than a real message can hold, and
nothing a database column refuses (lone surrogates, NUL), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.adapters.incoming import clean_text
from bot.adapters.telegram_parse import BotIdentity, parse
from bot.events import Address, Message, Person
from bot.storage import Database, Store
from bot.storage.migrate import upgrade
from tests.adapters import test_discord
from tests.adapters.payloads import payload
from tests.adapters.test_discord import Recorder, gateway, open_adapter

fake_discord = test_discord.fake_discord  # the fake Discord that discord.py talks to
ME = BotIdentity("123456789", "TokoNusaBot")
NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def telegram_message(**fields: Any) -> Message:
    update = payload("telegram", "private_text")
    update["message"].update(fields)
    (event,) = parse(update, ME, NOW)
    assert isinstance(event, Message)
    return event


def test_clean_text_cuts_then_drops_what_no_database_stores() -> None:
    assert clean_text("halo\x00 \ud800kak\x07\n\tok", 100) == "halo \ufffdkak\n\tok"
    assert clean_text("x" * 10, 4) == "xxxx"
    assert clean_text("👍" * 5000, 4096) == "👍" * 4096


def test_a_telegram_text_or_caption_is_cut_to_4096() -> None:
    assert telegram_message(text="a" * 1_000_000).text == "a" * 4096
    update = payload("telegram", "photo_caption")
    update["message"]["caption"] = "b" * 50_000
    update["message"].pop("caption_entities", None)
    (event,) = parse(update, ME, NOW)
    assert isinstance(event, Message) and event.text == "b" * 4096 and event.media == "photo"


def test_a_telegram_sender_with_an_impossible_name_is_cut() -> None:
    sender = {"id": 5012345678, "is_bot": False, "first_name": "N\udc80" + "n" * 10_000, "language_code": "x" * 300}
    event = telegram_message(**{"from": sender})
    assert event.sender is not None
    assert len(event.sender.name) == 128 and event.sender.name.startswith("N\ufffdn")
    assert event.sender.language == "x" * 16


@pytest.fixture
async def discord_bot(fake_discord: Any, sqlite_database_url: str) -> AsyncIterator[Any]:
    adapter = await open_adapter(sqlite_database_url)
    recorder = Recorder()
    adapter._sink = recorder
    yield adapter, recorder
    await adapter.aclose()


async def test_a_discord_message_is_cut_to_4000(discord_bot: Any) -> None:
    adapter, recorder = discord_bot
    message = payload("discord", "direct_message")
    message["content"] = "c" * 100_000
    await gateway(adapter, "MESSAGE_CREATE", message)
    (event,) = recorder.events
    assert isinstance(event, Message) and event.text == "c" * 4000


async def test_names_and_titles_longer_than_their_columns_are_stored_cut_on_both_databases(
    database_url: str,
) -> None:
    await upgrade(database_url)
    database = Database(database_url)
    store = Store(database)
    try:
        async with store.transaction() as tx:
            await tx.people.touch(Person("telegram", "77", name="N" * 1000, username="u" * 1000,
                                         language="x" * 100), NOW)
            await tx.chats.ensure(Address("telegram", "-100"), "group", "T" * 1000, NOW)
        async with store.transaction() as tx:
            person = await tx.people.get("telegram", "77")
            chat = await tx.chats.get(Address("telegram", "-100"))
        assert person is not None and (len(person.name or ""), len(person.username or "")) == (255, 255)
        assert person.language == "x" * 16
        assert chat is not None and chat.title == "T" * 255
    finally:
        await database.dispose()
