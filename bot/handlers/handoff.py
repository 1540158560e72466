"""The handoff step of the pipeline: who gets an event when humans are involved.

It runs right after `system` and before commands and the SOP, and takes:

- feedback from delivery about the workspace (`ThreadOpened`, `Delivered`) and its
  timers (first-response target, a topic that never opened);
- messages and buttons in the staff chat that belong to a ticket (relay, notes,
  the card's Take button); staff commands go on to the command step;
- a customer's private messages while they have an open ticket (relayed, so the
  bot stays silent), their CSAT rating and comment, `/forgetme` confirmations,
  the "talk to a human" button and phrases, and an angry or abusive message.

Everything else goes on down the pipeline untouched. The work itself is done in
`bot.handoff`; this module only routes.
"""

from __future__ import annotations

from bot.actions import Action, Send
from bot.events import (
    ButtonPressed,
    ChatKind,
    Delivered,
    DeliveryFailed,
    Event,
    Message,
    ThreadOpened,
    TimerFired,
)
from bot.handlers.context import Context, Outcome
from bot.handlers.conversation import record_incoming
from bot.handlers.registry import CommandSpec
from bot.handoff import commands, csat, privacy, relay, shield, sla, undelivered, workspace
from bot.handoff.tickets import is_open, recently_closed, request_human
from bot.handoff.triggers import AbuseDetector, asks_for_human
from bot.sop.model import DecisionKind
from bot.storage.models import Ticket

REQUEST_BUTTON = "handoff:request"
COMMANDS: tuple[CommandSpec, ...] = commands.COMMANDS


async def request(event: Event, ctx: Context, *, reason: str, language: str) -> list[Action]:
    """Ask for a human for the customer of `event`; returns what to tell the customer and the workspace.

    `reason` says why (`sop:<entry id>`, `sop_miss`, `button`, `asked`, `command`,
    `abuse:<label>`); it is stored on the ticket and shown on its card.
    """
    return await request_human(event, ctx, reason=reason, language=language)


def available(ctx: Context) -> bool:
    """Whether a staff chat is configured, i.e. a human can be handed the conversation at all."""
    return workspace.staff_chat(ctx.settings) is not None


async def takes_unanswered(event: Event, ctx: Context, failed_attempts: int) -> bool:
    """Whether an SOP miss goes to a human now: after the configured number of misses in a
    row, or at once when the customer's last ticket closed within the reopen window."""
    if not available(ctx) or event.sender is None:
        return False
    if failed_attempts >= ctx.settings.support.failed_attempts_before_handoff:
        return True
    return recently_closed(await ctx.tx.tickets.latest_for(event.sender.key), ctx)


def abuse_detector(ctx: Context) -> AbuseDetector:
    return shield.detector(ctx)


async def handle(event: Event, ctx: Context) -> Outcome | None:
    if isinstance(event, ThreadOpened):
        return await workspace.on_thread_opened(event, ctx)
    if isinstance(event, Delivered | DeliveryFailed) and privacy.is_farewell(event):
        return await privacy.on_farewell(event, ctx)
    if isinstance(event, Delivered):
        return await workspace.on_delivered(event, ctx)
    if isinstance(event, DeliveryFailed):
        return await undelivered.on_delivery_failed(event, ctx)
    if isinstance(event, TimerFired):
        if event.timer_kind == sla.FIRST_RESPONSE:
            return await sla.on_fired(event, ctx)
        if event.timer_kind == workspace.TOPIC_WAIT:
            return await workspace.on_topic_wait(event, ctx)
        return None
    if workspace.is_staff_chat(event.address, ctx.settings):
        return await _in_staff_chat(event, ctx)
    if event.chat_kind is ChatKind.PRIVATE and event.sender is not None and not event.sender.is_bot:
        return await _from_customer(event, ctx)
    return None


async def _in_staff_chat(event: Event, ctx: Context) -> Outcome | None:
    if isinstance(event, ButtonPressed) and event.data.startswith(workspace.TAKE_PREFIX):
        return await commands.take_button(event, ctx)
    if isinstance(event, ButtonPressed) and event.data.startswith(shield.REVEAL_PREFIX):
        return await commands.reveal_button(event, ctx)
    if isinstance(event, ButtonPressed) and event.data.startswith(shield.BLOCK_PREFIX):
        return await commands.block_button(event, ctx)
    if not isinstance(event, Message):
        return None  # commands go on to the command step
    ticket = await workspace.ticket_for(event, ctx)
    if ticket is None:
        return None  # the team talking among themselves
    return await relay.from_staff(event, ticket, ctx)


async def _from_customer(event: Event, ctx: Context) -> Outcome | None:
    assert event.sender is not None
    if isinstance(event, ButtonPressed):
        return await _customer_button(event, ctx)
    if not isinstance(event, Message):
        return None
    latest = await ctx.tx.tickets.latest_for(event.sender.key)
    if latest is not None and is_open(latest):
        return await relay.from_customer(event, latest, ctx)
    if event.edited:
        return None
    if latest is not None:
        rated = await _csat_answer(event, latest, ctx)
        if rated is not None:
            return rated
    if asks_for_human(event.text, ctx.settings.handoff.human_phrases):
        return await _triggered(event, ctx, "asked")
    label = abuse_detector(ctx).flag(event.text) if available(ctx) else None
    if label:
        return await _triggered(event, ctx, f"abuse:{label}")
    return None


async def _customer_button(event: ButtonPressed, ctx: Context) -> Outcome | None:
    assert event.sender is not None
    if event.data == REQUEST_BUTTON:
        language = await _language(event, ctx)
        await record_incoming(event, ctx, "[talk to a human]", outcome="handoff_button")
        return Outcome.done(
            "handoff_requested", *await request(event, ctx, reason="button", language=language)
        )
    if event.data.startswith(csat.PREFIX):
        return await csat.on_press(event, ctx)
    if event.data.startswith(privacy.PREFIX):
        return await privacy.on_press(event, ctx)
    latest = await ctx.tx.tickets.latest_for(event.sender.key)
    if latest is not None and is_open(latest):
        # An old SOP button while a person is serving them: the bot keeps out of it.
        text = ctx.t("handoff.human_is_serving", latest.language)
        return Outcome.done("button_while_human", Send(address=event.address, text=text))
    return None


async def _csat_answer(event: Message, ticket: Ticket, ctx: Context) -> Outcome | None:
    if csat.awaits_comment(ticket, ctx) and event.text.strip() and not await _new_request(event, ctx):
        return await csat.on_comment(event, ticket, ctx)
    score = csat.typed_rating(ticket, event.text, ctx)
    if score is not None:
        await record_incoming(event, ctx, event.text, outcome="csat", ticket_id=ticket.id)
        return Outcome.done("csat_rated", *await csat.rate(ticket, score, ctx))
    return None


async def _new_request(event: Message, ctx: Context) -> bool:
    """A message after the rating that is not a comment: a question the SOP answers, or asking for a person."""
    if asks_for_human(event.text, ctx.settings.handoff.human_phrases):
        return True
    decision = ctx.knowledge.decide(
        event.text,
        platform_language=await ctx.language_of(event.sender),
        default_language=ctx.settings.default_language,
    )
    return decision.kind is DecisionKind.ANSWER


async def _triggered(event: Message, ctx: Context, reason: str) -> Outcome:
    language = await _language(event, ctx)
    # An insult that brings the customer to a person is kept, but the card shows a placeholder.
    hidden = reason == "abuse:abusive" and ctx.settings.handoff.shield_agents
    await record_incoming(event, ctx, event.text, outcome=workspace.HIDDEN if hidden else "handoff")
    return Outcome.done(
        f"handoff:{reason}", *await request(event, ctx, reason=reason, language=language)
    )


async def _language(event: Event, ctx: Context) -> str:
    """The conversation's language so far, else what the message itself looks like, else the person's."""
    assert event.sender is not None
    conversation = await ctx.tx.conversations.get(event.address.chat_key)
    if conversation is not None and conversation.language:
        return conversation.language
    if isinstance(event, Message) and event.text.strip():
        hint = await ctx.language_of(event.sender)
        decision = ctx.knowledge.decide(
            event.text, platform_language=hint, default_language=ctx.settings.default_language
        )
        return decision.language
    return await ctx.language_of(event.sender)
