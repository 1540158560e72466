"""Who hears about a moderation act, and in which words.

The member is told privately when the bot can reach them (on Telegram only people who
started the bot; on Discord members unless they closed their DMs), otherwise in the
group with a notice that deletes itself after a minute (`Send.delete_after`, a stored
timer). A private notice that fails comes back as `DeliveryFailed` with our `ref`, and
the group notice goes out instead. The chat's log channel gets every case.
"""

from __future__ import annotations

from bot.actions import Action, Send
from bot.events import Address, DeliveryFailed, Person, Platform
from bot.groupmod.service import ChatSetup
from bot.handlers.context import Context, Outcome
from bot.moderation.durations import format_duration
from bot.moderation.limits import limits_for
from bot.storage.models import ModerationCase

NOTICE_REF = "moderation:notice:"
GROUP_NOTICE_SECONDS = 60
_KNOWN_PLATFORMS = frozenset(platform.value for platform in Platform)


async def member_language(ctx: Context, person: Person) -> str:
    """The language to write to a member in when only their id is known (an appeal's outcome):
    their choice, else what their platform reported when we last saw them, else the default."""
    record = await ctx.tx.people.get(person.platform, person.user_id)
    if record is not None:
        if record.preferred_language:
            return record.preferred_language
        reported = (record.language or "").split("-")[0].lower()
        if reported in ctx.settings.support.languages:
            return reported
    return ctx.settings.default_language


def reported_language(ctx: Context, person: Person) -> str:
    """The member's platform language when we support it, else the default; no database read
    (a group violator is addressed on the hot path)."""
    reported = (person.language or "").split("-")[0].lower()
    return reported if reported in ctx.settings.support.languages else ctx.settings.default_language


def staff_language(ctx: Context) -> str:
    return ctx.settings.handoff.staff_language or ctx.settings.default_language


def log_address(setup: ChatSetup, platform: str) -> Address | None:
    """The chat's log channel: `-100123` on the group's platform, or `discord:123` anywhere."""
    target = setup.policy.log_chat
    if not target:
        return None
    head, sep, rest = target.partition(":")
    if sep and head in _KNOWN_PLATFORMS and rest:
        return Address(head, rest)
    return Address(platform, target)


def case_text(ctx: Context, case: ModerationCase, lang: str, chat_title: str | None = None) -> str:
    """One case as moderators read it (log channel, `/case N`, appeals)."""
    lines = [
        ctx.t(
            "moderation.case_head",
            lang,
            number=case.number,
            action=case.action,
            user=f"{case.user_name or ''} ({case.user_key})".strip(),
            by=ctx.t("moderation.by_rules", lang)
            if case.moderator_key == "auto"
            else case.moderator_key,
            at=case.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
    ]
    if chat_title:
        lines.append(ctx.t("moderation.case_chat", lang, chat=chat_title))
    if case.rule or case.reason:
        lines.append(
            ctx.t("moderation.case_reason", lang, rule=case.rule or "-", reason=case.reason or "-")
        )
    if case.evidence:
        lines.append(ctx.t("moderation.case_evidence", lang, evidence=case.evidence))
    if case.ends_at is not None:
        lines.append(
            ctx.t("moderation.case_until", lang, until=case.ends_at.strftime("%Y-%m-%d %H:%M UTC"))
        )
    if case.revoked_at is not None:
        lines.append(ctx.t("moderation.case_revoked", lang, by=case.revoked_by or "-"))
    if case.appeal_state != "none":
        lines.append(ctx.t(f"moderation.case_appeal_{case.appeal_state}", lang))
    if case.dry_run:
        lines.insert(0, ctx.t("moderation.dry_run_tag", lang))
    return "\n".join(lines)


def log_posts(
    ctx: Context,
    setup: ChatSetup,
    place: Address,
    cases: list[ModerationCase],
    notes: list[str],
    chat_title: str | None = None,
) -> list[Action]:
    """The cases (and notes such as a missing right) for the chat's log channel, if it has one."""
    target = log_address(setup, place.platform)
    if target is None or (not cases and not notes):
        return []
    lang = staff_language(ctx)
    title = chat_title or place.chat_id
    parts = [case_text(ctx, case, lang, title) for case in cases]
    parts += notes
    return [Send(address=target, text="\n\n".join(parts))]


async def privately_reachable(
    ctx: Context, person: Person, wrote_privately: bool | None = None
) -> bool:
    """Whether a private message to `person` should arrive (else we post in the group).

    `wrote_privately` is what the caller already read (see `ModerationRepo.violator`)."""
    rule = limits_for(person.platform).private_messages
    if rule == "always":
        return True  # unless they closed DMs: then DeliveryFailed, and the group is told
    if rule == "if_contacted":  # only people who wrote to the bot first
        if wrote_privately is not None:
            return wrote_privately
        return await ctx.tx.conversations.get(f"{person.platform}:{person.user_id}") is not None
    return False


def group_notice(place: Address, person: Person, text: str) -> Send:
    return Send(address=place, text=f"{person.mention}: {text}", delete_after=GROUP_NOTICE_SECONDS)


async def tell_member(
    ctx: Context,
    place: Address,
    person: Person,
    text: str,
    case: ModerationCase,
    wrote_privately: bool | None = None,
) -> Action:
    if await privately_reachable(ctx, person, wrote_privately):
        return Send(
            address=Address(person.platform, person.user_id),
            text=text,
            ref=f"{NOTICE_REF}{case.platform}|{case.chat_id}|{case.number}",
        )
    return group_notice(place, person, text)


async def on_private_notice_failed(event: DeliveryFailed, ctx: Context) -> Outcome:
    """The member could not be told privately: tell them in the group instead."""
    platform, _, rest = (event.ref or "").removeprefix(NOTICE_REF).partition("|")
    chat_id, _, number = rest.rpartition("|")
    case = (
        await ctx.tx.moderation.case(Address(platform, chat_id), int(number))
        if number.isdigit()
        else None
    )
    if case is None or not event.text:
        return Outcome.done("moderation:notice_lost")
    platform, _, user_id = case.user_key.partition(":")
    person = Person(platform, user_id, name=case.user_name or user_id)
    place = Address(case.platform, case.chat_id, case.thread_id)
    return Outcome.done("moderation:notice_in_group", group_notice(place, person, event.text))


def explain(
    ctx: Context,
    lang: str,
    kind: str,
    *,
    chat: str,
    reason: str,
    case: ModerationCase,
    duration_text: str | None = None,
    warnings: int = 0,
    next_step: str | None = None,
) -> str:
    """The short message to the member: what happened, which rule, how to appeal."""
    params = {"chat": chat, "reason": reason}
    if kind in ("mute", "ban"):
        key = (
            f"moderation.explain_{kind}" if duration_text else f"moderation.explain_{kind}_forever"
        )
        line = ctx.t(key, lang, duration=duration_text or "", **params)
    elif kind == "warn":
        line = ctx.t("moderation.explain_warn", lang, count=warnings, **params)
        if next_step:
            line += " " + next_step
    elif kind == "kick":
        line = ctx.t("moderation.explain_kick", lang, **params)
    else:
        line = ctx.t("moderation.explain_delete", lang, **params)
    return line + "\n" + ctx.t("moderation.explain_appeal", lang, case=case.number)


def duration_text(case: ModerationCase) -> str | None:
    if case.ends_at is None:
        return None
    return format_duration(case.ends_at - case.created_at)
