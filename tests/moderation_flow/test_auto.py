"""Group messages judged by the chat's rules: deleted, warned, muted, banned; or left alone."""

from __future__ import annotations

from datetime import timedelta

from bot.actions import Ban, Delete, Restrict, Send
from bot.events import Right
from tests.moderation_flow.conftest import ADMIN_RIGHTS, GROUP, LOG, Group, of, texts_to


async def test_a_banned_word_is_deleted_and_its_sender_warned_with_the_rule_named(
    group: Group,
) -> None:
    reply = await group.say("dasar anjing lo", user="42")

    (delete,) = of(reply, Delete)
    assert delete.address.chat_id == GROUP and delete.message_id == "100"
    (notice,) = of(reply, Send)
    # Budi never wrote to the bot privately: he is told in the group, and the notice deletes itself.
    assert notice.address.chat_id == GROUP and notice.delete_after == 60
    assert (
        "@budi" in notice.text and "peringatan ke-1" in notice.text and "kata-kata" in notice.text
    )
    assert "/appeal 1" in notice.text
    (case,) = await group.cases()
    assert (case.number, case.action, case.rule, case.moderator_key) == (1, "warn", "words", "auto")
    assert case.user_key == "telegram:42" and case.evidence
    assert len(await group.warnings()) == 1


async def test_a_member_who_started_the_bot_is_told_privately(group: Group) -> None:
    await group.private_say("halo", user="42")
    reply = await group.say("bangsat", user="42")
    (notice,) = of(reply, Send)
    assert notice.address.chat_id == "42" and notice.delete_after is None
    assert "Komunitas Uji" in notice.text and "/appeal 1" in notice.text


async def test_the_ladder_mutes_at_the_third_warning_then_for_a_day_then_bans(group: Group) -> None:
    for _ in range(2):
        reply = await group.say("anjing")
        assert of(reply, Restrict) == []
    third = await group.say("anjing")
    (mute,) = of(third, Restrict)
    assert mute.until == group.clock.now() + timedelta(hours=1)
    assert "dibisukan" in texts_to(third, GROUP) and "1h" in texts_to(third, GROUP)
    fourth = await group.say("anjing")
    assert of(fourth, Restrict)[0].until == group.clock.now() + timedelta(hours=24)
    fifth = await group.say("anjing")
    (ban,) = of(fifth, Ban)
    assert ban.until is None
    actions = [c.action for c in await group.cases()]
    assert actions == ["warn", "warn", "warn", "mute 1h", "warn", "mute 1d", "warn", "ban"]


async def test_warnings_expire_after_thirty_days(group: Group) -> None:
    await group.say("anjing")
    await group.say("anjing")
    group.clock.advance(timedelta(days=31))
    third = await group.say("anjing")
    assert of(third, Restrict) == [] and "peringatan ke-1" in texts_to(third, GROUP)


async def test_scunthorpe_safe_words_and_clean_chat_are_left_alone(group: Group) -> None:
    for text in (
        "anak anjing lucu sekali",
        "klasik banget",
        "assessment besok jam 9",
        "terima kasih kak",
    ):
        reply = await group.say(text)
        assert reply.actions == [], text
    assert await group.cases() == []


async def test_admins_and_moderators_are_exempt(group: Group) -> None:
    assert (await group.say("anjing", rights=ADMIN_RIGHTS)).actions == []
    await group.grant("55")
    assert (await group.say("anjing", user="55")).actions == []
    assert await group.cases() == []


async def test_flood_mutes_for_ten_minutes(group: Group) -> None:
    replies = []
    for index in range(8):
        replies.append(await group.say(f"pesan nomor {index} ya"))
        group.clock.advance(timedelta(seconds=1))
    assert all(r.actions == [] for r in replies[:7])
    (mute,) = of(replies[7], Restrict)
    assert mute.user_id == "42"
    (case,) = await group.cases()
    assert case.rule == "flood" and case.action == "mute 10m"


async def test_an_edited_message_is_checked_again(group: Group) -> None:
    assert (await group.say("halo semua")).actions == []
    edited = await group.say("halo semua bangsat", edited_id="100")
    (delete,) = of(edited, Delete)
    assert delete.message_id == "100"


async def test_dry_run_records_the_case_and_reports_it_but_acts_on_nobody(group: Group) -> None:
    await group.admin("settings", "dryrun", "on")
    await group.admin("logchat", LOG)
    reply = await group.say("anjing")
    assert of(reply, Delete) == [] and of(reply, Restrict) == []
    assert "dry run" in texts_to(reply, LOG) and texts_to(reply, GROUP) == ""
    (case,) = await group.cases()
    assert case.dry_run and case.rule == "words"
    assert await group.warnings() == []


async def test_a_missing_delete_right_is_reported_to_the_log_chat(group: Group) -> None:
    await group.admin("logchat", LOG)
    group.bot_rights = frozenset({Right.RESTRICT_MEMBERS})
    reply = await group.say("anjing")
    assert of(reply, Delete) == []
    assert "'delete messages' right" in texts_to(reply, LOG)


async def test_cases_are_numbered_per_chat_and_posted_to_the_log_chat(group: Group) -> None:
    await group.admin("logchat", LOG)
    first = await group.say("anjing")
    assert "Case #1" in texts_to(first, LOG) and "words" in texts_to(first, LOG)
    await group.say("anjing", user="43", username="sari")
    other = Group(group.bot, chat="-1005550002")
    await other.say("anjing")
    numbers = [(c.chat_id, c.number) for c in await group.cases()]
    assert numbers == [(GROUP, 1), (GROUP, 2), ("-1005550002", 1)]


async def test_private_chats_are_never_moderated(group: Group) -> None:
    reply = await group.private_say("anjing kamu", user="42")
    assert of(reply, Delete) == [] and await group.cases() == []


async def test_a_private_notice_that_fails_is_posted_in_the_group_instead(group: Group) -> None:
    from bot.adapters.base import RecipientUnreachable

    await group.private_say("halo", user="42")  # he started the bot once...
    group.bot.adapters["telegram"].fail_in_chat["42"] = [
        RecipientUnreachable("bot was blocked by the user")
    ]
    reply = await group.say("bangsat", user="42")  # ...but has blocked it since
    notices = [a for a in of(reply, Send) if a.address.chat_id == GROUP]
    assert len(notices) == 1 and "@budi" in notices[0].text and notices[0].delete_after == 60
