"""Discord: discord.py driven through its own state (gateway payloads) and a fake REST API.

No gateway connection: gateway events of the real shape are fed to discord.py's
`ConnectionState` parsers, which build its objects and dispatch them to the
adapter exactly as a live connection would. Every REST call (messages, slash
command answers, moderation) goes through discord.py's HTTP client to a fake
Discord on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.actions import (
    Action,
    Ban,
    Button,
    CloseThread,
    Delete,
    Kick,
    OpenThread,
    Restrict,
    Send,
    Unban,
)
from bot.adapters.base import AuthExpired, PermanentError, RecipientUnreachable, RetryAfter, TransientError
from bot.adapters.commands import Audience, CommandInfo
from bot.adapters.discord_adapter import DiscordAdapter
from bot.clock import ManualClock
from bot.delivery import OutboxSender
from bot.events import (
    Address,
    ButtonPressed,
    ChatKind,
    Command,
    Event,
    MemberJoined,
    MemberLeft,
    Message,
    Right,
)
from tests.adapters.conftest import adapter_settings
from tests.adapters.payloads import payload
from tests.fakes.discord_api import (
    TOKEN,
    DiscordFailure,
    FakeDiscord,
    forbidden,
    rate_limited,
    server_error,
)
from tests.fakes.server import serving
from tests.support.harness import Harness

GUILD = "100000000000000001"
GENERAL = "300000000000000001"
STAFF = "300000000000000002"
THREAD = "300000000000000003"
SARI, SPAMMER, RINA = "110000000000000002", "110000000000000003", "110000000000000004"


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    async with serving(fake.app) as base_url:
        # discord.py builds every URL from these (REST, and interaction webhooks).
        monkeypatch.setattr(discord.http.Route, "BASE", f"{base_url}/api/v10")
        monkeypatch.setattr(discord.webhook.async_.Route, "BASE", f"{base_url}/api/v10")
        yield fake


class Recorder:
    """A sink standing in for the core: records events, answers with the actions it was told to."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.answer: Callable[[Event], list[Action]] = lambda event: []

    async def __call__(self, event: Event) -> list[Action]:
        self.events.append(event)
        return self.answer(event)


COMMANDS = (
    CommandInfo("help", {"id": "Daftar perintah", "en": "List the commands"}),
    CommandInfo("ban", {"id": "Larang anggota", "en": "Ban a member"}, Audience.MODERATORS),
)


async def open_adapter(database_url: str, clock: ManualClock | None = None, **discord_settings: Any) -> DiscordAdapter:
    settings = adapter_settings(database_url, discord={"token": TOKEN, "guild_ids": [int(GUILD)], **discord_settings})
    adapter = DiscordAdapter(settings, clock or ManualClock(), commands=COMMANDS)
    await adapter.open()
    adapter.client._connection.parse_guild_create(payload("discord", "guild_create"))
    return adapter


@pytest.fixture
async def bot(fake_discord: FakeDiscord, sqlite_database_url: str) -> AsyncIterator[tuple[DiscordAdapter, Recorder]]:
    adapter = await open_adapter(sqlite_database_url)
    recorder = Recorder()
    adapter._sink = recorder
    yield adapter, recorder
    await adapter.aclose()


async def gateway(adapter: DiscordAdapter, event: str, data: dict[str, Any]) -> None:
    """Feed one gateway event to discord.py and wait for the handlers it dispatched."""
    adapter.client._connection.parsers[event](data)
    for _ in range(3):
        pending = [t for t in asyncio.all_tasks() if t.get_name().startswith("discord.py:")]
        await asyncio.gather(*pending)


async def test_a_channel_message_carries_the_members_rights_from_discords_state(bot: Any) -> None:
    adapter, recorder = bot
    await gateway(adapter, "MESSAGE_CREATE", payload("discord", "message_in_channel"))
    (event,) = recorder.events
    assert isinstance(event, Message)
    assert event.update_id == "discord:1200000000000000001"
    assert event.address == Address("discord", GENERAL) and event.chat_kind is ChatKind.GROUP
    assert event.sender.name == "Sari" and event.links == ("https://tokonusa.id/promo",)
    assert event.sender_rights == {Right.DELETE_MESSAGES, Right.RESTRICT_MEMBERS, Right.BAN_MEMBERS,
                                   Right.MANAGE_TOPICS}
    assert Right.BAN_MEMBERS in (event.bot_rights or ())
    assert event.chat_title == "Komunitas Toko Nusa / #umum"


async def test_a_thread_message_is_addressed_to_its_thread(bot: Any) -> None:
    adapter, recorder = bot
    await gateway(adapter, "MESSAGE_CREATE", payload("discord", "message_in_thread"))
    assert recorder.events[0].address == Address("discord", STAFF, THREAD)


async def test_a_dm_is_the_customers_private_chat_and_media_is_marked(bot: Any) -> None:
    adapter, recorder = bot
    await gateway(adapter, "MESSAGE_CREATE", payload("discord", "direct_message"))
    await gateway(adapter, "MESSAGE_CREATE", payload("discord", "photo_in_dm"))
    text, photo = recorder.events
    assert text.address == Address("discord", RINA) and text.chat_kind is ChatKind.PRIVATE
    assert text.sender_rights is None
    assert isinstance(photo, Message) and photo.media == "photo"


async def test_a_typed_command_with_a_mention_targets_that_member(bot: Any) -> None:
    adapter, recorder = bot
    await gateway(adapter, "MESSAGE_CREATE", payload("discord", "text_command_mention"))
    (event,) = recorder.events
    assert isinstance(event, Command) and (event.name, event.args) == ("ban", ("spam", "link"))
    assert event.target is not None and event.target.user_id == SPAMMER
    assert event.target_outranks_sender is False and event.target_rights == frozenset()


async def test_an_edit_is_checked_again_but_a_link_preview_is_not_an_edit(bot: Any) -> None:
    adapter, recorder = bot
    await gateway(adapter, "MESSAGE_UPDATE", payload("discord", "message_embed_update"))
    await gateway(adapter, "MESSAGE_UPDATE", payload("discord", "message_edit"))
    (event,) = recorder.events
    assert isinstance(event, Message) and event.edited and event.text == "sekarang ada link judi slot gacor"
    assert event.update_id == "discord:1200000000000000005:edit:2026-01-05T09:02:30+00:00"


async def test_members_joining_and_leaving_are_addressed_to_the_servers_system_channel(bot: Any) -> None:
    adapter, recorder = bot
    await gateway(adapter, "GUILD_MEMBER_ADD", payload("discord", "member_add"))
    await gateway(adapter, "GUILD_MEMBER_REMOVE", payload("discord", "member_remove"))
    joined, left = recorder.events
    assert isinstance(joined, MemberJoined) and joined.member.user_id == RINA
    assert isinstance(left, MemberLeft) and left.member.user_id == SPAMMER
    assert joined.address == left.address == Address("discord", GENERAL)


async def test_a_slash_command_is_acknowledged_at_once_with_its_target_and_language(
    bot: Any, fake_discord: FakeDiscord
) -> None:
    adapter, recorder = bot
    await gateway(adapter, "INTERACTION_CREATE", payload("discord", "slash_command"))
    (event,) = recorder.events
    assert isinstance(event, Command) and (event.name, event.args) == ("ban", ("spam", "link"))
    assert event.sender.language == "id"
    assert event.target is not None and event.target.user_id == SPAMMER
    assert event.target_outranks_sender is False
    assert Right.BAN_MEMBERS in (event.sender_rights or ()) and Right.BAN_MEMBERS in (event.bot_rights or ())
    (callback,) = fake_discord.made("POST /interactions/{interaction}/{token}/callback")
    assert callback.body["type"] == 5  # "thinking…", answered by the core's reply
    # The core answered nothing in that chat: the placeholder is removed, not left hanging.
    assert fake_discord.made("DELETE /webhooks/{app}/{token}/messages/@original")


async def test_a_button_press_in_a_dm_is_acknowledged_silently(bot: Any, fake_discord: FakeDiscord) -> None:
    adapter, recorder = bot
    await gateway(adapter, "INTERACTION_CREATE", payload("discord", "button_press"))
    (event,) = recorder.events
    assert isinstance(event, ButtonPressed) and event.data == "sop:shipping.track"
    assert event.address == Address("discord", RINA) and event.sender.language == "en-US"
    (callback,) = fake_discord.made("POST /interactions/{interaction}/{token}/callback")
    assert callback.body["type"] == 6


async def test_slash_commands_are_registered_with_default_permissions(
    fake_discord: FakeDiscord, sqlite_database_url: str
) -> None:
    adapter = await open_adapter(sqlite_database_url)
    try:
        adapter._sink = Recorder()
        await adapter._sync_commands()
    finally:
        await adapter.aclose()
    (put,) = fake_discord.made("PUT /applications/{app}/guilds/{guild}/commands")
    by_name = {command["name"]: command for command in put.body}
    assert by_name["help"]["default_member_permissions"] is None
    assert by_name["ban"]["default_member_permissions"] == str(discord.Permissions(moderate_members=True).value)
    assert by_name["ban"]["description_localizations"]["id"] == "Larang anggota"
    assert [option["name"] for option in by_name["ban"]["options"]] == ["user", "args"]


async def test_a_long_reply_with_buttons_is_split_and_carries_a_nonce(bot: Any, fake_discord: FakeDiscord) -> None:
    adapter, _ = bot
    text = ("Kak, berikut langkah pengembalian dana. " * 70).strip()
    await adapter.execute(Send(address=Address("discord", GENERAL), text=text,
                               buttons=(Button("Hubungi CS", "handoff:request"),)), key="discord:1#0")
    first, second = fake_discord.made("POST /channels/{channel}/messages")
    assert len(first.body["content"]) <= 2000 and len(second.body["content"]) <= 2000
    assert "components" not in first.body and second.body["components"][0]["components"][0]["custom_id"] == \
        "handoff:request"
    assert first.body["enforce_nonce"] is True and first.body["nonce"] != second.body["nonce"]
    assert first.body["allowed_mentions"]["parse"] == ["users"]


async def test_a_customer_is_written_to_in_their_dms(bot: Any, fake_discord: FakeDiscord) -> None:
    adapter, _ = bot
    await adapter.execute(Send(address=Address("discord", RINA), text="Halo Kak Rina"))
    (opened,) = fake_discord.made("POST /users/@me/channels")
    assert opened.body == {"recipient_id": int(RINA)}
    (message,) = fake_discord.messages
    assert message["channel_id"] == str(int(RINA) + 7) and message["content"] == "Halo Kak Rina"


async def test_a_restart_after_discord_accepted_a_message_does_not_post_it_twice(
    fake_discord: FakeDiscord, sqlite_database_url: str
) -> None:
    """The crash window Telegram and WhatsApp keep is closed on Discord by the nonce."""
    action = Send(address=Address("discord", GENERAL), text="Tiket #12 sudah dibalas")
    before = await open_adapter(sqlite_database_url)
    await before.execute(action, key="staff:relay:7#0")  # accepted; the process dies before marking it sent
    await before.aclose()
    after = await open_adapter(sqlite_database_url)  # a fresh process with no memory of it
    try:
        await after.execute(action, key="staff:relay:7#0")
    finally:
        await after.aclose()
    assert len(fake_discord.made("POST /channels/{channel}/messages")) == 2
    assert len(fake_discord.messages) == 1


async def test_discord_py_waits_out_a_short_429_by_itself(bot: Any, fake_discord: FakeDiscord) -> None:
    adapter, _ = bot
    fake_discord.fail("POST /channels/{channel}/messages", rate_limited(0.05))
    await adapter.execute(Send(address=Address("discord", GENERAL), text="halo"))
    assert len(fake_discord.made("POST /channels/{channel}/messages")) == 2 and len(fake_discord.messages) == 1


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (rate_limited(60.0), RetryAfter),
        (server_error(503), TransientError),
        (forbidden(50007, "Cannot send messages to this user"), RecipientUnreachable),
        (forbidden(50013, "Missing Permissions"), PermanentError),
        (DiscordFailure(401, {"message": "401: Unauthorized", "code": 0}), AuthExpired),
    ],
)
async def test_discord_errors_tell_the_sender_what_to_do(
    bot: Any, fake_discord: FakeDiscord, failure: Any, expected: type[Exception]
) -> None:
    adapter, _ = bot
    fake_discord.fail("POST /channels/{channel}/messages", failure)
    with pytest.raises(expected) as caught:
        await adapter.execute(Send(address=Address("discord", GENERAL), text="halo"))
    if expected is RetryAfter:
        assert caught.value.seconds == 60.0  # type: ignore[attr-defined]
    if expected is PermanentError:
        assert not isinstance(caught.value, RecipientUnreachable)


async def test_moderation_uses_timeouts_bans_and_kicks_within_the_role_hierarchy(
    bot: Any, fake_discord: FakeDiscord
) -> None:
    adapter, _ = bot
    channel = Address("discord", GENERAL)
    now = adapter.clock.now()
    await adapter.execute(Restrict(address=channel, user_id=SPAMMER, until=now + timedelta(minutes=10)))
    await adapter.execute(Restrict(address=channel, user_id=SPAMMER))  # "until lifted": Discord's longest
    short, longest = fake_discord.made("PATCH /guilds/{guild}/members/{user}")
    assert short.body["communication_disabled_until"] == (now + timedelta(minutes=10)).isoformat()
    assert longest.body["communication_disabled_until"] == (now + timedelta(days=28, minutes=-1)).isoformat()
    await adapter.execute(Ban(address=channel, user_id=SPAMMER, delete_message_seconds=86400))
    await adapter.execute(Unban(address=channel, user_id=SPAMMER))
    await adapter.execute(Kick(address=channel, user_id=SPAMMER))
    (ban,) = fake_discord.made("PUT /guilds/{guild}/bans/{user}")
    assert ban.query == {"delete_message_seconds": "86400"}
    assert fake_discord.made("DELETE /guilds/{guild}/members/{user}")
    with pytest.raises(PermanentError, match="highest role is not below the bot's"):
        await adapter.execute(Ban(address=channel, user_id=SARI))  # a moderator above the bot's role


async def test_deleting_twice_and_staff_threads(bot: Any, fake_discord: FakeDiscord) -> None:
    adapter, _ = bot
    await adapter.execute(Delete(address=Address("discord", GENERAL), message_id="1200000000000000001"))
    await adapter.execute(Delete(address=Address("discord", GENERAL), message_id="1200000000000000001"))
    opened = await adapter.execute(OpenThread(address=Address("discord", STAFF), title="Tiket #13 Rina", ref="t:13"),
                                   key="k#0")
    assert opened.thread_id is not None
    await adapter.execute(CloseThread(address=Address("discord", STAFF, opened.thread_id), title="[Selesai] #13"))
    (created,) = fake_discord.made("POST /channels/{channel}/threads")
    assert created.body["name"] == "Tiket #13 Rina" and created.body["type"] == 11
    (closed,) = fake_discord.made("PATCH /channels/{channel}")
    assert closed.body == {"archived": True, "locked": True, "name": "[Selesai] #13"}


async def test_a_slash_command_is_answered_by_the_cores_reply_end_to_end(
    fake_discord: FakeDiscord, sqlite_database_url: str
) -> None:
    settings = adapter_settings(sqlite_database_url, discord={"token": TOKEN, "guild_ids": [int(GUILD)]})
    harness = await Harness.open(settings)
    adapter = DiscordAdapter(settings, harness.clock, store=harness.runtime.store, commands=COMMANDS)
    await adapter.open()
    adapter.client._connection.parse_guild_create(payload("discord", "guild_create"))
    replies: list[str] = []

    async def core(event: Event) -> list[Action]:
        actions: list[Action] = await harness.core.handle(event)
        replies.extend(action.text for action in actions if isinstance(action, Send))
        return actions

    adapter._sink = core
    sender = OutboxSender(harness.runtime.store, {"discord": adapter}, harness.clock, settings.outbox,
                          feedback=harness.core.handle)
    help_command = payload("discord", "slash_command")
    help_command["data"] = {"id": "1500000000000000002", "name": "help", "type": 1}
    try:
        await gateway(adapter, "INTERACTION_CREATE", help_command)
        await sender.drain(timeout=5)
    finally:
        await adapter.aclose()
        await harness.close()
    (answer,) = fake_discord.made("PATCH /webhooks/{app}/{token}/messages/@original")
    assert [answer.body["content"]] == replies and "/help" in replies[0]
    assert fake_discord.made("POST /channels/{channel}/messages") == []  # the answer replaced "thinking…"
    assert fake_discord.made("DELETE /webhooks/{app}/{token}/messages/@original") == []
