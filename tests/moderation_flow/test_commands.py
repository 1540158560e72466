"""Moderators' commands: what the chat reads, what the platform is asked to do, what is stored."""

from __future__ import annotations

import itertools
from datetime import timedelta

from bot.actions import Ban, Delete, Kick, Restrict, Send, Unban, Unrestrict
from bot.events import MessageRef, Person, Right
from tests.moderation_flow.conftest import ADMIN_RIGHTS, GROUP, LOG, Group, of, texts_to

BUDI = Person("telegram", "42", name="Budi", username="budi")


def reply_to_budi(text: str = "jual akun murah") -> MessageRef:
    return MessageRef("90", sender=BUDI, text=text)


async def test_warn_by_reply_names_the_case_and_counts(group: Group) -> None:
    reply = await group.admin("warn", "spam", "jualan", reply_to=reply_to_budi())
    assert "@budi warned (1 active): spam jualan. Case #1." in reply.text
    assert "/appeal 1" in reply.text
    (case,) = await group.cases()
    assert case.moderator_key == "telegram:7" and case.action == "warn"


async def test_warn_by_username_of_someone_the_bot_met(group: Group) -> None:
    await group.say("halo", user="42", username="budi")
    reply = await group.admin("warn", "@budi", "kasar")
    assert "@budi warned (1 active): kasar" in reply.text
    unknown = await group.admin("warn", "@nobody")
    assert "I don't know @nobody yet" in unknown.text


async def test_third_manual_warning_mutes_by_the_ladder(group: Group) -> None:
    for _ in range(2):
        await group.admin("warn", reply_to=reply_to_budi())
    third = await group.admin("warn", "lagi", reply_to=reply_to_budi())
    (mute,) = of(third, Restrict)
    assert mute.until == group.clock.now() + timedelta(hours=1)
    assert "muted for 1h: 3 active warnings" in third.text


async def test_unwarn_and_warns(group: Group) -> None:
    await group.admin("warn", reply_to=reply_to_budi())
    await group.admin("warn", reply_to=reply_to_budi())
    assert "has 2 active warning(s)" in (await group.admin("warns", "42")).text
    assert "revoked; 1 still active" in (await group.admin("unwarn", reply_to=reply_to_budi())).text
    assert "has 1 active warning(s)" in (await group.admin("warns", "42")).text


async def test_a_case_keeps_the_start_of_an_overlong_reason(group: Group) -> None:
    await group.admin("warn", "x" * 3000, reply_to=reply_to_budi())
    await group.admin("unwarn", "y" * 3000, reply_to=reply_to_budi())
    warn, unwarn = await group.cases()
    assert warn.reason == "x" * 1000 and unwarn.reason == "y" * 1000
    assert (warn.action, unwarn.action) == ("warn", "unwarn")


async def test_mute_needs_a_duration_and_is_clamped_to_telegrams_limit(group: Group) -> None:
    missing = await group.admin("mute", "42")
    assert "Expected a duration" in missing.text and of(missing, Restrict) == []
    reply = await group.admin("mute", "42", "400d", "spam")
    (mute,) = of(reply, Restrict)
    assert mute.until == group.clock.now() + timedelta(days=366)
    assert "muted for 366d" in reply.text and "cannot mute for that long" in reply.text


async def test_unmute_lifts_and_closes_the_mute(group: Group) -> None:
    await group.admin("mute", "42", "1h")
    reply = await group.admin("unmute", "42")
    (lift,) = of(reply, Unrestrict)
    assert lift.user_id == "42" and "may write again" in reply.text
    mute_case = (await group.cases())[0]
    assert mute_case.revoked_at is not None
    assert of(await group.advance(hours=2), Unrestrict) == []  # the timer was cancelled


async def test_kick_ban_and_unban(group: Group) -> None:
    kicked = await group.admin("kick", "42", "ribut")
    assert of(kicked, Kick) and "removed from the chat: ribut" in kicked.text
    banned = await group.admin("ban", "42", "penipuan")
    (ban,) = of(banned, Ban)
    assert ban.until is None and "banned: penipuan" in banned.text
    unbanned = await group.admin("unban", "42")
    assert of(unbanned, Unban) and "no longer banned" in unbanned.text


async def test_non_admins_are_refused_with_the_reason(group: Group) -> None:
    reply = await group.admin("ban", "42", user="43", rights=frozenset())
    assert "moderator" in reply.text and "ban_members" in reply.text
    assert of(reply, Ban) == [] and await group.cases() == []


async def test_a_bot_moderator_role_is_enough(group: Group) -> None:
    await group.grant("43")
    reply = await group.admin("kick", "42", user="43", rights=frozenset())
    assert of(reply, Kick)


async def test_the_bot_says_which_right_it_lacks(group: Group) -> None:
    group.bot_rights = frozenset({Right.DELETE_MESSAGES})
    reply = await group.admin("mute", "42", "1h")
    assert "I need the 'restrict members' right to mute" in reply.text
    assert of(reply, Restrict) == [] and await group.cases() == []
    banned = await group.admin("ban", "42")
    assert "I need the 'ban members' right to ban" in banned.text


async def test_admins_cannot_be_punished_and_outranking_is_respected(group: Group) -> None:
    boss = Person("telegram", "8", name="Boss", username="boss")
    refused = await group.admin("ban", target=boss, target_rights=ADMIN_RIGHTS)
    assert "is an admin of this chat" in refused.text and of(refused, Ban) == []
    outranked = await group.admin("mute", "1h", target=BUDI, target_outranks_sender=True)
    assert "ranks above you" in outranked.text


async def test_purge_deletes_the_last_messages(group: Group) -> None:
    reply = await group.admin("purge", "3")
    deleted = sorted(int(d.message_id) for d in of(reply, Delete))
    command_id = max(deleted)
    assert deleted == list(range(command_id - 3, command_id + 1))
    assert "Deleted 3 message(s)." in reply.text
    assert "/purge N" in (await group.admin("purge", "1000")).text


async def test_rules_and_setrules(group: Group) -> None:
    assert "no rules" in (await group.admin("rules")).text
    assert (
        "Rules saved" in (await group.admin("setrules", "1.", "Sopan.", "2.", "No", "spam.")).text
    )
    assert (
        "1. Sopan. 2. No spam." in (await group.admin("rules", user="43", rights=frozenset())).text
    )


async def test_filter_still_works_and_points_to_blocklist(group: Group) -> None:
    assert (await group.say("beli di tokosebelah")).actions == []
    added = await group.admin("filter", "add", "tokosebelah")
    assert "Added to the blocklist: tokosebelah" in added.text
    assert "/blocklist is the name" in added.text and "does not make automatic replies" in added.text
    assert of(await group.say("beli di tokosebelah"), Delete)
    listed = await group.admin("filter", "list")
    assert "tokosebelah" in listed.text and "/blocklist is the name" in listed.text
    await group.admin("filter", "allow", "anjing")
    assert (await group.say("anjing")).actions == []
    usage = (await group.admin("filter", "frobnicate", "x")).text
    assert "/addblocklist WORD" in usage and "/blocklist is the name" in usage


async def test_settings_show_change_and_explain_errors(group: Group) -> None:
    shown = await group.admin("settings")
    assert "Moderation settings" in shown.text and "Flood: on (8 messages in 10s)" in shown.text
    changed = await group.admin("settings", "flood", "5/10s")
    assert "Saved." in changed.text and "5 messages in 10s" in changed.text
    wrong = await group.admin("settings", "flood", "5-10")
    assert 'flood: expected COUNT/WINDOW such as 5/10s, got "5-10"' in wrong.text


async def test_logchat_set_greets_the_log_chat_and_clear(group: Group) -> None:
    reply = await group.admin("logchat", LOG)
    assert f"posted to {LOG}" in reply.text
    assert "moderation log of Komunitas Uji" in texts_to(reply, LOG)
    assert "no longer has a log channel" in (await group.admin("logchat", "off")).text
    assert "expected a chat id" in (await group.admin("logchat", "not a chat!")).text


async def test_case_and_modlog(group: Group) -> None:
    await group.say("anjing")
    await group.admin("mute", "42", "2h", "masih kasar")
    case = await group.admin("case", "2")
    assert "Case #2 · mute 2h · @budi (telegram:42) · by telegram:7" in case.text
    assert "There is no case #9" in (await group.admin("case", "9")).text
    history = await group.admin("modlog", "42")
    assert "#2" in history.text and "#1" in history.text and "masih kasar" in history.text


async def test_report_goes_to_the_log_chat(group: Group) -> None:
    without_log = await group.admin(
        "report", reply_to=reply_to_budi(), user="43", rights=frozenset()
    )
    assert "no log channel" in without_log.text
    await group.admin("logchat", LOG)
    reply = await group.admin(
        "report",
        "penipu",
        reply_to=reply_to_budi("transfer ke 4111 1111 1111 1111"),
        user="43",
        rights=frozenset(),
    )
    assert "admins have been told" in texts_to(reply, GROUP)
    post = texts_to(reply, LOG)
    assert "Report from @admin" in post and "@budi" in post and "4111 1111 1111 1111" not in post


async def test_a_temp_ban_ends_by_timer_once_even_after_a_restart(group_db: str) -> None:
    from tests.moderation_flow.conftest import open_group

    first = await open_group(group_db)
    reply = await first.admin("ban", "42", "2d", "spam")
    assert of(reply, Ban)[0].until == first.clock.now() + timedelta(days=2)
    now = first.clock.now()
    await first.bot.close()
    second = await open_group(group_db)  # a new process: same database, nothing in memory
    second.clock.set(now + timedelta(days=2, minutes=1))
    swept = await second.sweep()
    (unban,) = of(swept, Unban)
    assert unban.user_id == "42" and unban.address.chat_id == GROUP
    assert of(await second.sweep(), Unban) == []
    await second.bot.close()


async def test_group_notice_deletes_itself_by_timer(group: Group) -> None:
    reply = await group.say("anjing")
    (notice,) = of(reply, Send)
    assert notice.delete_after == 60
    swept = await group.advance(seconds=61)
    assert [d.message_id for d in of(swept, Delete)]  # the bot's own notice, by its platform id


async def test_a_settings_change_reaches_another_worker_after_revalidation(group_db: str) -> None:
    from tests.moderation_flow.conftest import open_group

    here, there = await open_group(group_db), await open_group(group_db)
    there._ids = itertools.count(5000)  # update ids of the two workers' chats must not collide
    try:
        assert of(await there.say("anjing"), Delete)  # `there` has cached the defaults
        await here.admin("filter", "allow", "anjing")
        assert of(await here.say("anjing", user="43"), Delete) == []  # seen at once where changed
        there.clock.advance(timedelta(seconds=31))
        assert of(await there.say("anjing", user="44"), Delete) == []  # the version moved: reloaded
    finally:
        await here.bot.close()
        await there.bot.close()
