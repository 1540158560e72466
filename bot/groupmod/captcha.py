"""New members prove they are human: restricted on joining until they press the button.

The prompt's platform id comes back as `Delivered` (our `ref`), so the prompt can be
deleted once answered. No press within the chat's time limit: the stored timer fires
(on any worker, once) and the member is removed, which is a case like any other act.
"""

from __future__ import annotations

from datetime import timedelta

from bot.actions import Action, Button, Delete, Restrict, Send, Unrestrict
from bot.events import Address, ButtonPressed, Delivered, MemberJoined, Person, TimerFired
from bot.groupmod.acts import lacks, member_timer_key, missing_right_text, punish
from bot.groupmod.notices import log_posts, staff_language
from bot.groupmod.service import ModerationService
from bot.handlers.context import Context, Outcome
from bot.moderation.durations import format_duration
from bot.moderation.limits import clamp_restriction

CAPTCHA_TIMEOUT = "moderation.captcha"
BUTTON_PREFIX = "mod:captcha:"
PROMPT_REF = "moderation:captcha:"
_GRACE = timedelta(minutes=1)  # the restriction outlives the timer a little, never forever


def _chat(address: Address) -> Address:
    return Address(address.platform, address.chat_id)


async def on_join(event: MemberJoined, ctx: Context, service: ModerationService) -> Outcome | None:
    member = event.member
    if member.is_bot:
        return None
    setup = await service.setup(ctx.tx, _chat(event.address), ctx.now)
    if not setup.policy.captcha:
        return None
    missing = lacks(event.bot_rights, "mute")
    if missing is not None:
        note = missing_right_text(ctx, missing, "mute", staff_language(ctx))
        return Outcome.done(
            "moderation:captcha_no_right", *log_posts(ctx, setup, event.address, [], [note])
        )
    timeout = setup.policy.captcha_timeout
    restriction, _ = clamp_restriction(event.address.platform, timeout + _GRACE)
    chat = _chat(event.address)
    await ctx.tx.moderation.add_captcha(chat, member.user_id, ctx.now, ctx.now + timeout)
    await ctx.tx.timers.schedule(
        CAPTCHA_TIMEOUT,
        member_timer_key(chat, member.user_id),
        ctx.now + timeout,
        chat,
        {"user_id": member.user_id},
    )
    lang = await ctx.language_of(member)
    text = ctx.t(
        "moderation.captcha_prompt", lang, mention=member.mention, time=format_duration(timeout)
    )
    button = Button(
        ctx.t("moderation.captcha_button", lang), data=f"{BUTTON_PREFIX}{member.user_id}"
    )
    until = ctx.now + restriction if restriction is not None else None
    return Outcome.done(
        "moderation:captcha",
        Restrict(address=chat, user_id=member.user_id, until=until),
        Send(
            address=event.address, text=text, buttons=(button,), ref=f"{PROMPT_REF}{member.user_id}"
        ),
    )


async def on_prompt_delivered(event: Delivered, ctx: Context) -> Outcome:
    user_id = event.ref.removeprefix(PROMPT_REF)
    pending = await ctx.tx.moderation.captcha(_chat(event.address), user_id)
    if pending is None:  # answered (or timed out) before we learnt the prompt's id: tidy it now
        return Outcome.done(
            "moderation:captcha_late", Delete(address=event.address, message_id=event.message_id)
        )
    pending.prompt_message_id = event.message_id
    return Outcome.done("moderation:captcha_prompt_id")


async def on_press(event: ButtonPressed, ctx: Context) -> Outcome:
    user_id = event.data.removeprefix(BUTTON_PREFIX)
    if event.sender is None or event.sender.user_id != user_id:
        return Outcome.done(
            "moderation:captcha_not_theirs"
        )  # someone else's button: nothing happens
    chat = _chat(event.address)
    pending = await ctx.tx.moderation.captcha(chat, user_id)
    if pending is None:
        return Outcome.done("moderation:captcha_stale")
    actions: list[Action] = [Unrestrict(address=chat, user_id=user_id)]
    prompt = pending.prompt_message_id or event.message_id
    if prompt:
        actions.append(Delete(address=event.address, message_id=prompt))
    await ctx.tx.timers.cancel(CAPTCHA_TIMEOUT, member_timer_key(chat, user_id))
    await ctx.tx.moderation.remove_captcha(pending)
    return Outcome.done("moderation:captcha_passed", *actions)


async def on_timeout(event: TimerFired, ctx: Context, service: ModerationService) -> Outcome:
    user_id = str(event.payload.get("user_id", ""))
    chat = _chat(event.address)
    pending = await ctx.tx.moderation.captcha(chat, user_id)
    if pending is None:
        return Outcome.done("moderation:captcha_gone")
    setup = await service.setup(ctx.tx, chat, ctx.now)
    staff = staff_language(ctx)
    person = Person(chat.platform, user_id)
    sanction = await punish(
        ctx,
        setup,
        chat,
        person,
        "kick",
        reason=ctx.t("moderation.captcha_reason", staff),
        rule="captcha",
        lang=staff,
    )
    actions: list[Action] = list(sanction.actions)
    if pending.prompt_message_id:
        actions.append(Delete(address=chat, message_id=pending.prompt_message_id))
    await ctx.tx.moderation.remove_captcha(pending)
    cases = [sanction.case] if sanction.case else []
    actions += log_posts(ctx, setup, chat, cases, sanction.notes)
    return Outcome.done("moderation:captcha_kick", *actions)
