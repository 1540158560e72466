"""Admins who come from Rose type Rose's commands: /tmute, /tban, /setlog, /blocklist..."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import Ban, Delete, Restrict, Send, Unban
from bot.adapters.commands import command_catalog
from bot.adapters.discord_commands import slash_commands
from bot.events import MessageRef
from bot.groupmod.blocklist import rose_mode, split_triggers
from bot.handlers import COMMANDS
from bot.i18n import Translator
from tests.moderation_flow.conftest import GROUP, LOG, Group, of, texts_to

ROSE_NAMES = ("tmute", "tban", "setlog", "unsetlog", "blocklist", "addblocklist", "rmblocklist",
              "unblocklistall", "blocklistmode")  # fmt: skip


async def test_tmute_mutes_for_the_time_given(group: Group) -> None:
    reply = await group.admin("tmute", "42", "2h", "spam")
    (mute,) = of(reply, Restrict)
    assert mute.user_id == "42" and mute.until == group.clock.now() + timedelta(hours=2)
    assert "muted" in texts_to(reply, GROUP) and "2h" in texts_to(reply, GROUP)
    (case,) = await group.cases()
    assert (case.action, case.reason) == ("mute 2h", "spam")


async def test_tmute_by_reply_and_without_a_time(group: Group) -> None:
    await group.say("halo", user="42")
    replied = await group.admin("tmute", "30m", reply_to=MessageRef("100", group.member("42")))
    assert of(replied, Restrict)[0].until == group.clock.now() + timedelta(minutes=30)
    missing = await group.admin("tmute", "42")
    assert of(missing, Restrict) == [] and "Expected a duration" in missing.text
    nobody = await group.admin("tmute")
    assert "/tmute @user DURATION" in nobody.text


async def test_tban_bans_for_the_time_given_and_a_timer_lifts_it(group: Group) -> None:
    reply = await group.admin("tban", "42", "7d", "scam")
    (ban,) = of(reply, Ban)
    assert ban.until == group.clock.now() + timedelta(days=7)
    (case,) = await group.cases()
    assert case.action == "ban 1w"
    assert of(await group.admin("tban", "43"), Ban) == []  # Rose's tban needs a time too
    (unban,) = of(await group.advance(days=7, minutes=1), Unban)
    assert unban.user_id == "42"


async def test_setlog_with_an_id_sets_the_log_chat_and_unsetlog_clears_it(group: Group) -> None:
    shown = await group.admin("setlog")
    assert "/setlog CHAT_ID" in shown.text and "not supported" in shown.text
    reply = await group.admin("setlog", LOG)
    assert f"posted to {LOG}" in reply.text
    assert "moderation log of Komunitas Uji" in texts_to(reply, LOG)
    banned = await group.admin("ban", "42")
    assert "#1" in texts_to(banned, LOG)
    assert "no longer has a log channel" in (await group.admin("unsetlog")).text
    assert texts_to(await group.admin("ban", "43"), LOG) == ""
    wrong = await group.admin("setlog", "no/such chat")
    assert 'expected a chat id such as -1001234567890 or off, got "no/such chat"' in wrong.text


async def test_setlog_takes_a_discord_channel_mention(group_db: str) -> None:
    from tests.moderation_flow.conftest import open_group

    server = await open_group(group_db)
    server.platform, server.chat = "discord", "880000"
    try:
        reply = await server.admin("setlog", "<#880001>")
        assert "posted to 880001" in reply.text
        (hello,) = [s for s in of(reply, Send) if s.address.chat_id == "880001"]
        assert hello.address.platform == "discord"
    finally:
        await server.bot.close()


async def test_blocklist_in_roses_words(group: Group) -> None:
    assert "has not added any words" in (await group.admin("unblocklistall")).text
    assert (await group.say("beli di tokosebelah")).actions == []
    added = await group.admin("addblocklist", "tokosebelah")
    assert "Added to the blocklist: tokosebelah" in added.text and "/blocklist is" not in added.text
    assert of(await group.say("beli di tokosebelah", user="43"), Delete)

    phrase = await group.admin("addblocklist", '"beli', 'followers"', "Jangan", "promosi!")
    assert "Added to the blocklist: beli followers" in phrase.text
    assert "A reason or an action per word is not kept" in phrase.text  # said, not silently dropped
    assert of(await group.say("ayo beli followers murah", user="44"), Delete)

    several = await group.admin("addblocklist", "(judol,", "slot88)")
    assert "judol, slot88" in several.text
    listed = await group.admin("blocklist")
    assert "tokosebelah" in listed.text and "beli followers" in listed.text and "slot88" in listed.text

    lifted = await group.admin("rmblocklist", "tokosebelah")
    assert "Lifted from the blocklist: tokosebelah" in lifted.text
    assert (await group.say("beli di tokosebelah", user="45")).actions == []

    cleared = await group.admin("unblocklistall")
    assert "Removed the 3 word(s)" in cleared.text and "built-in lists" in cleared.text
    assert (await group.say("main slot88 yuk", user="46")).actions == []
    assert of(await group.say("dasar anjing", user="47"), Delete)  # the built-in lists still apply


async def test_blocklistmode_sets_what_a_banned_word_brings(group: Group) -> None:
    assert "delete+warn" in (await group.admin("blocklistmode")).text
    changed = await group.admin("blocklistmode", "tmute", "3h")
    assert "delete+mute 3h" in changed.text
    reply = await group.say("dasar anjing", user="42")
    assert of(reply, Delete) and of(reply, Restrict)[0].until == group.clock.now() + timedelta(hours=3)
    wrong = await group.admin("blocklistmode", "explode")
    assert "expected an action" in wrong.text and "Modes: nothing" in wrong.text


async def test_rose_commands_need_the_same_rights(group: Group) -> None:
    refused = await group.admin("addblocklist", "kata", rights=frozenset(), user="50")
    assert "moderator" in refused.text and await group.cases() == []
    assert of(await group.admin("tban", "42", "1d", rights=frozenset(), user="50"), Ban) == []


async def test_help_lists_the_rose_names_for_admins_only(group: Group) -> None:
    admin_help = (await group.admin("help")).text
    for name in ROSE_NAMES:
        assert f"/{name}" in admin_help, name
    assert "/filter add|remove|allow|unallow|list WORDS — Old name of /blocklist" in admin_help
    member_help = (await group.admin("help", rights=frozenset(), user="50")).text
    assert "/tban" not in member_help and "/addblocklist" not in member_help


def test_the_rose_names_are_discord_slash_commands() -> None:
    catalog = command_catalog(COMMANDS, Translator.load(), ("id", "en"))
    registered = {command["name"]: command for command in slash_commands(catalog, "en")}
    for name in ROSE_NAMES:
        assert name in registered, name
        assert registered[name]["default_member_permissions"] is not None  # hidden from members
    assert registered["tban"]["description_localizations"]["id"].startswith("Blokir anggota sementara")
    assert len(registered) <= 100  # Discord's limit for one application's slash commands


@pytest.mark.parametrize(
    ("text", "triggers", "rest"),
    [
        ("stupid Don't say mean things!", ["stupid"], "Don't say mean things!"),
        ('"a phrase" why not', ["a phrase"], "why not"),
        ("“smart quotes” ok", ["smart quotes"], "ok"),
        ('(hi, hey, "good day") Stop saying hello!', ["hi", "hey", "good day"], "Stop saying hello!"),
        ("tokosebelah, promo*", ["tokosebelah", "promo*"], ""),
        ("word", ["word"], ""),
        ("", [], ""),
    ],
)
def test_roses_trigger_syntax(text: str, triggers: list[str], rest: str) -> None:
    assert split_triggers(text) == (triggers, rest)


@pytest.mark.parametrize(
    ("mode", "action"),
    [("nothing", "delete"), ("warn", "delete+warn"), ("tmute 3h", "delete+mute 3h"),
     ("TBAN 2w", "delete+ban 2w"), ("kick", "delete+kick"), ("delete+mute 10m", "delete+mute 10m")],
)  # fmt: skip
def test_roses_blocklist_modes(mode: str, action: str) -> None:
    assert rose_mode(mode) == action
