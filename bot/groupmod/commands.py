"""Moderators' commands: warn, mute, kick, ban and their undoing, purge, rules, filters,
settings, the log channel, cases and history, reports, appeals.

Who may run each is declared in `COMMANDS` (a bot role, or the platform rights that
permit it in a group); the registry refuses everyone else with the reason. A body
checks what only it can know: whom the command is about, whether that person ranks
above the sender, and whether the bot itself holds the right the act needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.actions import Action, Delete, Send
from bot.events import Address, Command, Person, Right
from bot.groupmod import appeals, blocklist
from bot.groupmod.acts import Sanction, lacks, lift, missing_right_text, punish
from bot.groupmod.command_kit import chat_of as _chat
from bot.groupmod.command_kit import language_of as _lang
from bot.groupmod.command_kit import reply, service_of
from bot.groupmod.command_kit import save_policy as _save
from bot.groupmod.command_kit import setup_of as _setup
from bot.groupmod.notices import (
    case_text,
    duration_text,
    explain,
    log_address,
    log_posts,
    member_language,
    privately_reachable,
    staff_language,
)
from bot.groupmod.service import ChatSetup
from bot.handlers.context import Context, Outcome
from bot.handlers.registry import CommandBody, CommandSpec, Scope
from bot.moderation.durations import DURATION_EXAMPLES, DurationError, parse_duration
from bot.moderation.limits import limits_for
from bot.moderation.policy import ModerationPolicy
from bot.moderation.settings import SettingError, apply_setting, apply_setting_text, describe
from bot.roles import Role

MAX_PURGE = 100
MAX_RULES = 3500


# ---- whom a command is about ----------------------------------------------------------------


async def resolve_target(
    command: Command, ctx: Context
) -> tuple[Person | None, tuple[str, ...], str | None]:
    """The person, the remaining arguments, and an error key when a named person is unknown.

    In order: the adapter's target (a reply, a mention, a slash-command option), the author
    of the replied-to message, `@username` of someone the bot has met, a numeric id.
    """
    args = command.args
    if command.target is not None:
        return command.target, args, None
    if command.reply_to is not None and command.reply_to.sender is not None:
        return command.reply_to.sender, args, None
    if not args:
        return None, args, None
    first = args[0]
    platform = command.address.platform
    if first.startswith("@") and len(first) > 1:
        record = await ctx.tx.people.find_by_username(platform, first[1:])
        if record is None:
            return None, args[1:], "moderation.unknown_user"
        return (
            Person(platform, record.user_id, name=record.name or "", username=record.username),
            args[1:],
            None,
        )
    if first.lstrip("-").isdigit():
        record = await ctx.tx.people.get(platform, first)
        name = record.name or "" if record else ""
        username = record.username if record else None
        return Person(platform, first, name=name, username=username), args[1:], None
    return None, args, None


def _protected(command: Command, target: Person) -> str | None:
    """Why the sender may not act on `target` here, as a catalogue key (None: they may)."""
    if command.sender is not None and target.key == command.sender.key:
        return "moderation.not_yourself"
    if command.target_outranks_sender:
        return "moderation.target_outranks"
    if (
        command.target is not None
        and command.target_rights
        and Right.ADMIN in command.target_rights
    ):
        return "moderation.target_is_admin"
    return None


Body = Callable[[Command, Context, Person, tuple[str, ...], str], Awaitable[Outcome]]


def about_someone(usage_key: str, body: Body) -> Callable[[Command, Context], Awaitable[Outcome]]:
    """Wrap a body that needs a target: find it, refuse the protected, pass the rest on."""

    async def run(command: Command, ctx: Context) -> Outcome:
        lang = await _lang(command, ctx)
        target, rest, problem = await resolve_target(command, ctx)
        if problem is not None:
            return reply(
                command,
                ctx.t(problem, lang, name=command.args[0]),
                f"moderation:{command.name}_unknown",
            )
        if target is None:
            return reply(command, ctx.t(usage_key, lang), f"moderation:{command.name}_usage")
        protected = _protected(command, target)
        if protected is not None:
            return reply(
                command,
                ctx.t(protected, lang, user=target.mention),
                f"moderation:{command.name}_refused",
            )
        return await body(command, ctx, target, rest, lang)

    return run


def _split_duration(rest: tuple[str, ...]) -> tuple[timedelta | None, tuple[str, ...], str | None]:
    """A leading duration (`1h`, `2d`) and the rest; an error text for one that is not."""
    if not rest:
        return None, rest, None
    first = rest[0]
    if not first[:1].isdigit():
        return None, rest, None
    try:
        return parse_duration(first), rest[1:], None
    except DurationError as error:
        return None, rest, str(error)


# ---- sanctions ------------------------------------------------------------------------------


async def _announce(
    command: Command,
    ctx: Context,
    setup: ChatSetup,
    target: Person,
    sanction: Sanction,
    reason: str,
    lang: str,
) -> Outcome:
    """The reply in the chat, the member told privately when they cannot see it, the log post."""
    if sanction.case is None:
        return reply(command, "\n".join(sanction.notes), f"moderation:{sanction.kind}_not_done")
    case = sanction.case
    lines = [_done_line(ctx, lang, sanction, target, reason)]
    escalation = sanction.escalation
    if escalation is not None:
        lines.append(
            _done_line(
                ctx,
                lang,
                escalation,
                target,
                ctx.t("moderation.ladder_reason", lang, count=sanction.warnings),
            )
        )
    lines += sanction.notes + (escalation.notes if escalation else [])
    if sanction.kind in ("warn", "mute", "ban", "kick"):
        lines.append(ctx.t("moderation.explain_appeal", lang, case=case.number))
    lines += _dry_run_note(command, ctx, setup, lang)
    actions: list[Action] = [Send(address=command.address, text="\n".join(lines))]
    actions += sanction.all_actions
    if sanction.kind in ("ban", "kick") and await privately_reachable(ctx, target):
        member_lang = await member_language(ctx, target)
        text = explain(
            ctx,
            member_lang,
            sanction.kind,
            chat=command.chat_title or command.address.chat_id,
            reason=reason or "-",
            case=case,
            duration_text=duration_text(case),
        )
        actions.append(Send(address=Address(target.platform, target.user_id), text=text))
    cases = [case] + ([escalation.case] if escalation and escalation.case else [])
    actions += log_posts(ctx, setup, command.address, cases, [], command.chat_title)
    return Outcome.done(f"moderation:{sanction.kind}", *actions)


def _dry_run_note(command: Command, ctx: Context, setup: ChatSetup, lang: str) -> list[str]:
    """In dry-run mode, why this act happened anyway: dry run is for the automatic rules
    (as in Zeppelin and Rose); a moderator's explicit command always acts."""
    if not setup.policy.dry_run:
        return []
    return [ctx.t("moderation.dry_run_command_acted", lang, command=command.name)]


def _done_line(ctx: Context, lang: str, sanction: Sanction, target: Person, reason: str) -> str:
    assert sanction.case is not None
    params = {"user": target.mention, "case": sanction.case.number, "reason": reason or "-"}
    if sanction.kind == "warn":
        return ctx.t("moderation.done_warn", lang, count=sanction.warnings, **params)
    if sanction.kind in ("mute", "ban"):
        length = duration_text(sanction.case)
        if length:
            return ctx.t(f"moderation.done_{sanction.kind}", lang, duration=length, **params)
        return ctx.t(f"moderation.done_{sanction.kind}_forever", lang, **params)
    return ctx.t(f"moderation.done_{sanction.kind}", lang, **params)


def _sanction_command(
    kind: str, *, needs_duration: bool = False, takes_duration: bool = False
) -> Body:
    async def body(
        command: Command, ctx: Context, target: Person, rest: tuple[str, ...], lang: str
    ) -> Outcome:
        duration = None
        if needs_duration or takes_duration:
            duration, rest, problem = _split_duration(rest)
            if problem is not None or (needs_duration and duration is None):
                text = ctx.t(
                    "moderation.bad_duration",
                    lang,
                    got=rest[0] if rest else "-",
                    examples=DURATION_EXAMPLES,
                )
                return reply(command, text, f"moderation:{kind}_duration")
        assert command.sender is not None
        setup = await _setup(command, ctx)
        reason = " ".join(rest)
        sanction = await punish(
            ctx,
            setup,
            command.address,
            target,
            kind,
            duration=duration,
            reason=reason,
            by=command.sender.key,
            bot_rights=command.bot_rights,
            lang=lang,
        )
        return await _announce(command, ctx, setup, target, sanction, reason, lang)

    return body


def _lift_command(kind: str) -> Body:
    async def body(
        command: Command, ctx: Context, target: Person, rest: tuple[str, ...], lang: str
    ) -> Outcome:
        assert command.sender is not None
        setup = await _setup(command, ctx)
        sanction = await lift(
            ctx,
            command.address,
            target,
            kind,
            by=command.sender.key,
            reason=" ".join(rest),
            bot_rights=command.bot_rights,
            lang=lang,
        )
        if sanction.case is None:
            return reply(command, "\n".join(sanction.notes), f"moderation:{kind}_not_done")
        text = ctx.t(
            f"moderation.done_{kind}", lang, user=target.mention, case=sanction.case.number
        )
        text = "\n".join([text, *_dry_run_note(command, ctx, setup, lang)])
        posts = log_posts(ctx, setup, command.address, [sanction.case], [], command.chat_title)
        return reply(command, text, f"moderation:{kind}", *sanction.actions, *posts)

    return body


async def _unwarn(
    command: Command, ctx: Context, target: Person, rest: tuple[str, ...], lang: str
) -> Outcome:
    assert command.sender is not None
    chat = _chat(command.address)
    warned_in = await ctx.tx.moderation.revoke_latest_warning(chat, target.key, ctx.now)
    if warned_in is None:
        return reply(
            command,
            ctx.t("moderation.unwarn_none", lang, user=target.mention),
            "moderation:unwarn_none",
        )
    left = await ctx.tx.moderation.active_warnings(chat, target.key, ctx.now)
    case = await ctx.tx.moderation.add_case(
        chat,
        ctx.now,
        thread_id=command.address.thread_id,
        user_key=target.key,
        user_name=target.mention,
        moderator_key=command.sender.key,
        reason=ctx.mask(" ".join(rest)),
        action="unwarn",
    )
    setup = await _setup(command, ctx)
    posts = log_posts(ctx, setup, command.address, [case], [], command.chat_title)
    text = ctx.t("moderation.done_unwarn", lang, user=target.mention, count=left, case=case.number)
    return reply(command, text, "moderation:unwarn", *posts)


async def warns(command: Command, ctx: Context) -> Outcome:
    lang = await _lang(command, ctx)
    target, _, problem = await resolve_target(command, ctx)
    if problem is not None:
        return reply(
            command, ctx.t(problem, lang, name=command.args[0]), "moderation:warns_unknown"
        )
    target = target or command.sender
    assert target is not None
    setup = await _setup(command, ctx)
    count = await ctx.tx.moderation.active_warnings(_chat(command.address), target.key, ctx.now)
    policy = setup.policy
    steps = ", ".join(str(step) for step in policy.warn_ladder) or "-"
    text = ctx.t("moderation.warns", lang, user=target.mention, count=count, ladder=steps)
    return reply(command, text, "moderation:warns")


# ---- messages -------------------------------------------------------------------------------


async def purge(command: Command, ctx: Context) -> Outcome:
    """Delete the last N messages, where the platform numbers messages in order (Telegram)."""
    lang = await _lang(command, ctx)
    missing = lacks(command.bot_rights, "purge")
    if missing is not None:
        return reply(
            command, missing_right_text(ctx, missing, "purge", lang), "moderation:purge_no_right"
        )
    newest = command.message_id
    sequential = limits_for(command.address.platform).sequential_message_ids
    if not sequential or newest is None or not newest.isdigit():
        return reply(
            command, ctx.t("moderation.purge_unsupported", lang), "moderation:purge_unsupported"
        )
    top = int(newest)
    if command.reply_to is not None and command.reply_to.message_id.isdigit():
        bottom = int(command.reply_to.message_id)
    elif command.args and command.args[0].isdigit() and 1 <= int(command.args[0]) <= MAX_PURGE:
        bottom = top - int(command.args[0])
    else:
        return reply(
            command, ctx.t("moderation.purge_usage", lang, most=MAX_PURGE), "moderation:purge_usage"
        )
    bottom = max(bottom, top - MAX_PURGE, 1)
    chat = command.address
    deletes = [
        Delete(address=chat, message_id=str(number)) for number in range(top, bottom - 1, -1)
    ]
    setup = await _setup(command, ctx)
    text = "\n".join(
        [ctx.t("moderation.purged", lang, count=len(deletes) - 1),
         *_dry_run_note(command, ctx, setup, lang)]
    )  # fmt: skip
    note = Send(address=chat, text=text, delete_after=10)
    return Outcome.done("moderation:purge", *deletes, note)


async def report(command: Command, ctx: Context) -> Outcome:
    lang = await _lang(command, ctx)
    if command.reply_to is None:
        return reply(command, ctx.t("moderation.report_usage", lang), "moderation:report_usage")
    assert command.sender is not None
    setup = await _setup(command, ctx)
    target = log_address(setup, command.address.platform)
    if target is None:
        return reply(command, ctx.t("moderation.report_no_log", lang), "moderation:report_no_log")
    staff = staff_language(ctx)
    reported = command.reply_to.sender
    text = ctx.t(
        "moderation.report_post",
        staff,
        reporter=command.sender.mention,
        user=reported.mention if reported else "?",
        chat=command.chat_title or command.address.chat_id,
        message=command.reply_to.message_id,
        text=ctx.mask(command.reply_to.text)[:500] or "-",
        note=ctx.mask(command.arg_text)[:300] or "-",
    )
    return reply(
        command,
        ctx.t("moderation.report_sent", lang),
        "moderation:report",
        Send(address=target, text=text),
    )


# ---- rules, filters, settings, log channel --------------------------------------------------


async def rules(command: Command, ctx: Context) -> Outcome:
    lang = await _lang(command, ctx)
    setup = await _setup(command, ctx)
    if not setup.rules_text:
        return reply(command, ctx.t("moderation.rules_none", lang), "moderation:rules")
    return reply(
        command, ctx.t("moderation.rules_title", lang) + "\n" + setup.rules_text, "moderation:rules"
    )


async def setrules(command: Command, ctx: Context) -> Outcome:
    lang = await _lang(command, ctx)
    text = command.arg_text.strip() or (command.reply_to.text.strip() if command.reply_to else "")
    if not text:
        return reply(command, ctx.t("moderation.setrules_usage", lang), "moderation:setrules_usage")
    if len(text) > MAX_RULES:
        return reply(
            command,
            ctx.t("moderation.setrules_too_long", lang, most=MAX_RULES),
            "moderation:setrules_long",
        )
    assert command.sender is not None
    chat = _chat(command.address)
    if text.lower() in ("off", "clear", "hapus", "-"):
        await ctx.tx.moderation.save_settings(chat, ctx.now, command.sender.key, clear_rules=True)
        service_of(ctx).forget(chat)
        return reply(command, ctx.t("moderation.rules_cleared", lang), "moderation:setrules")
    await ctx.tx.moderation.save_settings(chat, ctx.now, command.sender.key, rules_text=text)
    service_of(ctx).forget(chat)
    return reply(command, ctx.t("moderation.rules_saved", lang), "moderation:setrules")


async def settings(command: Command, ctx: Context) -> Outcome:
    lang = await _lang(command, ctx)
    setup = await _setup(command, ctx)
    if not command.args:
        return reply(command, _overview(ctx, setup.policy, lang), "moderation:settings")
    try:
        policy = apply_setting_text(setup.policy, command.arg_text)
    except SettingError as error:
        return reply(command, error.text(lang), "moderation:settings_error")
    await _save(command, ctx, policy)
    return reply(
        command,
        ctx.t("moderation.settings_saved", lang) + "\n\n" + _overview(ctx, policy, lang),
        "moderation:settings_changed",
    )


def _overview(ctx: Context, policy: ModerationPolicy, lang: str) -> str:
    """Every setting, and, in dry-run mode, what dry run does and does not cover."""
    text = describe(policy, lang)
    if policy.dry_run:
        text += "\n\n" + ctx.t("moderation.dry_run_scope", lang)
    return text


async def logchat(command: Command, ctx: Context) -> Outcome:
    lang = await _lang(command, ctx)
    if not command.args:
        return await _show_log_chat(command, ctx, lang, "moderation.logchat_show")
    return await _set_log_chat(command, ctx, lang, command.args[0])


async def setlog(command: Command, ctx: Context) -> Outcome:
    """Rose's /setlog. Rose links a channel by a /setlog forwarded from it; our platforms give
    a forwarded message's origin to no bot alike, so the log chat is named: its id, or on
    Discord a channel mention (`/setlog #mod-log`)."""
    lang = await _lang(command, ctx)
    if not command.args:
        return await _show_log_chat(command, ctx, lang, "moderation.setlog_usage")
    return await _set_log_chat(command, ctx, lang, _channel_mention_to_id(command.args[0]))


async def unsetlog(command: Command, ctx: Context) -> Outcome:
    return await _set_log_chat(command, ctx, await _lang(command, ctx), "off")


def _channel_mention_to_id(text: str) -> str:
    """`<#880001>` (a Discord channel mention) → `880001`; anything else unchanged."""
    if text.startswith("<#") and text.endswith(">") and text[2:-1].isdigit():
        return text[2:-1]
    return text


async def _show_log_chat(command: Command, ctx: Context, lang: str, key: str) -> Outcome:
    setup = await _setup(command, ctx)
    current = setup.policy.log_chat or ctx.t("moderation.none", lang)
    return reply(command, ctx.t(key, lang, chat=current), "moderation:logchat")


async def _set_log_chat(command: Command, ctx: Context, lang: str, value: str) -> Outcome:
    setup = await _setup(command, ctx)
    try:
        policy = apply_setting(setup.policy, "log", value)
    except SettingError as error:
        return reply(command, error.text(lang), "moderation:logchat_error")
    await _save(command, ctx, policy)
    if policy.log_chat is None:
        return reply(command, ctx.t("moderation.logchat_cleared", lang), "moderation:logchat")
    new_setup = dataclasses.replace(
        setup, compiled=dataclasses.replace(setup.compiled, policy=policy)
    )
    target = log_address(new_setup, command.address.platform)
    assert target is not None
    hello = Send(
        address=target,
        text=ctx.t(
            "moderation.logchat_hello",
            staff_language(ctx),
            chat=command.chat_title or command.address.chat_id,
        ),
    )
    return reply(
        command,
        ctx.t("moderation.logchat_set", lang, chat=policy.log_chat),
        "moderation:logchat",
        hello,
    )


# ---- cases ----------------------------------------------------------------------------------


async def case(command: Command, ctx: Context) -> Outcome:
    lang = await _lang(command, ctx)
    number = appeals.parse_number(command.args[0]) if command.args else None
    if number is None:
        return reply(command, ctx.t("moderation.case_usage", lang), "moderation:case_usage")
    found = await ctx.tx.moderation.case(_chat(command.address), number)
    if found is None:
        return reply(
            command, ctx.t("moderation.case_unknown", lang, case=number), "moderation:case_unknown"
        )
    return reply(command, case_text(ctx, found, lang), "moderation:case")


async def _modlog(
    command: Command, ctx: Context, target: Person, rest: tuple[str, ...], lang: str
) -> Outcome:
    cases = await ctx.tx.moderation.cases_of(_chat(command.address), target.key)
    if not cases:
        return reply(
            command, ctx.t("moderation.modlog_none", lang, user=target.mention), "moderation:modlog"
        )
    lines = [ctx.t("moderation.modlog_title", lang, user=target.mention, count=len(cases))]
    for found in cases:
        state = " ✗" if found.revoked_at else ""
        lines.append(
            f"#{found.number} {found.created_at:%Y-%m-%d} {found.action}{state}"
            f" — {found.reason or '-'}"
        )
    return reply(command, "\n".join(lines), "moderation:modlog")


def _history_run() -> Callable[[Command, Context], Awaitable[Outcome]]:
    """`/modlog` may look at an admin's history too, so no protection check here."""

    async def run(command: Command, ctx: Context) -> Outcome:
        lang = await _lang(command, ctx)
        target, rest, problem = await resolve_target(command, ctx)
        if problem is not None:
            return reply(
                command, ctx.t(problem, lang, name=command.args[0]), "moderation:modlog_unknown"
            )
        if target is None:
            return reply(command, ctx.t("moderation.modlog_usage", lang), "moderation:modlog_usage")
        return await _modlog(command, ctx, target, rest, lang)

    return run


# ---- appeals --------------------------------------------------------------------------------


async def appeal(command: Command, ctx: Context) -> Outcome:
    return await appeals.appeal(command, ctx, service_of(ctx))


MOD = Role.MODERATOR
RESTRICT = frozenset({Right.RESTRICT_MEMBERS})
BAN = frozenset({Right.BAN_MEMBERS})
DELETE = frozenset({Right.DELETE_MESSAGES})
MANAGE = frozenset({Right.MANAGE_CHAT})

def _moderators(
    name: str,
    run: CommandBody,
    rights: frozenset[Right],
    usage: str = "",
    *,
    scope: Scope = Scope.GROUP,
    aliases: tuple[str, ...] = (),
) -> CommandSpec:
    """A command for moderators (or chat admins holding `rights`), help text `moderation.help_<name>`."""
    return CommandSpec(
        name, run, f"moderation.help_{name}", role=MOD, rights=rights, scope=scope, usage=usage, aliases=aliases
    )


def _about_someone(
    name: str, body: Body, rights: frozenset[Right], usage: str, aliases: tuple[str, ...] = ()
) -> CommandSpec:
    """A moderator command aimed at one member, who is found first (`moderation.usage_<name>` if not)."""
    return _moderators(
        name, about_someone(f"moderation.usage_{name}", body), rights, usage, aliases=aliases
    )


COMMANDS: tuple[CommandSpec, ...] = (
    _about_someone("warn", _sanction_command("warn"), RESTRICT, "@user [reason]"),
    _about_someone("unwarn", _unwarn, RESTRICT, "@user", aliases=("rmwarn",)),
    CommandSpec("warns", warns, "moderation.help_warns", scope=Scope.GROUP, usage="[@user]"),
    _about_someone("mute", _sanction_command("mute", needs_duration=True), RESTRICT, "@user DURATION [reason]"),
    _about_someone("tmute", _sanction_command("mute", needs_duration=True), RESTRICT, "@user DURATION [reason]"),
    _about_someone("unmute", _lift_command("unmute"), RESTRICT, "@user"),
    _about_someone("kick", _sanction_command("kick"), BAN, "@user [reason]"),
    _about_someone("ban", _sanction_command("ban", takes_duration=True), BAN, "@user [DURATION] [reason]"),
    _about_someone("tban", _sanction_command("ban", needs_duration=True), BAN, "@user DURATION [reason]"),
    _about_someone("unban", _lift_command("unban"), BAN, "@user|ID"),
    _moderators("purge", purge, DELETE, "N"),
    CommandSpec("rules", rules, "moderation.help_rules", scope=Scope.GROUP),
    _moderators("setrules", setrules, MANAGE, "TEXT|off"),
    _moderators("blocklist", blocklist.blocklist, MANAGE, "[add|remove|allow|unallow WORDS]"),
    _moderators("addblocklist", blocklist.add_blocklist, MANAGE, 'WORD|"PHRASE"|(W1, W2) [reason]'),
    _moderators("rmblocklist", blocklist.remove_blocklist, MANAGE, "WORD|(W1, W2)"),
    _moderators("unblocklistall", blocklist.clear_blocklist, MANAGE),
    _moderators("blocklistmode", blocklist.blocklist_mode, MANAGE, "[nothing|warn|mute|tmute 3h|kick|ban|tban 7d]"),
    _moderators("filter", blocklist.filter_words, MANAGE, "add|remove|allow|unallow|list WORDS"),
    _moderators("settings", settings, MANAGE, "[NAME VALUE]", aliases=("modsettings",)),
    _moderators("logchat", logchat, MANAGE, "CHAT_ID|off", aliases=("logchannel",)),
    _moderators("setlog", setlog, MANAGE, "CHAT_ID|#channel"),
    _moderators("unsetlog", unsetlog, MANAGE),
    _moderators("case", case, RESTRICT, "N"),
    _moderators("modlog", _history_run(), RESTRICT, "@user", aliases=("cases",)),
    CommandSpec("report", report, "moderation.help_report", scope=Scope.GROUP),
    CommandSpec("appeal", appeal, "moderation.help_appeal", scope=Scope.PRIVATE, usage="CASE [why]"),
    _moderators("appeals", appeals.list_open, RESTRICT),
    _moderators("appealok", appeals.accept, RESTRICT, "APPEAL [note]", scope=Scope.ANYWHERE),
    _moderators("appealno", appeals.reject, RESTRICT, "APPEAL reason", scope=Scope.ANYWHERE),
)
