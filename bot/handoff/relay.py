"""Relaying between the customer and the workspace, across platforms, and internal notes.

A customer's message goes to the ticket's topic (or as a reply to its card); an
agent's message in the topic (or a reply to one of the bot's posts) goes to the
customer on the customer's own platform. A note (`/note`, or a message starting
with the note prefix) stays in the workspace and the ticket's history, never with
the customer. Only agents (and roles above) may speak for the team.
"""

from __future__ import annotations

from bot.actions import Action, Send
from bot.events import Media, Message, Person
from bot.handlers.context import Context, Outcome
from bot.handlers.conversation import record_incoming
from bot.handoff import shield, sla
from bot.handoff.lifecycle import Move
from bot.handoff.tickets import apply_move, is_open
from bot.handoff.workspace import (
    customer_post,
    display_name,
    files_record,
    first_name,
    media_label,
    post,
    say_to_customer,
    staff_language,
)
from bot.roles import Role, has_role
from bot.storage.models import Ticket


async def from_customer(event: Message, ticket: Ticket, ctx: Context) -> Outcome:
    assert event.sender is not None
    caption = event.text.strip()
    files = () if event.edited else event.attachments
    stored = f"[{event.media}] {caption}".strip() if event.media else event.text
    if shield.is_blocked(ticket, ctx.now):
        return await shield.while_blocked(event, ticket, ctx, stored, files)
    if shield.insulting(event.text, ctx):
        return await shield.hide(event, ticket, ctx, stored, files)
    await record_incoming(
        event, ctx, stored, outcome="relayed", ticket_id=ticket.id, attachment=files_record(files)
    )
    await apply_move(ticket, ctx, Move.CUSTOMER_WROTE, actor=event.sender.key)
    language = staff_language(ctx.settings)
    actions: list[Action] = []
    for index, media in enumerate(files):
        label = f"[{media_label(ctx, media.kind, language)}]"
        body = f"{label} {caption}" if index == 0 and caption else label
        text = customer_post(ticket, body, ctx, edited=event.edited)
        actions += post(ticket, text, kind="media", media=media)
    if not files:
        kind = f"[{media_label(ctx, event.media, language)}] " if event.media else ""
        body = (kind + caption).strip()
        actions += post(ticket, customer_post(ticket, body, ctx, edited=event.edited))
    if event.media and not files and not event.edited:
        # A location, a contact, a poll: nothing the team can open; ask for words.
        notice = ctx.t(
            "handoff.media_not_relayed",
            ticket.language,
            kind=media_label(ctx, event.media, ticket.language),
        )
        actions.append(await say_to_customer(ticket, ctx, notice))
    return Outcome.done("relayed_to_staff", *actions)


async def is_agent(person: Person | None, ctx: Context) -> bool:
    return person is not None and has_role(await ctx.roles_of(person), Role.AGENT)


def _answer_staff(event: Message, ctx: Context, key: str, **params: object) -> Send:
    text = ctx.t(f"handoff.{key}", staff_language(ctx.settings), **params)
    return Send(address=event.address, text=text, reply_to=event.message_id)


async def from_staff(event: Message, ticket: Ticket, ctx: Context) -> Outcome:
    sender = event.sender
    if sender is None or sender.is_bot:
        return Outcome.done("staff_bot_message")
    if not await is_agent(sender, ctx):
        return Outcome.done("refused_not_agent", _answer_staff(event, ctx, "refused_not_agent"))
    text = event.text.strip()
    prefix = ctx.settings.handoff.note_prefix
    if prefix and text.startswith(prefix):
        await add_note(ticket, ctx, sender.key, text[len(prefix) :].strip())
        return Outcome.done("note")
    if event.edited:
        return Outcome.done("edit_not_relayed", _answer_staff(event, ctx, "edit_not_relayed"))
    if not event.attachments and (event.media or not text):
        kind = media_label(ctx, event.media or "other", staff_language(ctx.settings))
        return Outcome.done(
            "staff_media", _answer_staff(event, ctx, "media_not_relayed_staff", kind=kind)
        )
    if not is_open(ticket):
        return Outcome.done(
            "ticket_closed", _answer_staff(event, ctx, "refused_closed_not_sent", id=ticket.id)
        )
    if not event.attachments:
        return Outcome.done("relayed_to_customer", *await send_as_agent(ticket, ctx, sender, text))
    actions: list[Action] = []
    for index, media in enumerate(event.attachments):
        caption = text if index == 0 else ""
        actions += await send_as_agent(ticket, ctx, sender, caption, media=media)
    return Outcome.done("relayed_to_customer", *actions)


async def send_as_agent(
    ticket: Ticket, ctx: Context, agent: Person, text: str, *, media: Media | None = None
) -> list[Action]:
    """The agent's words (or file, with the words as its caption) to the customer, signed
    with the agent's first name."""
    await apply_move(ticket, ctx, Move.AGENT_REPLIED, actor=agent.key)
    if ticket.first_response_at is None:
        ticket.first_response_at = ctx.now
        await sla.cancel(ticket, ctx)
    name = first_name(agent.name or await display_name(ctx, agent.key))
    shown = text or (media_label(ctx, media.kind, ticket.language) if media else "")
    signed = ctx.t("handoff.agent_says", ticket.language, agent=name, text=shown)
    stored = f"[{media.kind}] {text}".strip() if media else text
    return [
        await say_to_customer(
            ticket, ctx, signed, author="agent", author_key=agent.key, stored=stored, media=media
        )
    ]


async def add_note(ticket: Ticket, ctx: Context, author_key: str, text: str) -> None:
    await ctx.tx.tickets.record(ticket.id, "note", ctx.now, actor=author_key, detail=ctx.mask(text))
