"""Dry run is for the automatic rules; a moderator's own command acts, and the bot says so."""

from __future__ import annotations

from bot.actions import Ban, Delete, Restrict, Unban
from bot.events import MessageRef
from tests.moderation_flow.conftest import GROUP, Group, of, texts_to


async def test_settings_say_what_dry_run_covers(group: Group) -> None:
    assert "Dry run covers" not in (await group.settings()).text  # nothing to explain when off
    turned_on = await group.settings("dryrun", "on")
    assert "Dry run: on" in turned_on.text
    assert "Dry run covers the automatic rules only" in turned_on.text
    assert "Moderators' own commands (/warn, /mute, /tmute, /ban" in turned_on.text
    assert "always act" in (await group.settings()).text


async def test_an_admins_ban_in_dry_run_acts_and_says_why(group: Group) -> None:
    await group.settings("dryrun", "on")
    assert of(await group.say("anjing", user="42"), Delete) == []  # the rules only record

    banned = await group.admin("ban", "42", "spam")
    (ban,) = of(banned, Ban)
    assert ban.user_id == "42"
    text = texts_to(banned, GROUP)
    assert "Dry run is on, but only for the automatic rules" in text
    assert "your /ban was carried out" in text
    (case,) = [c for c in await group.cases() if c.action == "ban"]
    assert not case.dry_run

    lifted = await group.admin("unban", "42")
    assert of(lifted, Unban) and "your /unban was carried out" in lifted.text


async def test_a_mute_by_reply_in_dry_run_is_explained_in_indonesian(group: Group) -> None:
    await group.settings("dryrun", "on")
    await group.admin("language", "id")  # the admin prefers Indonesian from now on
    await group.say("halo", user="42")
    reply = await group.admin("mute", "1h", reply_to=MessageRef("101", group.member("42")))
    (mute,) = of(reply, Restrict)
    assert mute.user_id == "42"
    assert "hanya untuk aturan otomatis" in reply.text and "/mute Anda tetap dijalankan" in reply.text


async def test_without_dry_run_a_ban_reply_has_no_dry_run_note(group: Group) -> None:
    reply = await group.admin("ban", "42")
    assert of(reply, Ban) and "Dry run" not in reply.text


async def test_a_moderators_third_warning_in_dry_run_brings_the_ladders_mute(group: Group) -> None:
    await group.settings("dryrun", "on")
    for _ in range(2):
        assert of(await group.admin("warn", "42"), Restrict) == []
    third = await group.admin("warn", "42")
    assert of(third, Restrict) and "your /warn was carried out" in third.text
    assert [c.action for c in await group.cases()] == ["warn", "warn", "warn", "mute 1h"]


async def test_purge_in_dry_run_deletes_and_says_why(group: Group) -> None:
    await group.settings("dryrun", "on")
    reply = await group.admin("purge", "3")
    assert len(of(reply, Delete)) == 4  # three messages and the /purge itself
    assert "your /purge was carried out" in reply.text
