"""Appeals (accepted: the act is undone and the member told; rejected: told why) and the captcha."""

from __future__ import annotations

from bot.actions import Delete, Kick, Restrict, Send, Unban, Unrestrict
from tests.moderation_flow.conftest import GROUP, LOG, Group, of, texts_to


async def banned_with_appeal(group: Group) -> int:
    await group.admin("logchat", LOG)
    await group.admin("ban", "42", "spam")
    reply = await group.private_command("appeal", "1", "saya", "tidak", "spam", user="42")
    assert "banding 1" in texts_to(reply, "42")
    post = texts_to(reply, LOG)
    assert "Appeal 1 on case #1" in post and "saya tidak spam" in post and "/appealok 1" in post
    return 1


async def test_appeal_accepted_undoes_the_ban_and_tells_the_member(group: Group) -> None:
    appeal = await banned_with_appeal(group)
    reply = await group.admin("appealok", str(appeal))
    (unban,) = of(reply, Unban)
    assert unban.user_id == "42" and unban.address.chat_id == GROUP
    assert "accepted; case #1 undone" in texts_to(reply, GROUP)
    assert "diterima" in texts_to(reply, "42")
    ban_case = (await group.cases())[0]
    assert ban_case.appeal_state == "accepted" and ban_case.revoked_at is not None
    (stored,) = await group.appeals()
    assert stored.state == "accepted" and stored.decided_by == "telegram:7"
    again = await group.admin("appealok", str(appeal))
    assert of(again, Unban) == [] and "already accepted" in again.text


async def test_appeal_rejected_needs_a_reason_and_tells_the_member(group: Group) -> None:
    appeal = await banned_with_appeal(group)
    assert "give a reason" in (await group.admin("appealno", str(appeal))).text
    reply = await group.admin("appealno", str(appeal), "bukti", "jelas")
    assert of(reply, Unban) == []
    assert "ditolak: bukti jelas" in texts_to(reply, "42")
    (stored,) = await group.appeals()
    assert (stored.state, stored.reason) == ("rejected", "bukti jelas")


async def test_appeal_from_the_log_chat_and_listing(group: Group) -> None:
    await banned_with_appeal(group)
    in_log = Group(group.bot, chat=LOG)
    listed = await in_log.admin("appeals")
    assert "Open appeals (1)" in listed.text and "case #1 (ban)" in listed.text
    assert of(await in_log.admin("appealok", "1"), Unban)


async def test_appeal_from_an_unrelated_chat_is_refused(group: Group) -> None:
    await banned_with_appeal(group)
    elsewhere = Group(group.bot, chat="-1009999")
    reply = await elsewhere.admin("appealok", "1")
    assert "no appeal 1 you can decide here" in reply.text and of(reply, Unban) == []


async def test_appeal_of_a_warning_revokes_it_and_the_mute_it_brought(group: Group) -> None:
    for _ in range(3):
        await group.say("anjing")
    assert len([c for c in await group.cases() if c.action == "mute 1h"]) == 1
    await group.private_command("appeal", "3", user="42")
    reply = await group.admin("appealok", "1")
    assert of(reply, Unrestrict)
    async with group.bot.runtime.store.transaction() as tx:
        assert (
            await tx.moderation.active_warnings(group.address, "telegram:42", group.clock.now())
            == 2
        )


async def test_appeal_errors_are_explained(group: Group) -> None:
    assert "/appeal NOMOR_KASUS" in (await group.private_command("appeal", user="42")).text
    assert (
        "tidak menemukan kasus #5" in (await group.private_command("appeal", "5", user="42")).text
    )
    in_group = await group.admin("appeal", "1")
    assert "private" in in_group.text.lower()


async def test_captcha_pass_lifts_the_restriction_and_deletes_the_prompt(group: Group) -> None:
    await group.admin("settings", "captcha", "on")
    joined = await group.join("77")
    (restrict,) = of(joined, Restrict)
    assert restrict.user_id == "77" and restrict.until is not None
    (prompt,) = of(joined, Send)
    assert prompt.buttons[0].label == "I'm human" and "5m" in prompt.text
    other = await group.press(prompt.buttons[0].data, user="78")
    assert other.actions == []
    passed = await group.press(prompt.buttons[0].data, user="77")
    assert of(passed, Unrestrict) and of(passed, Delete)
    assert of(await group.advance(minutes=10), Kick) == []


async def test_captcha_timeout_kicks_once_and_is_a_case(group: Group) -> None:
    await group.admin("settings", "captcha", "2m")
    await group.join("77")
    assert of(await group.advance(minutes=1), Kick) == []
    swept = await group.advance(minutes=2)
    (kick,) = of(swept, Kick)
    assert kick.user_id == "77"
    assert of(swept, Delete)  # the unanswered prompt goes too
    assert of(await group.advance(minutes=5), Kick) == []
    assert [c.action for c in await group.cases()] == ["kick"]


async def test_no_captcha_by_default(group: Group) -> None:
    assert (await group.join("77")).actions == []
