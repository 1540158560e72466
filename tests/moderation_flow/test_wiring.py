"""Moderation's place in the whole bot: the handoff's abuse signal, shared flood counters,
batches (group commit), and the slash commands Discord gets."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.actions import Delete, Send
from bot.adapters.commands import Audience, command_catalog
from bot.adapters.discord_commands import slash_commands
from bot.events import Address, ChatKind, Message, Person
from bot.groupmod.abuse import ServiceAbuseDetector
from bot.groupmod.activity import RedisActivity
from bot.groupmod.service import ModerationService
from tests.conftest import REDIS_URL
from tests.handoff.conftest import Desk, desk_settings, open_desk, text_to
from tests.moderation_flow.conftest import GROUP, Group


@pytest.fixture
async def desk(group_db: str) -> AsyncIterator[Desk]:
    opened = await open_desk(desk_settings(group_db))
    yield opened
    await opened.bot.close()


async def test_insults_in_a_private_support_chat_open_a_ticket(desk: Desk) -> None:
    assert isinstance(desk.bot.core.extras["abuse_detector"], ServiceAbuseDetector)
    # "4nj1ng" is a disguised insult the handoff's own short list does not know.
    reply = await desk.customer("pesanan saya mana 4nj1ng")
    assert "tiket #1" in text_to(reply, "whatsapp", "6281234567890")
    (ticket,) = await desk.tickets()
    assert ticket.reason == "abuse:abusive"


async def test_the_detector_keeps_clean_and_scunthorpe_words_clean() -> None:
    detector = ServiceAbuseDetector(ModerationService())
    assert detector.flag("dasar b.a.n.g.s.a.t") == "abusive"
    assert detector.flag("anak anjing saya lucu, kapan kirim?") is None
    assert detector.flag("saya sangat kecewa") == "angry"  # the handoff's phrases still count


async def test_a_batch_numbers_cases_per_chat_and_acts_on_each(
    group: Group, caplog: pytest.LogCaptureFixture
) -> None:
    member = [Person("telegram", str(u), name=f"M{u}", username=f"m{u}") for u in (1, 2, 3)]
    events = [
        Message(
            update_id=f"telegram:batch:{n}",
            address=Address("telegram", GROUP),
            at=group.clock.now(),
            sender=member[n % 3],
            chat_kind=ChatKind.GROUP,
            message_id=str(500 + n),
            text="anjing" if n != 1 else "halo semua",
        )
        for n in range(4)
    ]
    results = await group.bot.core.handle_batch(events)
    assert "batch failed" not in caplog.text
    assert [any(isinstance(a, Delete) for a in actions) for actions in results] == [
        True,
        False,
        True,
        True,
    ]
    cases = await group.cases()
    assert [(c.number, c.user_key) for c in cases] == [
        (1, "telegram:1"),
        (2, "telegram:3"),
        (3, "telegram:1"),
    ]
    notice = next(a for a in results[3] if isinstance(a, Send))
    assert "peringatan ke-2" in notice.text or "warning 2" in notice.text


def test_every_moderation_command_is_a_discord_slash_command_with_sensible_defaults(
    group: Group,
) -> None:
    catalog = command_catalog(group.bot.core.commands.specs, group.bot.core.texts, ("id", "en"))
    registered = {c["name"]: c for c in slash_commands(catalog, "id")}
    for name in (
        "warn",
        "mute",
        "ban",
        "unban",
        "kick",
        "purge",
        "case",
        "modlog",
        "appealok",
        "appealno",
    ):
        assert registered[name]["default_member_permissions"] is not None, name
    assert (
        registered["settings"]["default_member_permissions"]
        == registered["setrules"]["default_member_permissions"]
    )
    assert (
        registered["appeal"]["default_member_permissions"] is None
        and 1 in registered["appeal"]["contexts"]
    )
    assert registered["report"]["default_member_permissions"] is None
    audiences = {info.name: info.audience for info in catalog}
    assert audiences["ban"] is Audience.MODERATORS and audiences["settings"] is Audience.ADMINS
    assert len(registered) <= 100  # Discord's limit on global commands


@pytest.mark.skipif(
    not REDIS_URL,
    reason="the Redis flood counter needs BOT_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)",
)
async def test_two_workers_share_flood_counters_through_redis() -> None:
    import redis.asyncio

    client = redis.asyncio.from_url(REDIS_URL or "", decode_responses=True)
    prefix = f"bot:test:{uuid.uuid4().hex[:8]}:"
    try:
        first, second = RedisActivity(client, prefix=prefix), RedisActivity(client, prefix=prefix)
        start = datetime(2026, 1, 5, tzinfo=UTC)
        for n in range(4):
            worker = first if n % 2 == 0 else second
            recent = await worker.record(
                "telegram:-1", "telegram:42", start + timedelta(seconds=n), "fp"
            )
        assert (
            len(recent.timestamps) == 4
            and recent.repeats_since("fp", start - timedelta(seconds=1)) == 4
        )
        later = await first.record("telegram:-1", "telegram:42", start + timedelta(hours=2), "x")
        assert later.timestamps == (start + timedelta(hours=2),)  # older than the window: gone
        assert 0 < await client.ttl(f"{prefix}telegram:-1|telegram:42") <= 3601
    finally:
        keys = await client.keys(f"{prefix}*")
        if keys:
            await client.delete(*keys)
        await client.aclose()
