"""Shielding agents: insults are hidden from the team, and a supervisor may pause a customer.

A customer's message in an open ticket goes through the abuse check first (the
moderation word filter when the moderation capability provides it, else the
handoff's own list). An insult is kept in the ticket's transcript (personal data
masked, like every line) with the outcome `hidden`, and the team sees only
"[hidden message 1: abusive language]" with a button and `/reveal` to read it
when they choose to. The customer is warned politely (at most every
`WARN_EVERY`) and supervisors are alerted in the ticket's place with a mention
(at most every `ALERT_EVERY`) and a button to pause the customer.

A supervisor's `/block` pauses the customer for a period: their messages are kept
in the transcript but not relayed, they are told until when, and asking for a
person again gets the same answer until the pause ends or `/unblock` lifts it.
Anger without insults is not hidden: it is what the team needs to hear.
Every step is a ticket event: `abuse_hidden`, `abuse_warned`, `abuse_alerted`,
`revealed`, `blocked`, `unblocked`, `block_notice`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.actions import Action, Button, Send
from bot.events import ButtonPressed, Command, Media, Message, Person
from bot.handlers.context import Context, Outcome
from bot.handlers.conversation import record_incoming
from bot.handoff import sla
from bot.handoff.lifecycle import Move
from bot.handoff.tickets import apply_move
from bot.handoff.triggers import DEFAULT_ABUSE_DETECTOR, AbuseDetector
from bot.handoff.waiting import when_text
from bot.handoff.workspace import (
    HIDDEN,
    VIEW,
    customer_label,
    display_name,
    files_of,
    files_record,
    hidden_label,
    name_staff,
    post,
    ref,
    say_to_customer,
    staff_language,
)
from bot.storage.models import Ticket, TicketEvent, TranscriptLine

BLOCKED = "blocked"  # the outcome of a line written while the customer was paused
REVEAL_PREFIX = "handoff:reveal:"
BLOCK_PREFIX = "handoff:block:"
BLOCK_BUTTON_HOURS = 24
WARN_EVERY = timedelta(minutes=10)
ALERT_EVERY = timedelta(minutes=30)


def detector(ctx: Context) -> AbuseDetector:
    found = ctx.extras.get("abuse_detector")
    return found if found is not None else DEFAULT_ABUSE_DETECTOR


def insulting(text: str, ctx: Context) -> bool:
    """An insult or swearing aimed at the team (anger alone is not hidden)."""
    return (
        ctx.settings.handoff.shield_agents
        and bool(text.strip())
        and detector(ctx).flag(text) == "abusive"
    )


def is_blocked(ticket: Ticket | None, now: datetime) -> bool:
    return ticket is not None and ticket.blocked_until is not None and now < ticket.blocked_until


def reveal_button(ticket_id: int, number: int, ctx: Context) -> Button:
    label = ctx.t("handoff.button_reveal", staff_language(ctx.settings))
    return Button(label, f"{REVEAL_PREFIX}{ticket_id}:{number}")


async def hidden_lines(ticket: Ticket, ctx: Context) -> list[TranscriptLine]:
    return [line for line in await ctx.tx.tickets.transcript(ticket.id) if line.outcome == HIDDEN]


async def _last(ticket: Ticket, ctx: Context, action: str) -> TicketEvent | None:
    found = [event for event in await ctx.tx.tickets.events(ticket.id) if event.action == action]
    return found[-1] if found else None


async def _due(ticket: Ticket, ctx: Context, action: str, every: timedelta) -> bool:
    last = await _last(ticket, ctx, action)
    return last is None or ctx.now - last.at >= every


# ---- an insult in an open ticket --------------------------------------------------------------


async def hide(
    event: Message, ticket: Ticket, ctx: Context, stored_text: str, files: Sequence[Media] = ()
) -> Outcome:
    """Keep the insult for the record, show the team a placeholder, warn, alert supervisors."""
    assert event.sender is not None
    number = 1 + len(await hidden_lines(ticket, ctx))
    await record_incoming(
        event, ctx, stored_text, outcome=HIDDEN, ticket_id=ticket.id, attachment=files_record(files)
    )
    await apply_move(ticket, ctx, Move.CUSTOMER_WROTE, actor=event.sender.key)
    await ctx.tx.tickets.record(
        ticket.id, "abuse_hidden", ctx.now, actor=event.sender.key, detail=str(number)
    )
    language = staff_language(ctx.settings)
    placeholder = f"👤 {customer_label(ticket)}: {hidden_label(ticket.id, number, ctx)}"
    actions: list[Action] = list(
        post(ticket, placeholder, buttons=(reveal_button(ticket.id, number, ctx),))
    )
    if await _due(ticket, ctx, "abuse_warned", WARN_EVERY):
        await ctx.tx.tickets.record(ticket.id, "abuse_warned", ctx.now, actor=None)
        warning = ctx.t("handoff.abuse_warning", ticket.language)
        actions.append(await say_to_customer(ticket, ctx, warning))
    if await _due(ticket, ctx, "abuse_alerted", ALERT_EVERY):
        await ctx.tx.tickets.record(ticket.id, "abuse_alerted", ctx.now, actor=None)
        named = await name_staff(
            ctx, await sla.supervisors(ctx), platform=ticket.staff_platform, role="supervisor"
        )
        text = ctx.t(
            "handoff.abuse_alert",
            language,
            id=ticket.id,
            customer=customer_label(ticket),
            count=number,
            hours=BLOCK_BUTTON_HOURS,
        )
        if named.text:
            text += "\n" + ctx.t("handoff.sla_alert_supervisors", language, mentions=named.text)
        block = Button(
            ctx.t("handoff.button_block", language, hours=BLOCK_BUTTON_HOURS),
            f"{BLOCK_PREFIX}{ticket.id}:{BLOCK_BUTTON_HOURS}h",
        )
        actions += post(ticket, text, buttons=(block,), kind="alert", named=named)
    return Outcome.done("abuse_hidden", *actions)


async def reveal(
    event: Command | ButtonPressed, ticket: Ticket, number: int | None, ctx: Context
) -> Outcome:
    """Show a hidden message to the staff member who asked, where they asked; the ticket notes who."""
    assert event.sender is not None
    language = staff_language(ctx.settings)
    reply_to = event.message_id if isinstance(event, Command) else None
    hidden = await hidden_lines(ticket, ctx)
    if not hidden or (number is not None and not 1 <= number <= len(hidden)):
        text = ctx.t("handoff.reveal_nothing", language, id=ticket.id, count=len(hidden))
        return Outcome.done(
            "reveal_nothing", Send(address=event.address, text=text, reply_to=reply_to)
        )
    number = number or len(hidden)
    line = hidden[number - 1]
    await ctx.tx.tickets.record(
        ticket.id, "revealed", ctx.now, actor=event.sender.key, detail=str(number)
    )
    text = ctx.t(
        "handoff.revealed",
        language,
        id=ticket.id,
        n=number,
        customer=customer_label(ticket),
        agent=await display_name(ctx, event.sender.key),
        text=line.text,
    )
    view = ref(ticket.id, VIEW)
    shown: list[Action] = [Send(address=event.address, text=text, reply_to=reply_to, ref=view)]
    shown += [
        Send(address=event.address, text=f"👁 #{ticket.id} · {number}", media=media, ref=view)
        for media in files_of(line)
    ]
    return Outcome.done("revealed", *shown)


# ---- pausing a customer ----------------------------------------------------------------------


def _until_text(ticket: Ticket, until: datetime, ctx: Context, language: str) -> str:
    return when_text(until, ctx.now, ctx.settings.zone, ctx.t, language)


async def block(
    ticket: Ticket, ctx: Context, *, actor: Person, duration: timedelta, reason: str
) -> list[Action]:
    """Pause the ticket's customer for `duration`: nothing they write reaches the team until then."""
    until = ctx.now + duration
    masked = ctx.mask(reason)
    ticket.blocked_until = until
    ticket.blocked_by = actor.key
    ticket.updated_at = ctx.now
    await sla.cancel(ticket, ctx)  # nobody is expected to answer a paused customer
    await ctx.tx.tickets.record(
        ticket.id,
        "blocked",
        ctx.now,
        actor=actor.key,
        detail=f"{until.isoformat()} {masked}".strip(),
    )
    await ctx.tx.tickets.record(ticket.id, "block_notice", ctx.now, actor=None)  # told just now
    language = staff_language(ctx.settings)
    staff_text = ctx.t(
        "handoff.staff_blocked",
        language,
        id=ticket.id,
        customer=customer_label(ticket),
        until=_until_text(ticket, until, ctx, language),
        agent=await display_name(ctx, actor.key),
        reason=masked or "–",
    )
    told = ctx.t(
        "handoff.blocked_customer",
        ticket.language,
        until=_until_text(ticket, until, ctx, ticket.language),
    )
    return [*post(ticket, staff_text), await say_to_customer(ticket, ctx, told)]


async def unblock(ticket: Ticket, ctx: Context, *, actor: Person) -> list[Action]:
    ticket.blocked_until = None
    ticket.updated_at = ctx.now
    await ctx.tx.tickets.record(ticket.id, "unblocked", ctx.now, actor=actor.key)
    language = staff_language(ctx.settings)
    staff_text = ctx.t(
        "handoff.staff_unblocked",
        language,
        id=ticket.id,
        customer=customer_label(ticket),
        agent=await display_name(ctx, actor.key),
    )
    told = ctx.t("handoff.unblocked_customer", ticket.language)
    return [*post(ticket, staff_text), await say_to_customer(ticket, ctx, told)]


async def while_blocked(
    event: Message, ticket: Ticket, ctx: Context, stored_text: str, files: Sequence[Media] = ()
) -> Outcome:
    """A paused customer's message: kept for the record, not relayed; reminded now and then."""
    assert event.sender is not None and ticket.blocked_until is not None
    await record_incoming(
        event,
        ctx,
        stored_text,
        outcome=BLOCKED,
        ticket_id=ticket.id,
        attachment=files_record(files),
    )
    if not await _due(ticket, ctx, "block_notice", WARN_EVERY):
        return Outcome.done("blocked_kept")
    await ctx.tx.tickets.record(ticket.id, "block_notice", ctx.now, actor=None)
    return Outcome.done("blocked_told", await paused_notice(ticket, ctx))


async def paused_notice(ticket: Ticket, ctx: Context) -> Send:
    assert ticket.blocked_until is not None
    text = ctx.t(
        "handoff.blocked_reminder",
        ticket.language,
        until=_until_text(ticket, ticket.blocked_until, ctx, ticket.language),
    )
    return await say_to_customer(ticket, ctx, text)
