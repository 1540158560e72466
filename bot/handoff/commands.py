"""Commands of the handoff: the customer's `/human` and `/forgetme`, and the agents' toolkit.

Agent commands find their ticket from where they are typed (the ticket's topic, a
reply to one of the bot's posts about it) or from a number (`/take 12`, `/take #12`),
so they work from the staff chat and from an agent's private chat alike. Who may run
what is declared in `COMMANDS`; the registry refuses everyone else before a body runs.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta

from bot.actions import Action, Send
from bot.events import ButtonPressed, ChatKind, Command, Person, Platform
from bot.handlers.context import Context, Outcome
from bot.handlers.conversation import record_incoming
from bot.handlers.registry import CommandBody, CommandSpec, Scope
from bot.handoff import kpis, privacy, report, shield
from bot.handoff.card import platform_name, reason_text
from bot.handoff.lifecycle import Move, Refused
from bot.handoff.relay import add_note, send_as_agent
from bot.handoff.tickets import announce, apply_move, close, is_open, request_human, staff_notice
from bot.handoff.workspace import (
    HIDDEN,
    TAKE_PREFIX,
    VIEW,
    customer_label,
    display_name,
    first_name,
    hidden_label,
    is_staff_chat,
    name_staff,
    place,
    post,
    ref,
    shown_texts,
    staff_language,
    ticket_for,
)
from bot.moderation.durations import DurationError, parse_duration
from bot.roles import Role, has_role
from bot.storage.models import Ticket

_TICKET_ARG = re.compile(r"^#?(\d{1,12})$")
_PERSON_KEY = re.compile(r"^[a-z]+:[^:\s]+$")
_MAX_POST = 3500
AVAILABILITY = ("online", "away", "offline")


# ---- helpers -------------------------------------------------------------------------------


def _split_ticket(args: tuple[str, ...]) -> tuple[int | None, tuple[str, ...]]:
    if args and (match := _TICKET_ARG.match(args[0])):
        return int(match.group(1)), args[1:]
    return None, args


async def _ticket_of(command: Command, ctx: Context) -> tuple[Ticket | None, tuple[str, ...]]:
    ticket_id, rest = _split_ticket(command.args)
    if ticket_id is not None:
        return await ctx.tx.tickets.get(ticket_id), rest
    if is_staff_chat(command.address, ctx.settings):
        return await ticket_for(command, ctx), rest
    return None, rest


def _say(event: Command | ButtonPressed, ctx: Context, key: str, /, **params: object) -> Send:
    """An answer to the staff member where they typed, in the staff language."""
    text = ctx.t(f"handoff.{key}", staff_language(ctx.settings), **params)
    reply_to = event.message_id if isinstance(event, Command) else None
    return Send(address=event.address, text=text, reply_to=reply_to)


def _which_ticket(command: Command, ctx: Context) -> Outcome:
    return Outcome.done("which_ticket", _say(command, ctx, "which_ticket", command=command.name))


async def _refused(
    command: Command | ButtonPressed, ticket: Ticket, refusal: Refused, ctx: Context
) -> Outcome:
    owner = await display_name(ctx, ticket.assignee_key) if ticket.assignee_key else ""
    return Outcome.done(
        f"refused_{refusal.reason}",
        _say(command, ctx, f"refused_{refusal.reason}", id=ticket.id, agent=owner),
    )


def _acknowledged(
    command: Command | ButtonPressed,
    ticket: Ticket,
    actions: list[Action],
    ctx: Context,
    label: str,
    did: str,
    **params: object,
) -> Outcome:
    """The workspace post is enough when typed in the ticket's place; elsewhere say it was done
    (`handoff.<did>` in the staff language, with `params`)."""
    if place(ticket) != command.address:
        ack = ctx.t(f"handoff.{did}", staff_language(ctx.settings), **params)
        actions = [*actions, _say(command, ctx, "done", id=ticket.id, what=ack)]
    return Outcome.done(label, *actions)


async def _is_supervisor(person: Person | None, ctx: Context) -> bool:
    return has_role(await ctx.roles_of(person), Role.SUPERVISOR)


def _chunks(lines: list[str]) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > _MAX_POST:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:_MAX_POST]
    if current:
        chunks.append(current)
    return chunks


def _posts(command: Command, lines: list[str], view: str | None = None) -> list[Send]:
    """A long answer in as many posts as it takes, each under the platforms' length limit."""
    return [Send(address=command.address, text=chunk, ref=view) for chunk in _chunks(lines)]


def _where_no_customer_reads(command: Command, ctx: Context) -> bool:
    """A private chat with the bot or the staff chat: where a ticket's words may be shown."""
    return command.chat_kind is ChatKind.PRIVATE or is_staff_chat(command.address, ctx.settings)


# ---- the customer's commands -------------------------------------------------------------------


async def human(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    conversation = await ctx.tx.conversations.get(command.address.chat_key)
    language = (conversation.language if conversation else None) or await ctx.language_of(
        command.sender
    )
    await record_incoming(command, ctx, f"/{command.name}")
    return Outcome.done(
        "handoff_requested", *await request_human(command, ctx, reason="command", language=language)
    )


# ---- taking, releasing, transferring, closing -------------------------------------------------


async def take_ticket(event: Command | ButtonPressed, ticket: Ticket, ctx: Context) -> Outcome:
    agent = event.sender
    assert agent is not None
    result = await apply_move(
        ticket, ctx, Move.TAKE, actor=agent.key, override=await _is_supervisor(agent, ctx)
    )
    if isinstance(result, Refused):
        return await _refused(event, ticket, result, ctx)
    name = await display_name(ctx, agent.key)
    customer_text = ctx.t("handoff.agent_joined", ticket.language, agent=first_name(name))
    actions = await announce(
        ticket, ctx, staff_notice(ticket, ctx, "staff_taken", agent=name), customer_text
    )
    return _acknowledged(event, ticket, actions, ctx, "ticket_taken", "did_take")


async def take(command: Command, ctx: Context) -> Outcome:
    ticket, _ = await _ticket_of(command, ctx)
    if ticket is None:
        return _which_ticket(command, ctx)
    return await take_ticket(command, ticket, ctx)


async def take_button(event: ButtonPressed, ctx: Context) -> Outcome:
    """The "Take" button under a ticket card; only agents may press it."""
    from bot.handoff.relay import is_agent

    if not await is_agent(event.sender, ctx):
        return Outcome.done("refused_not_agent", _say(event, ctx, "refused_not_agent"))
    ticket_id = event.data.removeprefix(TAKE_PREFIX)
    ticket = await ctx.tx.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None
    if ticket is None:
        return Outcome.done("take_unknown_ticket")
    return await take_ticket(event, ticket, ctx)


async def release(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    ticket, _ = await _ticket_of(command, ctx)
    if ticket is None:
        return _which_ticket(command, ctx)
    result = await apply_move(
        ticket,
        ctx,
        Move.RELEASE,
        actor=command.sender.key,
        override=await _is_supervisor(command.sender, ctx),
    )
    if isinstance(result, Refused):
        return await _refused(command, ticket, result, ctx)
    name = await display_name(ctx, command.sender.key)
    actions = await announce(
        ticket, ctx, staff_notice(ticket, ctx, "staff_released", agent=name), None
    )
    return _acknowledged(command, ticket, actions, ctx, "ticket_released", "did_release")


async def _resolve_person(command: Command, text: str, ctx: Context) -> str | None:
    if command.target is not None:
        return command.target.key
    if _PERSON_KEY.match(text):
        return text
    if text.startswith("@"):
        platforms = [command.address.platform] + [
            p.value for p in Platform if p.value != command.address.platform
        ]
        for platform in platforms:
            record = await ctx.tx.people.find_by_username(platform, text)
            if record is not None:
                return f"{record.platform}:{record.user_id}"
    return None


async def transfer(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    ticket, rest = await _ticket_of(command, ctx)
    if ticket is None:
        return _which_ticket(command, ctx)
    wanted = rest[0] if rest else ""
    teams = ctx.settings.handoff.teams
    actor = command.sender.key
    actor_name = await display_name(ctx, actor)
    if wanted in teams:
        result = await apply_move(
            ticket, ctx, Move.TRANSFER_TO_TEAM, actor=actor, target=wanted, detail=wanted
        )
        if isinstance(result, Refused):
            return await _refused(command, ticket, result, ctx)
        named = await name_staff(
            ctx, teams[wanted], platform=ticket.staff_platform, role="agent"
        )
        staff_text = staff_notice(
            ticket, ctx, "staff_transferred_team", agent=actor_name, team=wanted, mentions=named.text
        )
        customer_text = ctx.t("handoff.transferred_team_customer", ticket.language, team=wanted)
        actions = await announce(ticket, ctx, staff_text, customer_text, named=named)
        return _acknowledged(
            command, ticket, actions, ctx, "ticket_transferred_team", "did_transfer", target=wanted
        )
    target = await _resolve_person(command, wanted, ctx) if wanted or command.target else None
    if target is None:
        choices = ", ".join(sorted(teams)) or "–"
        return Outcome.done("transfer_usage", _say(command, ctx, "transfer_usage", teams=choices))
    platform, _, user_id = target.partition(":")
    if not has_role(await ctx.roles_of(Person(platform, user_id)), Role.AGENT):
        return Outcome.done(
            "transfer_not_agent", _say(command, ctx, "transfer_not_agent", target=target)
        )
    result = await apply_move(
        ticket, ctx, Move.TRANSFER_TO_AGENT, actor=actor, target=target, detail=target
    )
    if isinstance(result, Refused):
        return await _refused(command, ticket, result, ctx)
    target_name = await display_name(ctx, target)
    named = await name_staff(ctx, [target], platform=ticket.staff_platform, role="agent")
    staff_text = staff_notice(
        ticket, ctx, "staff_transferred", agent=actor_name, target=named.text or target_name
    )
    customer_text = ctx.t(
        "handoff.transferred_customer", ticket.language, agent=first_name(target_name)
    )
    actions = await announce(ticket, ctx, staff_text, customer_text, named=named)
    return _acknowledged(
        command, ticket, actions, ctx, "ticket_transferred", "did_transfer", target=target_name
    )


async def close_command(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    ticket, rest = await _ticket_of(command, ctx)
    if ticket is None:
        return _which_ticket(command, ctx)
    reason = " ".join(rest).strip()
    if not reason:
        return Outcome.done("close_usage", _say(command, ctx, "close_usage"))
    result = await close(ticket, ctx, actor=command.sender.key, reason=reason)
    if isinstance(result, Refused):
        return await _refused(command, ticket, result, ctx)
    return _acknowledged(command, ticket, result, ctx, "ticket_closed", "did_close")


async def note(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    ticket, rest = await _ticket_of(command, ctx)
    if ticket is None:
        return _which_ticket(command, ctx)
    text = " ".join(rest).strip()
    if not text:
        return Outcome.done(
            "note_usage", _say(command, ctx, "note_usage", prefix=ctx.settings.handoff.note_prefix)
        )
    await add_note(ticket, ctx, command.sender.key, text)
    if place(ticket) == command.address:
        return Outcome.done("note")  # the note is already there for the team to see
    author = await display_name(ctx, command.sender.key)
    shown = staff_notice(ticket, ctx, "staff_note", agent=author, text=ctx.mask(text))
    return _acknowledged(command, ticket, post(ticket, shown), ctx, "note", "did_note")


# ---- canned responses ---------------------------------------------------------------------------


def _canned_text(name: str, language: str, ctx: Context) -> str | None:
    texts = ctx.settings.handoff.canned.get(name)
    if not texts:
        return None
    return (
        texts.get(language)
        or texts.get(ctx.settings.default_language)
        or next(iter(texts.values()))
    )


async def canned(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    ticket, rest = await _ticket_of(command, ctx)
    responses = ctx.settings.handoff.canned
    name = rest[0].lower() if rest else ""
    if not name or name not in responses:
        if not responses:
            return Outcome.done("canned_none", _say(command, ctx, "canned_none"))
        language = staff_language(ctx.settings)
        lines = [ctx.t("handoff.canned_list", language)]
        for key in sorted(responses):
            preview = " ".join((_canned_text(key, language, ctx) or "").split())
            lines.append(f"• {key}: {preview[:80]}{'…' if len(preview) > 80 else ''}")
        if name:
            lines.insert(0, ctx.t("handoff.canned_unknown", language, name=name))
        return Outcome.done("canned_list", Send(address=command.address, text="\n".join(lines)))
    if ticket is None:
        return _which_ticket(command, ctx)
    if not is_open(ticket):
        return Outcome.done(
            "ticket_closed", _say(command, ctx, "refused_closed_not_sent", id=ticket.id)
        )
    template = _canned_text(name, ticket.language, ctx) or ""
    customer = first_name(ticket.customer_name or "")
    text = template.replace("{customer}", customer).replace("{name}", customer)
    agent = Person(
        command.sender.platform,
        command.sender.user_id,
        name=command.sender.name,
        username=command.sender.username,
    )
    actions = await send_as_agent(ticket, ctx, agent, text)
    if place(ticket) == command.address:
        actions += post(
            ticket, staff_notice(ticket, ctx, "staff_canned_sent", name=name, text=text)
        )
    return _acknowledged(command, ticket, actions, ctx, "canned_sent", "did_canned", name=name)


# ---- availability, queue, history, transcript ---------------------------------------------------


async def availability(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    language = staff_language(ctx.settings)
    wanted = (
        command.name
        if command.name in AVAILABILITY
        else (command.args[0].lower() if command.args else "")
    )
    if wanted not in AVAILABILITY:
        statuses = await ctx.tx.agents.statuses()
        lines = [ctx.t("handoff.availability_header", language)]
        for status in AVAILABILITY:
            people = [
                await display_name(ctx, key)
                for key, value in sorted(statuses.items())
                if value == status
            ]
            lines.append(
                f"{ctx.t(f'handoff.availability_{status}', language)}: {', '.join(people) or '–'}"
            )
        lines.append(ctx.t("handoff.availability_usage", language))
        return Outcome.done(
            "availability_list", Send(address=command.address, text="\n".join(lines))
        )
    await ctx.tx.agents.set_status(command.sender.key, wanted, ctx.now)
    text = ctx.t(f"handoff.availability_set_{wanted}", language)
    if wanted == "online":
        waiting = [t for t in await ctx.tx.tickets.open_tickets() if t.status == "queued"]
        if waiting:
            text += "\n" + ctx.t("handoff.availability_waiting", language, count=len(waiting))
    return Outcome.done(
        f"availability_{wanted}",
        Send(address=command.address, text=text, reply_to=command.message_id),
    )


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


async def queue(command: Command, ctx: Context) -> Outcome:
    language = staff_language(ctx.settings)
    open_tickets = await ctx.tx.tickets.open_tickets()
    if not open_tickets:
        return Outcome.done(
            "queue_empty",
            Send(address=command.address, text=ctx.t("handoff.queue_empty", language)),
        )
    lines = [ctx.t("handoff.queue_header", language, count=len(open_tickets))]
    for ticket in open_tickets:
        owner = await display_name(ctx, ticket.assignee_key) if ticket.assignee_key else "–"
        team = (
            f" · {ctx.t('handoff.queue_team', language, team=ticket.team)}" if ticket.team else ""
        )
        breached = " ⚠️" if ticket.sla_breached_at else ""
        breached += " ⛔" if shield.is_blocked(ticket, ctx.now) else ""
        lines.append(
            f"#{ticket.id} · {customer_label(ticket)} ({platform_name(ticket.customer_platform)}) · "
            f"{ctx.t(f'handoff.status_{ticket.status}', language)} · "
            f"{ctx.t('handoff.queue_waiting', language, time=_minutes(ctx.now - ticket.opened_at))} · "
            f"{owner}{team}{breached}"
        )
    return Outcome.done("queue", *_posts(command, lines))


async def _customer_of(
    command: Command, rest: tuple[str, ...], ticket: Ticket | None, ctx: Context
) -> str | None:
    if rest:
        return await _resolve_person(command, rest[0], ctx)
    if command.target is not None:
        return command.target.key
    return ticket.customer_key if ticket is not None else None


async def _shown_name(ctx: Context, person_key: str) -> str:
    """A person's name as staff see it in the workspace: masked like the card (a WhatsApp key is a phone)."""
    name = await display_name(ctx, person_key)
    return ctx.mask.person_key(person_key) if name == person_key else ctx.mask(name)


def _when(moment: datetime, ctx: Context) -> str:
    return moment.astimezone(ctx.settings.zone).strftime("%Y-%m-%d %H:%M")


async def history(command: Command, ctx: Context) -> Outcome:
    ticket, rest = await _ticket_of(command, ctx)
    language = staff_language(ctx.settings)
    customer = await _customer_of(command, rest, ticket, ctx)
    if customer is None:
        return Outcome.done("history_usage", _say(command, ctx, "history_usage"))
    past = await ctx.tx.tickets.for_customer(customer, limit=10)
    name = await _shown_name(ctx, customer)
    lines = [ctx.t("handoff.history_header", language, customer=name, key=ctx.mask.person_key(customer))]
    if not past:
        lines.append(ctx.t("handoff.history_none", language))
    for item in past:
        outcome = item.close_reason or ctx.t(f"handoff.status_{item.status}", language)
        score = f" · CSAT {item.csat_score}" if item.csat_score else ""
        lines.append(
            f"#{item.id} · {_when(item.opened_at, ctx)} · "
            f"{reason_text(item.reason, ctx.t, language)} · {outcome}{score}"
        )
    chat_key = f"{past[0].customer_platform}:{past[0].customer_chat_id}" if past else customer
    recent = await ctx.tx.transcripts.recent(chat_key, limit=8)
    shown = shown_texts([line for line in recent if line.ticket_id is None], ctx)
    if recent:
        lines.append("")
        lines.append(ctx.t("handoff.card_last_messages", language))
        for line in recent:
            who = (
                ctx.t(f"handoff.author_{line.author}", language)
                if line.author in ("customer", "bot", "agent")
                else line.author
            )
            text = (
                hidden_label(None, None, ctx) if line.outcome == HIDDEN else line.text
            )
            lines.append(f"[{_when(line.at, ctx)}] {who}: {shown.get(line.id, text)}")
    view = ref(past[0].id, VIEW) if past else None
    return Outcome.done("history", *_posts(command, lines, view))


async def transcript(command: Command, ctx: Context) -> Outcome:
    """The whole ticket, both sides and the team's notes: only where no customer can read it."""
    if not _where_no_customer_reads(command, ctx):
        return Outcome.done("transcript_refused", _say(command, ctx, "transcript_where"))
    ticket, _ = await _ticket_of(command, ctx)
    if ticket is None:
        return _which_ticket(command, ctx)
    language = staff_language(ctx.settings)
    entries: list[tuple[datetime, int, str]] = []
    lines_of_ticket = await ctx.tx.tickets.transcript(ticket.id)
    shown = shown_texts(lines_of_ticket, ctx)
    for line in lines_of_ticket:
        who = (
            ctx.t(f"handoff.author_{line.author}", language)
            if line.author in ("customer", "bot", "agent")
            else line.author
        )
        if line.author == "agent" and line.author_key:
            who = await display_name(ctx, line.author_key)
        entries.append((line.at, 0, f"[{_when(line.at, ctx)}] {who}: {shown[line.id] or '–'}"))
    for event in await ctx.tx.tickets.events(ticket.id):
        actor = await _shown_name(ctx, event.actor_key) if event.actor_key else "bot"
        if event.action == "note":
            entries.append(
                (event.at, 1, f"[{_when(event.at, ctx)}] 📝 {actor}: {event.detail or '–'}")
            )
        else:
            detail = f" ({event.detail})" if event.detail else ""
            entries.append(
                (event.at, 1, f"[{_when(event.at, ctx)}] · {event.action} — {actor}{detail}")
            )
    entries.sort(key=lambda item: (item[0], item[1]))
    lines = [
        ctx.t("handoff.transcript_header", language, id=ticket.id, customer=customer_label(ticket))
    ]
    lines += [text for _, _, text in entries]
    view = ref(ticket.id, VIEW)
    return Outcome.done("transcript", *_posts(command, lines, view))


# ---- shielding agents: hidden insults, pausing a customer ---------------------------------------


async def reveal(command: Command, ctx: Context) -> Outcome:
    """`/reveal [#ticket] [n]`: the n-th hidden message of the ticket (the latest without n)."""
    if not _where_no_customer_reads(command, ctx):
        return Outcome.done("reveal_refused", _say(command, ctx, "transcript_where"))
    ticket_args = tuple(arg for arg in command.args if arg.startswith("#"))
    numbers = [int(arg) for arg in command.args if arg.isdigit()]
    ticket, _ = await _ticket_of(replace(command, args=ticket_args), ctx)
    if ticket is None:
        return _which_ticket(command, ctx)
    return await shield.reveal(command, ticket, numbers[0] if numbers else None, ctx)


async def reveal_button(event: ButtonPressed, ctx: Context) -> Outcome:
    """The 👁 button under a hidden message; only agents (and roles above) may press it."""
    from bot.handoff.relay import is_agent

    if not await is_agent(event.sender, ctx):
        return Outcome.done("refused_not_agent", _say(event, ctx, "refused_not_agent"))
    ticket_id, _, number = event.data.removeprefix(shield.REVEAL_PREFIX).partition(":")
    ticket = await ctx.tx.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None
    if ticket is None:
        return Outcome.done("reveal_unknown_ticket")
    return await shield.reveal(event, ticket, int(number) if number.isdigit() else None, ctx)


async def _ticket_or_customer(
    command: Command, ctx: Context
) -> tuple[Ticket | None, tuple[str, ...]]:
    """The ticket named (`#12`), the latest of a customer named (`@budi`, `whatsapp:62...`, a
    mention or a reply to them), or the one implied by where the command is typed."""
    args = command.args
    if args and _TICKET_ARG.match(args[0]):
        return await _ticket_of(command, ctx)
    if args and (args[0].startswith("@") or _PERSON_KEY.match(args[0])):
        person = await _resolve_person(replace(command, target=None), args[0], ctx)
        return (await ctx.tx.tickets.latest_for(person) if person else None), args[1:]
    target = command.target
    if target is not None and not target.is_bot:
        ticket = await ctx.tx.tickets.latest_for(target.key)
        if ticket is not None:
            return ticket, args
    return await _ticket_of(command, ctx)


async def block(command: Command, ctx: Context) -> Outcome:
    """`/block [#ticket|@user|platform:id] <duration> [reason]`: pause a customer's messages to the team."""
    assert command.sender is not None
    ticket, rest = await _ticket_or_customer(command, ctx)
    if ticket is None:
        return _which_ticket(command, ctx)
    if not rest:
        return Outcome.done("block_usage", _say(command, ctx, "block_usage"))
    try:
        duration = parse_duration(rest[0])
    except DurationError:
        return Outcome.done("block_usage", _say(command, ctx, "block_usage"))
    actions = await shield.block(
        ticket, ctx, actor=command.sender, duration=duration, reason=" ".join(rest[1:])
    )
    return _acknowledged(command, ticket, actions, ctx, "customer_blocked", "did_block")


async def block_button(event: ButtonPressed, ctx: Context) -> Outcome:
    """The ⛔ button under an abuse alert; only supervisors may press it."""
    if not await _is_supervisor(event.sender, ctx):
        return Outcome.done("refused_not_supervisor", _say(event, ctx, "refused_not_supervisor"))
    assert event.sender is not None
    ticket_id, _, duration = event.data.removeprefix(shield.BLOCK_PREFIX).partition(":")
    ticket = await ctx.tx.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None
    if ticket is None:
        return Outcome.done("block_unknown_ticket")
    if shield.is_blocked(ticket, ctx.now):
        return Outcome.done("already_blocked")  # pressed twice: once is enough
    actions = await shield.block(
        ticket, ctx, actor=event.sender, duration=parse_duration(duration), reason=""
    )
    return Outcome.done("customer_blocked", *actions)


async def unblock(command: Command, ctx: Context) -> Outcome:
    assert command.sender is not None
    ticket, _ = await _ticket_or_customer(command, ctx)
    if ticket is None:
        return _which_ticket(command, ctx)
    if not shield.is_blocked(ticket, ctx.now):
        return Outcome.done("not_blocked", _say(command, ctx, "not_blocked", id=ticket.id))
    actions = await shield.unblock(ticket, ctx, actor=command.sender)
    return _acknowledged(command, ticket, actions, ctx, "customer_unblocked", "did_unblock")


# ---- KPIs ---------------------------------------------------------------------------------------


def period_start(text: str | None, now: datetime, ctx: Context) -> datetime:
    """`YYYY-MM-DD` (local midnight) or a number of days back; the default is the last 7 days."""
    zone = ctx.settings.zone
    if text and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(datetime.fromisoformat(text).date(), time(), tzinfo=zone)
    days = int(text) if text and text.isdigit() else 7
    return datetime.combine(
        (now.astimezone(zone) - timedelta(days=days)).date(), time(), tzinfo=zone
    )


async def kpi(command: Command, ctx: Context) -> Outcome:
    language = staff_language(ctx.settings)
    since = period_start(command.args[0] if command.args else None, ctx.now, ctx)
    built = await report.build(ctx.tx, ctx.settings, since=since, until=ctx.now, now=ctx.now)

    def label(key: str, **params: object) -> str:
        return ctx.t(f"handoff.{key}", language, **params)

    text = kpis.render(
        built,
        "table",
        label,
        ctx.settings.zone,
        reason_label=lambda reason: reason_text(reason, ctx.t, language),
    )
    return Outcome.done("kpi", *_posts(command, text.split("\n")))


def _command(
    name: str,
    run: CommandBody,
    *,
    role: Role | None = Role.AGENT,
    usage: str = "",
    scope: Scope = Scope.ANYWHERE,
    aliases: tuple[str, ...] = (),
) -> CommandSpec:
    """A handoff command (for agents unless `role` says otherwise); its help text is
    `handoff.help_<name>` in the catalogue."""
    return CommandSpec(
        name, run, f"handoff.help_{name}", role=role, scope=scope, aliases=aliases, usage=usage
    )


_ONE_TICKET = "[#ticket]"
_TICKET_OR_CUSTOMER = "[#ticket|@user|platform:id]"

COMMANDS: tuple[CommandSpec, ...] = (
    _command("human", human, role=None, scope=Scope.PRIVATE, aliases=("cs", "agent")),
    _command("forgetme", privacy.forgetme, role=None, scope=Scope.PRIVATE),
    _command("take", take, usage=_ONE_TICKET),
    _command("release", release, usage=_ONE_TICKET),
    _command("transfer", transfer, usage="[#ticket] @agent|team"),
    _command("close", close_command, usage="[#ticket] reason"),
    _command("note", note, usage="[#ticket] text"),
    _command("canned", canned, usage="[#ticket] [name]"),
    _command("availability", availability, aliases=AVAILABILITY, usage="online|away|offline"),
    _command("queue", queue),
    _command("history", history, usage=_TICKET_OR_CUSTOMER),
    _command("transcript", transcript, usage=_ONE_TICKET),
    _command("kpi", kpi, role=Role.SUPERVISOR, usage="[YYYY-MM-DD|days]"),
    _command("reveal", reveal, usage="[#ticket] [n]"),
    _command("block", block, role=Role.SUPERVISOR, usage="[#ticket|@user] 24h [reason]"),
    _command("unblock", unblock, role=Role.SUPERVISOR, usage="[#ticket|@user]"),
)
