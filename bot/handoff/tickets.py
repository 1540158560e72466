"""Opening, joining, reopening, moving and closing tickets: the lifecycle's async shell.

`request_human` is what every trigger calls. A customer with an open ticket joins
it; one whose last ticket closed within `reopen_hours` gets it reopened (with the
same agent if they are online); anyone else gets a new ticket. Every transition
goes through `lifecycle.decide` and is stored with its time and actor.
"""

from __future__ import annotations

from datetime import timedelta

from bot.actions import Action, CloseThread
from bot.events import Event
from bot.handlers.contacts import no_team_reply
from bot.handlers.context import Context
from bot.handlers.conversation import reply
from bot.handoff import csat, sla
from bot.handoff.card import topic_title
from bot.handoff.lifecycle import OPEN_STATUSES, Move, Refused, Status, TicketState, decide
from bot.handoff.waiting import WaitKind, wait_notice, when_text
from bot.handoff.workspace import (
    Named,
    business_hours,
    customer_address,
    customer_label,
    display_name,
    first_name,
    open_place,
    place,
    post,
    say_to_customer,
    staff_chat,
    staff_language,
)
from bot.storage.models import Ticket

BOT_PART = timedelta(hours=24)  # how much of the bot conversation before a ticket belongs to it


def is_open(ticket: Ticket) -> bool:
    return Status(ticket.status) in OPEN_STATUSES


def state_of(ticket: Ticket) -> TicketState:
    return TicketState(Status(ticket.status), ticket.assignee_key, ticket.team)


def recently_closed(ticket: Ticket | None, ctx: Context) -> bool:
    """Closed within the reopen window: a new need for a human reopens it instead of a new ticket."""
    return (
        ticket is not None
        and ticket.status == Status.RESOLVED
        and ticket.resolved_at is not None
        and ctx.now - ticket.resolved_at <= timedelta(hours=ctx.settings.handoff.reopen_hours)
    )


def team_for(reason: str, ctx: Context) -> str | None:
    """An SOP entry whose owner is a configured team routes its tickets to that team."""
    kind, _, entry_id = reason.partition(":")
    if kind != "sop":
        return None
    entry = ctx.knowledge.get(entry_id)
    owner = entry.owner if entry is not None else None
    return owner if owner in ctx.settings.handoff.teams else None


async def apply_move(
    ticket: Ticket,
    ctx: Context,
    move: Move,
    *,
    actor: str | None,
    target: str | None = None,
    override: bool = False,
    target_online: bool = False,
    detail: str | None = None,
) -> TicketState | Refused:
    """Decide the move, store the new state and, if anything changed, the transition."""
    before = state_of(ticket)
    after = decide(
        before,
        move,
        actor=actor or "",
        target=target,
        override=override,
        target_online=target_online,
    )
    if isinstance(after, Refused):
        return after
    ticket.status = after.status.value
    ticket.assignee_key = after.assignee
    ticket.team = after.team
    if after.assignee and ticket.assigned_at is None and move is not Move.CLOSE:
        ticket.assigned_at = ctx.now  # closing an untouched ticket is not working on it
    ticket.updated_at = ctx.now
    if after != before or move in (Move.CLOSE, Move.REOPEN):
        await ctx.tx.tickets.record(
            ticket.id,
            move.value,
            ctx.now,
            actor=actor,
            from_status=before.status.value,
            to_status=after.status.value,
            detail=detail,
        )
    return after


async def wait_text(ticket: Ticket, ctx: Context) -> str:
    """Honest words about the wait: hours, who is online, place in the queue, a real estimate."""
    language = ticket.language
    notice = wait_notice(
        ctx.now,
        business_hours(ctx.settings),
        position=await ctx.tx.tickets.queue_position(ticket),
        agents_online=len(await ctx.tx.agents.online()),
        recent_responses=await ctx.tx.tickets.recent_first_responses(),
        target=timedelta(minutes=ctx.settings.handoff.first_response_minutes),
    )
    if notice.kind is WaitKind.CLOSED:
        if notice.back_at is None:
            return ctx.t("handoff.wait_closed_unscheduled", language, position=notice.position)
        when = when_text(notice.back_at, ctx.now, ctx.settings.zone, ctx.t, language)
        return ctx.t("handoff.wait_closed", language, when=when, position=notice.position)
    if notice.kind is WaitKind.NOBODY_ONLINE:
        return ctx.t("handoff.wait_nobody_online", language, position=notice.position)
    minutes = int((notice.expected_wait or timedelta()).total_seconds() // 60)
    return ctx.t("handoff.wait_queued", language, position=notice.position, minutes=minutes)


async def request_human(event: Event, ctx: Context, *, reason: str, language: str) -> list[Action]:
    """Open a ticket for the customer of `event`, join their open one, or reopen a recent one."""
    staff = staff_chat(ctx.settings)
    if staff is None or event.sender is None:
        return await no_team_reply(event, ctx, reason=reason, language=language)  # contacts from the SOP
    current = await ctx.tx.tickets.latest_for(event.sender.key)
    if current is not None and current.blocked_until is not None and ctx.now < current.blocked_until:
        # Paused by a supervisor: no new ticket, no reopening until the pause ends.
        await ctx.tx.tickets.record(
            current.id, "asked_while_blocked", ctx.now, actor=event.sender.key, detail=reason
        )
        when = when_text(current.blocked_until, ctx.now, ctx.settings.zone, ctx.t, current.language)
        text = ctx.t("handoff.blocked_reminder", current.language, until=when)
        return [await reply(event, ctx, text)]
    if current is not None and is_open(current):
        await ctx.tx.tickets.record(
            current.id, "asked_again", ctx.now, actor=event.sender.key, detail=reason
        )
        return [await say_to_customer(current, ctx, await _already_text(current, ctx))]
    await _record_unmet_question(event, ctx, reason, language)
    if recently_closed(current, ctx):
        assert current is not None
        return await reopen(current, event, ctx, reason=reason)
    return await open_ticket(event, ctx, reason=reason, language=language, previous=current)


async def _record_unmet_question(event: Event, ctx: Context, reason: str, language: str) -> None:
    """The customer's last question ended in a handoff: count it as a gap in the SOP.

    Misses were counted already when they happened, and `sop:<id>` topics are handed
    over on purpose, so only a request for a person after some other question counts.
    """
    from bot.handlers.sop_admin import record_gap

    if reason.startswith("sop") or event.sender is None:
        return
    conversation = await ctx.tx.conversations.get(event.address.chat_key)
    if conversation is not None and conversation.last_question:
        await record_gap(ctx, conversation.last_question, language, "handoff")


async def _already_text(ticket: Ticket, ctx: Context) -> str:
    if ticket.assignee_key:
        agent = first_name(await display_name(ctx, ticket.assignee_key))
        return ctx.t("handoff.already_assigned", ticket.language, id=ticket.id, agent=agent)
    return ctx.t(
        "handoff.already_queued", ticket.language, id=ticket.id, wait=await wait_text(ticket, ctx)
    )


def _intro_key(reason: str) -> str:
    kind = reason.partition(":")[0]
    return {"sop": "intro_sop_entry", "sop_miss": "intro_sop_miss", "abuse": "intro_upset"}.get(
        kind, "intro_asked"
    )


async def open_ticket(
    event: Event, ctx: Context, *, reason: str, language: str, previous: Ticket | None
) -> list[Action]:
    assert event.sender is not None
    staff = staff_chat(ctx.settings)
    assert staff is not None
    ticket = await ctx.tx.tickets.open(
        customer=event.sender,
        address=event.address,
        language=language,
        reason=reason,
        team=team_for(reason, ctx),
        staff=staff,
        workspace="topic" if ctx.settings.handoff.topics else "card",
        now=ctx.now,
    )
    since = ctx.now - BOT_PART
    if previous is not None and previous.resolved_at is not None and previous.resolved_at > since:
        since = previous.resolved_at
    await ctx.tx.tickets.attach_transcript(event.address.chat_key, ticket.id, since)
    await ctx.tx.tickets.record(
        ticket.id,
        "opened",
        ctx.now,
        actor=event.sender.key,
        to_status=Status.QUEUED.value,
        detail=reason,
    )
    await _hand_conversation_over(ticket, ctx)
    await sla.schedule(ticket, ctx)
    workspace = await open_place(ticket, ctx)
    intro = ctx.t(f"handoff.{_intro_key(reason)}", language, id=ticket.id)
    told = await say_to_customer(ticket, ctx, f"{intro}\n\n{await wait_text(ticket, ctx)}")
    return [told, *workspace]


async def reopen(ticket: Ticket, event: Event, ctx: Context, *, reason: str) -> list[Action]:
    assert event.sender is not None
    online = (
        bool(ticket.assignee_key)
        and await ctx.tx.agents.status_of(ticket.assignee_key or "") == "online"
    )
    previously_resolved = ticket.resolved_at
    await apply_move(
        ticket, ctx, Move.REOPEN, actor=event.sender.key, target_online=online, detail=reason
    )
    ticket.reopened_at = ctx.now
    ticket.reopen_count += 1
    ticket.csat_comment_until = None
    if previously_resolved is not None:
        await ctx.tx.tickets.attach_transcript(
            event.address.chat_key, ticket.id, previously_resolved
        )
    await _hand_conversation_over(ticket, ctx)
    workspace = await open_place(ticket, ctx)
    if ticket.first_response_at is None and ticket.sla_breached_at is None:
        await sla.schedule(ticket, ctx)
    if ticket.assignee_key:
        agent = first_name(await display_name(ctx, ticket.assignee_key))
        text = ctx.t("handoff.reopened_assigned", ticket.language, id=ticket.id, agent=agent)
    else:
        text = ctx.t(
            "handoff.reopened_queued",
            ticket.language,
            id=ticket.id,
            wait=await wait_text(ticket, ctx),
        )
    return [await say_to_customer(ticket, ctx, text), *workspace]


async def _hand_conversation_over(ticket: Ticket, ctx: Context) -> None:
    """The bot stops counting misses: the next time it speaks, it starts afresh."""
    conversation = await ctx.tx.conversations.get(customer_address(ticket).chat_key)
    if conversation is not None:
        conversation.failed_attempts = 0
        conversation.pending_options = None


async def close(
    ticket: Ticket, ctx: Context, *, actor: str, reason: str, tell_customer: bool = True
) -> list[Action] | Refused:
    """Resolve the ticket, hand the conversation back to the bot, ask for a rating."""
    masked = ctx.mask(reason)
    result = await apply_move(ticket, ctx, Move.CLOSE, actor=actor, detail=masked)
    if isinstance(result, Refused):
        return result
    ticket.resolved_at = ctx.now
    ticket.close_reason = masked
    ticket.closed_by = actor
    await sla.cancel(ticket, ctx)
    await _hand_conversation_over(ticket, ctx)
    language = staff_language(ctx.settings)
    actions: list[Action] = []
    if tell_customer:
        actions.append(
            await say_to_customer(ticket, ctx, ctx.t("handoff.closed_customer", ticket.language))
        )
        actions.extend(await csat.ask(ticket, ctx))
        agent = await display_name(ctx, actor)
        actions.extend(
            post(
                ticket,
                ctx.t("handoff.staff_closed", language, id=ticket.id, agent=agent, reason=masked),
            )
        )
    else:
        actions.extend(post(ticket, ctx.t("handoff.staff_closed_erased", language, id=ticket.id)))
    where = place(ticket)
    if ticket.workspace == "topic" and where is not None:
        title = "✅ " + topic_title(ticket.id, customer_label(ticket), ticket.customer_platform)
        actions.append(
            CloseThread(address=where, title=title if tell_customer else f"✅ #{ticket.id}")
        )
    return actions


async def announce(
    ticket: Ticket,
    ctx: Context,
    staff_text: str,
    customer_text: str | None,
    *,
    named: Named | None = None,
) -> list[Action]:
    """A lifecycle step told to the workspace and, where it concerns them, to the customer."""
    actions: list[Action] = list(post(ticket, staff_text, named=named))
    if customer_text:
        actions.append(await say_to_customer(ticket, ctx, customer_text))
    return actions


def staff_notice(ticket: Ticket, ctx: Context, key: str, **params: object) -> str:
    return ctx.t(f"handoff.{key}", staff_language(ctx.settings), id=ticket.id, **params)
