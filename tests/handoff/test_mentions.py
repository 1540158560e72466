"""Staff are named so that they are notified: never a bare `telegram:123` key.

Through python-telegram-bot and the fake Bot API: a supervisor the bot has never
seen gets a text mention (their user id linked to a word people can read), one
with a stored username gets `@username`, and Discord staff get `<@id>`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.roles import Role
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.handoff.conftest import TELEGRAM_FORUM, Desk, desk_settings, open_desk, sent_to
from tests.handoff.live import go_live

NEVER_SEEN = "424242"  # granted the role on the command line, never wrote to the bot


@pytest.fixture
async def live_desk(desk_db: str, fake_telegram: FakeTelegram) -> AsyncIterator[Desk]:
    telegram = {
        "token": TOKEN,
        "base_url": f"{fake_telegram.base_url}/bot",  # type: ignore[attr-defined]
        "request_timeout_seconds": 2.0,
    }
    settings = desk_settings(desk_db, sections={"telegram": telegram})
    desk = await open_desk(settings)
    adapter = TelegramAdapter(settings, desk.clock, store=desk.bot.runtime.store)
    await adapter.open()
    go_live(desk, adapter)
    yield desk
    await adapter.aclose()
    await desk.bot.close()


def entities(call: dict[str, Any]) -> list[dict[str, Any]]:
    raw = call.get("entities") or "[]"
    return list(json.loads(raw) if isinstance(raw, str) else raw)


async def test_a_supervisor_the_bot_never_saw_is_mentioned_by_user_id(
    live_desk: Desk, fake_telegram: FakeTelegram
) -> None:
    desk = live_desk
    await desk.agent_online()
    await desk.grant("telegram", NEVER_SEEN, Role.SUPERVISOR)
    await desk.grant("telegram", "900", Role.SUPERVISOR)
    await desk.agent_command("online", user="900", person_name="Sinta Dewi", username="sinta")
    await desk.customer("mau bicara dengan CS")

    desk.clock.advance(minutes=6)
    await desk.bot.core.sweep()
    [alert] = sent_to(await desk.bot.deliver(), "telegram", TELEGRAM_FORUM)
    assert "telegram:" not in alert.text
    assert alert.text.endswith("\nSupervisor: Supervisor @sinta")

    [call] = [c for c in fake_telegram.called("sendMessage") if "⚠️" in c["text"]]
    assert call["text"] == alert.text
    [entity] = entities(call)
    assert entity["type"] == "text_mention" and entity["user"]["id"] == int(NEVER_SEEN)
    # Offsets count UTF-16 units: the warning sign before them is one, its variation selector another.
    start = len(call["text"][: call["text"].rfind("Supervisor @sinta")].encode("utf-16-le")) // 2
    assert (entity["offset"], entity["length"]) == (start, len("Supervisor"))


async def test_a_named_team_member_without_username_is_linked_on_a_card(
    desk_db: str, fake_telegram: FakeTelegram
) -> None:
    telegram = {
        "token": TOKEN,
        "base_url": f"{fake_telegram.base_url}/bot",  # type: ignore[attr-defined]
        "request_timeout_seconds": 2.0,
    }
    settings = desk_settings(
        desk_db,
        topics=False,
        teams={"finance": ["telegram:611", "telegram:612", "discord:77"]},
        sections={"telegram": telegram},
    )
    desk = await open_desk(settings)
    adapter = TelegramAdapter(settings, desk.clock, store=desk.bot.runtime.store)
    await adapter.open()
    go_live(desk, adapter)
    try:
        await desk.agent_online()
        # Dewi has written in the staff chat (her name is stored), 612 never has.
        await desk.grant("telegram", "611")
        await desk.agent_command("online", user="611", person_name="Dewi Lestari", username=None)
        await desk.customer("mau bicara dengan CS")
        moved = await desk.agent_command("transfer", "#1", "finance")
        [notice] = [s for s in sent_to(moved, "telegram", TELEGRAM_FORUM) if "finance" in s.text]
        assert notice.text.startswith("#1 · ")  # a reply to the card: the offsets still match
        assert "Dewi Lestari Agen" in notice.text and "telegram:" not in notice.text
        [call] = [c for c in fake_telegram.called("sendMessage") if c["text"] == notice.text]
        linked = {
            (e["user"]["id"], call["text"][e["offset"] : e["offset"] + e["length"]])
            for e in entities(call)
        }
        assert linked == {(611, "Dewi Lestari"), (612, "Agen")}
    finally:
        await adapter.aclose()
        await desk.bot.close()


async def test_discord_staff_are_mentioned_by_id(desk_db: str) -> None:
    desk = await open_desk(desk_settings(desk_db, staff_chat="discord:880001"))
    try:
        await desk.agent_online(user="120000000000000001")
        await desk.grant("discord", "120000000000000077", Role.SUPERVISOR)  # never seen
        await desk.customer("mau bicara dengan CS")
        desk.clock.advance(minutes=6)
        await desk.bot.core.sweep()
        [alert] = sent_to(await desk.bot.deliver(), "discord", "880001")
        assert alert.text.endswith("\nSupervisor: <@120000000000000077>")
        assert "discord:" not in alert.text and alert.mentions == ()
    finally:
        await desk.bot.close()
