"""Carrying out a moderation act: platform actions, the case, the warning ladder, the timers.

Automatic verdicts and moderators' commands both come through `punish`, so every act
is a numbered case, every mute and ban has its end recorded (and an Unban timer where
the platform does not lift bans itself), and a warning that reaches a step of the
ladder brings that step's sanction as a second case pointing back at the warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.actions import Action, Ban, Kick, Restrict, Unban, Unrestrict
from bot.events import Address, Person, Right
from bot.groupmod.service import ChatSetup
from bot.handlers.context import Context
from bot.moderation.durations import format_duration
from bot.moderation.i18n import translate
from bot.moderation.ladder import next_step, warning_expires_at
from bot.moderation.limits import clamp_ban, clamp_restriction, limits_for
from bot.storage.models import ModerationCase

MUTE_END = "moderation.mute_end"
BAN_END = "moderation.ban_end"
AUTO = "auto"

RIGHT_FOR: dict[str, Right] = {
    "delete": Right.DELETE_MESSAGES,
    "purge": Right.DELETE_MESSAGES,
    "mute": Right.RESTRICT_MEMBERS,
    "unmute": Right.RESTRICT_MEMBERS,
    "kick": Right.BAN_MEMBERS,
    "ban": Right.BAN_MEMBERS,
    "unban": Right.BAN_MEMBERS,
}


def member_timer_key(chat: Address, user_id: str) -> str:
    """The key of a member's timers in a chat (mute end, ban end, captcha timeout)."""
    return f"{chat.chat_key}:{user_id}"


def lacks(bot_rights: frozenset[Right] | None, kind: str) -> Right | None:
    """The right the bot is known to lack for `kind` (None: it has it, or nobody told us)."""
    right = RIGHT_FOR.get(kind)
    if right is None or bot_rights is None or right in bot_rights:
        return None
    return right


def missing_right_text(ctx: Context, right: Right, kind: str, lang: str) -> str:
    return ctx.t(
        "moderation.bot_lacks_right",
        lang,
        right=ctx.t(f"moderation.right_{right.value}", lang),
        act=ctx.t(f"moderation.verb_{kind}", lang),
    )


@dataclass
class Sanction:
    """What one act produced: its case, the platform actions, notes for whoever asked."""

    kind: str
    case: ModerationCase | None = None
    actions: list[Action] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: Right | None = None
    until: datetime | None = None
    warnings: int = 0
    escalation: Sanction | None = None

    @property
    def all_actions(self) -> list[Action]:
        return self.actions + (self.escalation.all_actions if self.escalation else [])

    @property
    def last_case(self) -> ModerationCase | None:
        return self.escalation.last_case if self.escalation and self.escalation.case else self.case


async def punish(
    ctx: Context,
    setup: ChatSetup,
    place: Address,
    target: Person,
    kind: str,
    *,
    duration: timedelta | None = None,
    reason: str = "",
    rule: str | None = None,
    evidence: str = "",
    by: str = AUTO,
    bot_rights: frozenset[Right] | None = None,
    message_id: str | None = None,
    parent_number: int | None = None,
    lang: str = "id",
    dry_run: bool = False,
    active_warnings: int | None = None,
    number: int | None = None,
) -> Sanction:
    """Warn, mute, kick or ban `target` in `place` (a chat, thread ignored for the case number)."""
    chat = Address(place.platform, place.chat_id)
    sanction = Sanction(kind)
    missing = lacks(bot_rights, kind)
    if missing is not None and not dry_run:
        sanction.missing = missing
        sanction.notes.append(missing_right_text(ctx, missing, kind, lang))
        return sanction
    until = None
    if kind in ("mute", "ban"):
        clamp = clamp_restriction if kind == "mute" else clamp_ban
        duration, note = clamp(place.platform, duration)
        if note is not None:
            sanction.notes.append(
                translate(note, lang, duration=format_duration(duration) if duration else "")
            )
            if note.endswith("_unsupported"):
                return sanction
        until = ctx.now + duration if duration is not None else None
    sanction.until = until
    action_name = (
        kind
        if duration is None or kind not in ("mute", "ban")
        else f"{kind} {format_duration(duration)}"
    )
    case = await ctx.tx.moderation.add_case(
        chat,
        ctx.now,
        thread_id=place.thread_id,
        user_key=target.key,
        user_name=target.mention,
        moderator_key=by,
        rule=rule,
        reason=ctx.mask(reason) if reason else None,
        evidence=ctx.mask(evidence) if evidence else None,
        action=action_name,
        dry_run=dry_run,
        message_id=message_id,
        ends_at=until,
        parent_number=parent_number,
        number=number,
    )
    sanction.case = case
    if dry_run:
        return sanction
    user_id = target.user_id
    timer_key = member_timer_key(chat, user_id)
    if kind == "warn":
        expires = warning_expires_at(ctx.now, setup.policy.warning_expiry)
        if active_warnings is None:
            active_warnings = await ctx.tx.moderation.active_warnings(chat, target.key, ctx.now)
        sanction.warnings = active_warnings + 1
        await ctx.tx.moderation.add_warning(chat, target.key, case.number, ctx.now, expires)
        step = next_step(sanction.warnings, setup.policy.warn_ladder)
        if step is not None:
            sanction.escalation = await punish(
                ctx,
                setup,
                place,
                target,
                step.punishment.value,
                duration=step.duration,
                reason=ctx.t("moderation.ladder_reason", lang, count=sanction.warnings),
                rule=rule,
                by=AUTO,
                bot_rights=bot_rights,
                parent_number=case.number,
                lang=lang,
                number=case.number + 1,
            )
    elif kind == "mute":
        sanction.actions.append(Restrict(address=chat, user_id=user_id, until=until))
        await _end_timer(ctx, MUTE_END, timer_key, until, chat, user_id, case.number)
    elif kind == "ban":
        sanction.actions.append(Ban(address=chat, user_id=user_id, until=until))
        await ctx.tx.timers.cancel(MUTE_END, timer_key)
        await _end_timer(ctx, BAN_END, timer_key, until, chat, user_id, case.number)
    elif kind == "kick":
        sanction.actions.append(Kick(address=chat, user_id=user_id))
    return sanction


async def _end_timer(
    ctx: Context,
    kind: str,
    key: str,
    until: datetime | None,
    chat: Address,
    user_id: str,
    case: int,
) -> None:
    """Schedule the end of a timed act, or cancel an earlier one a permanent act replaces."""
    if until is None:
        await ctx.tx.timers.cancel(kind, key)
        return
    await ctx.tx.timers.schedule(kind, key, until, chat, {"user_id": user_id, "case": case})


async def lift(
    ctx: Context,
    place: Address,
    target: Person,
    kind: str,
    *,
    by: str,
    reason: str = "",
    bot_rights: frozenset[Right] | None = None,
    lang: str = "id",
) -> Sanction:
    """Unmute or unban: the platform action, the timer cancelled, the open act revoked, a case."""
    chat = Address(place.platform, place.chat_id)
    sanction = Sanction(kind)
    missing = lacks(bot_rights, kind)
    if missing is not None:
        sanction.missing = missing
        sanction.notes.append(missing_right_text(ctx, missing, kind, lang))
        return sanction
    undone = "mute" if kind == "unmute" else "ban"
    timer_kind = MUTE_END if kind == "unmute" else BAN_END
    await ctx.tx.timers.cancel(timer_kind, member_timer_key(chat, target.user_id))
    previous = await ctx.tx.moderation.latest_active(chat, target.key, undone)
    if previous is not None:
        await ctx.tx.moderation.revoke_case(previous, ctx.now, by)
    sanction.case = await ctx.tx.moderation.add_case(
        chat,
        ctx.now,
        thread_id=place.thread_id,
        user_key=target.key,
        user_name=target.mention,
        moderator_key=by,
        reason=ctx.mask(reason) if reason else None,
        action=kind,
    )
    action: Action = (Unrestrict if kind == "unmute" else Unban)(
        address=chat, user_id=target.user_id
    )
    sanction.actions.append(action)
    return sanction


def undo_actions(case: ModerationCase) -> list[Action]:
    """The platform actions that undo `case` (an accepted appeal)."""
    chat = Address(case.platform, case.chat_id)
    user_id = case.user_key.split(":", 1)[1]
    if case.action.startswith("ban"):
        return [Unban(address=chat, user_id=user_id)]
    if case.action.startswith("mute"):
        return [Unrestrict(address=chat, user_id=user_id)]
    return []


def mute_expires_on_its_own(platform: str) -> bool:
    return limits_for(platform).mutes_end_on_their_own
