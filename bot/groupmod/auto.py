"""Automatic moderation of group messages: record, evaluate, and act on the verdict.

A clean message costs a cached settings lookup, one activity record and the pure
`evaluate`; the database is touched only when a rule is broken. A message that breaks
one is deleted (when the rule says so and the bot may), its sender warned, muted,
kicked or banned as the rule and the ladder say, told why and how to appeal, and the
case is posted to the log channel. In dry-run mode only the case and the log post.
"""

from __future__ import annotations

from bot.actions import Action, Delete
from bot.events import Message
from bot.groupmod.acts import AUTO, Sanction, lacks, missing_right_text, punish
from bot.groupmod.notices import (
    duration_text,
    explain,
    log_posts,
    reported_language,
    staff_language,
    tell_member,
)
from bot.groupmod.service import ChatSetup, ModerationService
from bot.handlers.context import Context, Outcome
from bot.moderation.activity import NO_ACTIVITY
from bot.moderation.durations import format_duration
from bot.moderation.evaluate import Verdict, evaluate
from bot.moderation.i18n import translate
from bot.moderation.ladder import LadderStep
from bot.moderation.limits import can_delete
from bot.moderation.normalise import text_fingerprint
from bot.moderation.rules import RuleContext
from bot.moderation.sanctions import Punishment
from bot.storage.models import ModerationCase


async def check_message(event: Message, ctx: Context, service: ModerationService) -> Outcome | None:
    verdict = service.take_verdict(event.update_id)
    if verdict is False:
        verdict = await judge(event, ctx, service)
    if verdict is None:
        return None
    setup = await service.setup(ctx.tx, event.address, ctx.now)
    return await enforce(event, verdict, setup, ctx)


async def judge(event: Message, ctx: Context, service: ModerationService) -> Verdict | None:
    """Record the message in the sender's activity and evaluate it: no database unless the
    chat's settings are not cached, or it is time to look for other workers' new joins."""
    sender = event.sender
    assert sender is not None
    setup = await service.setup(ctx.tx, event.address, ctx.now)
    policy = setup.compiled.policy
    if event.edited:
        recent = NO_ACTIVITY  # an edit is not a new message: flood and repeat look at sending only
    else:
        fingerprint = text_fingerprint(event.text) if event.text and policy.repeat.enabled else ""
        recent = await service.recorder.record(
            event.address.chat_key, sender.key, event.at, fingerprint
        )
    joined = (
        await service.joins.joined_at(ctx.tx, event.address, sender.user_id, ctx.now)
        if policy.newcomer_links.enabled
        else None
    )
    return evaluate(event, RuleContext(setup.compiled, event.at, recent, joined))


async def enforce(event: Message, verdict: Verdict, setup: ChatSetup, ctx: Context) -> Outcome:
    sender = event.sender
    assert sender is not None
    facts = await ctx.tx.moderation.violator(event.address, sender.key, ctx.now)
    if facts.moderator or sender.key in ctx.settings.owners:
        return Outcome.go_on(
            "moderation:exempt"
        )  # the bot's own moderators, like the chat's admins
    lang = reported_language(ctx, sender)
    staff = staff_language(ctx)
    reason = verdict.reason(lang)
    chat = event.chat_title or event.address.chat_id
    rule_action = verdict.action
    punishment = rule_action.punishment
    label = f"moderation:{verdict.rule}"
    if verdict.dry_run:
        case = await _auto_case(event, verdict, ctx, str(rule_action), staff, facts.next_case, dry_run=True)
        posts = log_posts(ctx, setup, event.address, [case], [], event.chat_title)
        return Outcome.done(f"{label}:dry_run", *posts)
    actions: list[Action] = []
    notes: list[str] = []
    deleted = False
    if rule_action.delete:
        missing = lacks(event.bot_rights, "delete")
        allowed, note = can_delete(event.address.platform, event.at, ctx.now)
        if missing is not None:
            notes.append(missing_right_text(ctx, missing, "delete", staff))
        elif not allowed and note is not None:
            notes.append(translate(note, staff))
        else:
            actions.append(Delete(address=event.address, message_id=event.message_id))
            deleted = True
    sanction = Sanction("none")
    if punishment is not Punishment.NONE:
        sanction = await punish(
            ctx,
            setup,
            event.address,
            sender,
            punishment.value,
            duration=rule_action.duration,
            reason=verdict.reason(staff),
            rule=verdict.rule,
            evidence=verdict.evidence,
            bot_rights=event.bot_rights,
            message_id=event.message_id,
            lang=staff,
            active_warnings=facts.active_warnings,
            number=facts.next_case,
        )
        notes += sanction.notes
    if sanction.case is None:  # nothing but the deletion (or only a report)
        sanction = Sanction("delete" if deleted else "log", notes=sanction.notes)
        sanction.case = await _auto_case(event, verdict, ctx, sanction.kind, staff, facts.next_case)
    actions += sanction.all_actions
    assert sanction.case is not None
    if deleted or sanction.kind != "log":
        text = _member_text(ctx, lang, sanction, chat, reason, setup)
        actions.append(
            await tell_member(
                ctx, event.address, sender, text, sanction.case, facts.wrote_privately
            )
        )
    cases = [sanction.case] + (
        [sanction.escalation.case] if sanction.escalation and sanction.escalation.case else []
    )
    actions += log_posts(ctx, setup, event.address, cases, notes, event.chat_title)
    return Outcome.done(label, *actions)


async def _auto_case(
    event: Message,
    verdict: Verdict,
    ctx: Context,
    action: str,
    staff: str,
    number: int | None,
    *,
    dry_run: bool = False,
) -> ModerationCase:
    """The case of an automatic act that `punish` did not record (a deletion, a dry run)."""
    assert event.sender is not None
    return await ctx.tx.moderation.add_case(
        event.address,
        ctx.now,
        user_key=event.sender.key,
        user_name=event.sender.mention,
        moderator_key=AUTO,
        rule=verdict.rule,
        reason=verdict.reason(staff),
        evidence=ctx.mask(verdict.evidence),
        action=action,
        dry_run=dry_run,
        message_id=event.message_id,
        number=number,
    )


def _member_text(
    ctx: Context, lang: str, sanction: Sanction, chat: str, reason: str, setup: ChatSetup
) -> str:
    assert sanction.case is not None
    kind = sanction.kind if sanction.kind in ("warn", "mute", "ban", "kick") else "delete"
    step = _upcoming(setup.policy.warn_ladder, sanction.warnings) if kind == "warn" else None
    upcoming = (
        ctx.t("moderation.explain_next", lang, count=step[0], sanction=step[1]) if step else None
    )
    text = explain(
        ctx,
        lang,
        kind,
        chat=chat,
        reason=reason,
        case=sanction.case,
        duration_text=duration_text(sanction.case),
        warnings=sanction.warnings,
        next_step=upcoming,
    )
    escalation = sanction.escalation
    if escalation is not None and escalation.case is not None:
        reason_more = ctx.t("moderation.ladder_reason", lang, count=sanction.warnings)
        more = explain(
            ctx,
            lang,
            escalation.kind,
            chat=chat,
            reason=reason_more,
            case=sanction.case,
            duration_text=duration_text(escalation.case),
        )
        text = text.split("\n")[0] + "\n" + more
    return text


def _upcoming(ladder: tuple[LadderStep, ...], warnings: int) -> tuple[int, str] | None:
    """The next step of the ladder above `warnings`: its count and its sanction."""
    later = [step for step in ladder if step.warnings > warnings]
    if not later:
        return None
    step = min(later, key=lambda s: s.warnings)
    return step.warnings, step.punishment.value + (
        f" {format_duration(step.duration)}" if step.duration else ""
    )
