"""Customer satisfaction: after a ticket closes, a 1-5 rating with buttons and an optional comment.

A typed digit counts as a rating too (WhatsApp lists, or customers who type). After
the rating the customer's next message within `csat_comment_minutes` is the comment,
unless they press "skip"; either way the conversation is the bot's again.

Every closing asks once and takes one rating. Each rating is stored on its own
(`ticket_ratings`, dated by the closing it answers), so a ticket that is reopened
and closed again keeps the first rating in the reports; the ticket itself shows
the latest one.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.actions import Action, Button, Send
from bot.events import ButtonPressed, Message
from bot.handlers.context import Context, Outcome
from bot.handlers.conversation import record_incoming
from bot.handoff.workspace import customer_address, say_to_customer
from bot.storage.models import Ticket

PREFIX = "csat:"
FACES = {1: "😞", 2: "🙁", 3: "😐", 4: "🙂", 5: "🤩"}
_TYPED = re.compile(r"^\s*([1-5])\s*(?:/\s*5)?\s*[.!]?\s*$")
_TYPED_WINDOW = timedelta(days=1)


def rating_buttons(ticket: Ticket) -> tuple[Button, ...]:
    return tuple(
        Button(f"{score} {face}", f"{PREFIX}{ticket.id}:{score}") for score, face in FACES.items()
    )


async def ask(ticket: Ticket, ctx: Context) -> list[Action]:
    if not ctx.settings.handoff.csat:
        return []
    ticket.csat_asked_at = ctx.now
    ticket.csat_comment_until = None
    text = ctx.t("handoff.csat_question", ticket.language)
    return [await say_to_customer(ticket, ctx, text, buttons=rating_buttons(ticket))]


def rated_since_asked(ticket: Ticket) -> bool:
    """The customer already answered the latest rating question."""
    return (
        ticket.csat_answered_at is not None
        and ticket.csat_asked_at is not None
        and ticket.csat_answered_at >= ticket.csat_asked_at
    )


def awaits_comment(ticket: Ticket, ctx: Context) -> bool:
    return (
        ticket.csat_comment_until is not None
        and ctx.now < ticket.csat_comment_until
        and ticket.csat_comment is None
    )


def typed_rating(ticket: Ticket, text: str, ctx: Context) -> int | None:
    """A digit typed in answer to the rating question (before any rating was given)."""
    match = _TYPED.match(text)
    if (
        match is None
        or ticket.csat_asked_at is None
        or rated_since_asked(ticket)
        or ctx.now - ticket.csat_asked_at > _TYPED_WINDOW
    ):
        return None
    return int(match.group(1))


async def rate(ticket: Ticket, score: int, ctx: Context) -> list[Action]:
    language = ticket.language
    if rated_since_asked(ticket):
        return [
            Send(
                address=customer_address(ticket),
                text=ctx.t("handoff.csat_already", language, score=ticket.csat_score),
            )
        ]
    if ticket.csat_asked_at is None or ticket.resolved_at is None:
        text = ctx.t("core.button_expired", language)
        return [Send(address=customer_address(ticket), text=text)]
    ticket.csat_score = score
    ticket.csat_comment = None  # a new rating, a new comment (earlier ones stay in the transcript)
    ticket.csat_answered_at = ctx.now
    await ctx.tx.tickets.add_rating(ticket.id, ticket.resolved_at, score, ctx.now)
    ticket.csat_comment_until = ctx.now + timedelta(
        minutes=ctx.settings.handoff.csat_comment_minutes
    )
    ticket.updated_at = ctx.now
    await ctx.tx.tickets.record(
        ticket.id, "csat", ctx.now, actor=ticket.customer_key, detail=str(score)
    )
    skip = Button(ctx.t("handoff.csat_skip", language), f"{PREFIX}{ticket.id}:skip")
    text = ctx.t("handoff.csat_thanks_low" if score <= 3 else "handoff.csat_thanks", language)
    return [await say_to_customer(ticket, ctx, text, buttons=(skip,))]


async def on_press(event: ButtonPressed, ctx: Context) -> Outcome:
    _, ticket_id, value = [*event.data.split(":"), "", ""][:3]
    ticket = await ctx.tx.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None
    if ticket is None or event.sender is None or ticket.customer_key != event.sender.key:
        language = await ctx.language_of(event.sender)
        return Outcome.done(
            "csat_expired", Send(address=event.address, text=ctx.t("core.button_expired", language))
        )
    if value == "skip":
        ticket.csat_comment_until = None
        text = ctx.t("handoff.csat_comment_skipped", ticket.language)
        return Outcome.done("csat_skip", await say_to_customer(ticket, ctx, text))
    if not value.isdigit() or int(value) not in FACES:
        return Outcome.done("csat_invalid")
    return Outcome.done("csat_rated", *await rate(ticket, int(value), ctx))


async def on_comment(event: Message, ticket: Ticket, ctx: Context) -> Outcome:
    await record_incoming(event, ctx, event.text, outcome="csat_comment", ticket_id=ticket.id)
    ticket.csat_comment = ctx.mask(event.text.strip())[:2000]
    ticket.csat_comment_until = None
    ticket.updated_at = ctx.now
    await ctx.tx.tickets.record(ticket.id, "csat_comment", ctx.now, actor=ticket.customer_key)
    text = ctx.t("handoff.csat_comment_thanks", ticket.language)
    return Outcome.done("csat_comment", await say_to_customer(ticket, ctx, text))
