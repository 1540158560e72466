"""Appeals: a member asks (privately) for a case to be reviewed; a moderator accepts or rejects.

`/appeal 12 why` names the case by its number in the chat where it happened. The appeal
goes to that chat's log channel (else the staff chat, else the chat itself) with its
own number for `/appealok` and `/appealno`. Accepting undoes the act (unban, unmute,
warnings revoked, ladder sanctions it brought included); either way the member is told,
and the outcome is stored on the case.
"""

from __future__ import annotations

import re

from bot.actions import Action, Send
from bot.events import Address, ChatKind, Command, Person, Right
from bot.groupmod.acts import BAN_END, MUTE_END, member_timer_key, undo_actions
from bot.groupmod.notices import case_text, log_address, member_language, staff_language
from bot.groupmod.service import ModerationService
from bot.handlers.context import Context, Outcome
from bot.handoff.workspace import staff_chat
from bot.roles import Role, has_role
from bot.storage.models import ModerationAppeal, ModerationCase

_NUMBER = re.compile(r"^[#A]?(\d{1,9})$", re.IGNORECASE)


def parse_number(text: str) -> int | None:
    match = _NUMBER.match(text.strip())
    return int(match.group(1)) if match else None


def _reply(command: Command, text: str, label: str, *more: Action) -> Outcome:
    return Outcome.done(label, Send(address=command.address, text=text), *more)


async def appeal(command: Command, ctx: Context, service: ModerationService) -> Outcome:
    sender = command.sender
    assert sender is not None
    lang = await ctx.language_of(sender)
    number = parse_number(command.args[0]) if command.args else None
    if number is None:
        return _reply(command, ctx.t("moderation.appeal_usage", lang), "moderation:appeal_usage")
    cases = [
        c
        for c in await ctx.tx.moderation.cases_for_appeal(sender.platform, sender.key, number)
        if not c.dry_run
    ]
    if not cases:
        return _reply(
            command,
            ctx.t("moderation.appeal_no_case", lang, case=number),
            "moderation:appeal_no_case",
        )
    case = max(cases, key=lambda c: c.created_at)
    existing = await ctx.tx.moderation.appeal_of(case.id)
    if existing is not None:
        key = f"moderation.appeal_already_{existing.state}"
        return _reply(command, ctx.t(key, lang, case=number), "moderation:appeal_again")
    text = ctx.mask(" ".join(command.args[1:]))[:1000]
    record = await ctx.tx.moderation.open_appeal(case, sender.key, text, ctx.now)
    chat = Address(case.platform, case.chat_id)
    setup = await service.setup(ctx.tx, chat, ctx.now)
    staff = staff_language(ctx)
    desk = (
        log_address(setup, case.platform)
        or staff_chat(ctx.settings)
        or Address(case.platform, case.chat_id, case.thread_id)
    )
    post = "\n".join(
        [
            ctx.t(
                "moderation.appeal_posted",
                staff,
                appeal=record.id,
                case=case.number,
                user=sender.mention,
                text=text or "-",
            ),
            case_text(ctx, case, staff),
            ctx.t("moderation.appeal_howto", staff, appeal=record.id),
        ]
    )
    return _reply(
        command,
        ctx.t("moderation.appeal_received", lang, case=number, appeal=record.id),
        "moderation:appeal_opened",
        Send(address=desk, text=post),
    )


async def may_decide(command: Command, case: ModerationCase, ctx: Context) -> bool:
    """Appeal numbers are global, so a decision is taken in the case's chat or its log
    channel (whose admins the chat chose), or by someone holding the moderator role."""
    if has_role(await ctx.roles_of(command.sender), Role.MODERATOR):
        return True
    if command.chat_kind is ChatKind.PRIVATE:
        return False
    here = command.address
    if here.platform == case.platform and here.chat_id == case.chat_id:
        return True
    chats = await ctx.tx.moderation.chats_logging_to(here.platform, here.chat_id)
    return (case.platform, case.chat_id) in chats


async def _open_appeal(
    command: Command, ctx: Context
) -> tuple[ModerationAppeal, ModerationCase, str] | Outcome:
    """The open appeal `/appealok` or `/appealno` names, its case and the moderator's language;
    else the reply that says why not (usage, unknown or not theirs, already decided)."""
    assert command.sender is not None
    lang = await ctx.language_of(command.sender)
    number = parse_number(command.args[0]) if command.args else None
    if number is None:
        return _reply(
            command,
            ctx.t("moderation.decide_usage", lang, command=command.name),
            "moderation:decide_usage",
        )
    record = await ctx.tx.moderation.appeal(number)
    case = await ctx.tx.moderation.case_by_id(record.case_id) if record is not None else None
    if record is None or case is None or not await may_decide(command, case, ctx):
        return _reply(
            command,
            ctx.t("moderation.appeal_unknown", lang, appeal=number),
            "moderation:appeal_unknown",
        )
    if record.state != "open":
        key = f"moderation.appeal_already_{record.state}"
        return _reply(command, ctx.t(key, lang, case=case.number), "moderation:appeal_decided")
    return record, case, lang


async def _decision_to_member(
    case: ModerationCase, ctx: Context, key: str, **params: object
) -> Send:
    """The decision, privately to the member the case is about, in their own language."""
    platform, _, user_id = case.user_key.partition(":")
    language = await member_language(ctx, Person(platform, user_id))
    return Send(
        address=Address(platform, user_id), text=ctx.t(key, language, case=case.number, **params)
    )


async def accept(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    found = await _open_appeal(command, ctx)
    if isinstance(found, Outcome):
        return found
    record, case, lang = found
    by = command.sender.key
    actions: list[Action] = []
    for undone in [case, *await ctx.tx.moderation.children(case)]:
        if undone.revoked_at is None:
            actions += undo_actions(undone)
            await ctx.tx.moderation.revoke_case(undone, ctx.now, by)
            await ctx.tx.moderation.revoke_warnings_of_case(undone, ctx.now)
            place = Address(undone.platform, undone.chat_id)
            timer_key = member_timer_key(place, undone.user_key.partition(":")[2])
            if undone.action.startswith("ban"):
                await ctx.tx.timers.cancel(BAN_END, timer_key)
            if undone.action.startswith("mute"):
                await ctx.tx.timers.cancel(MUTE_END, timer_key)
    note = ctx.mask(" ".join(command.args[1:]))[:500]
    await ctx.tx.moderation.decide_appeal(record, case, "accepted", by, note, ctx.now)
    actions.append(await _decision_to_member(case, ctx, "moderation.appeal_accepted_member"))
    text = ctx.t("moderation.appeal_accepted", lang, appeal=record.id, case=case.number)
    return _reply(command, text, "moderation:appeal_accepted", *actions)


async def reject(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    found = await _open_appeal(command, ctx)
    if isinstance(found, Outcome):
        return found
    record, case, lang = found
    reason = ctx.mask(" ".join(command.args[1:])).strip()[:500]
    if not reason:
        return _reply(
            command,
            ctx.t("moderation.reject_needs_reason", lang, appeal=record.id),
            "moderation:reject_usage",
        )
    await ctx.tx.moderation.decide_appeal(
        record, case, "rejected", command.sender.key, reason, ctx.now
    )
    told = await _decision_to_member(case, ctx, "moderation.appeal_rejected_member", reason=reason)
    text = ctx.t("moderation.appeal_rejected", lang, appeal=record.id, case=case.number)
    return _reply(command, text, "moderation:appeal_rejected", told)


async def list_open(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    lang = await ctx.language_of(command.sender)
    here = (command.address.platform, command.address.chat_id)
    chats = [here, *await ctx.tx.moderation.chats_logging_to(*here)]
    rows = await ctx.tx.moderation.open_appeals_in(chats)
    if not rows:
        return _reply(command, ctx.t("moderation.appeals_none", lang), "moderation:appeals")
    lines = [ctx.t("moderation.appeals_title", lang, count=len(rows))]
    for record, case in rows:
        lines.append(
            ctx.t(
                "moderation.appeals_line",
                lang,
                appeal=record.id,
                case=case.number,
                action=case.action,
                user=case.user_name or case.user_key,
                text=record.text or "-",
            )
        )
    return _reply(command, "\n".join(lines), "moderation:appeals")


RIGHTS_TO_DECIDE = frozenset({Right.RESTRICT_MEMBERS})
