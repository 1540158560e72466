"""The moderation step of the pipeline: group messages judged, new members checked, and
moderation's own timers and delivery feedback.

It runs before handoff and touches only groups (a private chat is a customer's or an
appeal's, never moderated), except for the feedback it asked for itself (`ref`s
starting with `moderation:`). Commands go on to the command step; the work is done in
`bot.groupmod`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Unban, Unrestrict
from bot.events import (
    Address,
    ButtonPressed,
    ChatKind,
    Delivered,
    DeliveryFailed,
    Event,
    MemberJoined,
    Message,
    TimerFired,
)
from bot.groupmod import captcha, joins
from bot.groupmod.acts import BAN_END, MUTE_END, mute_expires_on_its_own
from bot.groupmod.auto import check_message, judge
from bot.groupmod.command_kit import service_of
from bot.groupmod.commands import COMMANDS as MODERATION_COMMANDS
from bot.groupmod.notices import NOTICE_REF, on_private_notice_failed
from bot.handlers.context import Context, Outcome
from bot.handlers.registry import CommandSpec
from bot.handoff.workspace import is_staff_chat

COMMANDS: tuple[CommandSpec, ...] = MODERATION_COMMANDS


def _moderated(event: Message, ctx: Context) -> bool:
    return (
        event.chat_kind is ChatKind.GROUP
        and event.sender is not None
        and ctx.settings.moderation.enabled
        and not is_staff_chat(event.address, ctx.settings)
    )


async def prepare(events: Sequence[Event], ctx: Context) -> None:
    """Before a batch is walked: learn the joins other workers stored meanwhile, judge the
    batch's group messages in order (pure, cached settings; a join earlier in the batch
    counts), and read what acting on the rule-breakers needs in one query, instead of one
    per rule-breaker."""
    service = service_of(ctx)
    suspects = []
    for event in events:
        if _moderated_join(event, ctx):
            assert isinstance(event, MemberJoined)
            service.joins.noted(event.address, event.member.user_id, event.at)  # stored in the walk
        if isinstance(event, Message) and _moderated(event, ctx):
            verdict = await judge(event, ctx, service)
            service.remember_verdict(event.update_id, verdict)
            if verdict is not None and event.sender is not None:
                suspects.append((event.address, event.sender.key))
    await ctx.tx.moderation.prefetch_violators(suspects, ctx.now)


def _moderated_join(event: Event, ctx: Context) -> bool:
    return (
        isinstance(event, MemberJoined)
        and event.chat_kind is ChatKind.GROUP
        and ctx.settings.moderation.enabled
    )


async def handle(event: Event, ctx: Context) -> Outcome | None:
    if isinstance(event, Message):
        if not _moderated(event, ctx):
            return None
        return await check_message(event, ctx, service_of(ctx))
    if isinstance(event, TimerFired):
        return await _timer(event, ctx)
    if isinstance(event, ButtonPressed):
        if event.data.startswith(captcha.BUTTON_PREFIX):
            return await captcha.on_press(event, ctx)
        return None
    if isinstance(event, MemberJoined):
        if not _moderated_join(event, ctx):
            return None
        service = service_of(ctx)
        await joins.record_join(event, ctx, service)
        return await captcha.on_join(event, ctx, service) or Outcome.go_on("moderation:join_noted")
    if isinstance(event, Delivered) and event.ref.startswith(captcha.PROMPT_REF):
        return await captcha.on_prompt_delivered(event, ctx)
    if isinstance(event, DeliveryFailed) and (event.ref or "").startswith(NOTICE_REF):
        return await on_private_notice_failed(event, ctx)
    return None


async def _timer(event: TimerFired, ctx: Context) -> Outcome | None:
    kind = event.timer_kind
    chat = Address(event.address.platform, event.address.chat_id)
    user_id = str(event.payload.get("user_id", ""))
    if kind == BAN_END:
        return Outcome.done("moderation:ban_ended", Unban(address=chat, user_id=user_id))
    if kind == MUTE_END:
        if mute_expires_on_its_own(chat.platform):
            return Outcome.done("moderation:mute_ended")  # the platform lifted it at `until`
        return Outcome.done("moderation:mute_ended", Unrestrict(address=chat, user_id=user_id))
    if kind == captcha.CAPTCHA_TIMEOUT:
        return await captcha.on_timeout(event, ctx, service_of(ctx))
    if kind == joins.PRUNE_JOINS:
        return await joins.prune(event, ctx, service_of(ctx))
    return None
