"""Helpers for talking with a customer in a private chat: replies that land in the transcript."""

from __future__ import annotations

from typing import Any

from bot.actions import Button, Send
from bot.events import Address, Event
from bot.handlers.context import Context


def person_key_of(event: Event) -> str:
    return event.sender.key if event.sender else event.address.chat_key


async def record_incoming(
    event: Event,
    ctx: Context,
    text: str,
    *,
    outcome: str | None = None,
    ticket_id: int | None = None,
    attachment: dict[str, Any] | None = None,
) -> None:
    """What the customer of `event` said, masked, on their transcript (with its files, if any)."""
    await ctx.tx.transcripts.add(
        chat_key=event.address.chat_key,
        person_key=person_key_of(event),
        direction="in",
        author="customer",
        author_key=person_key_of(event),
        text=ctx.mask(text),
        at=ctx.now,
        outcome=outcome,
        ticket_id=ticket_id,
        attachment=attachment,
    )


async def reply(
    event: Event,
    ctx: Context,
    text: str,
    *,
    buttons: tuple[Button, ...] = (),
    entry_id: str | None = None,
    author: str = "bot",
    author_key: str | None = None,
    ticket_id: int | None = None,
    address: Address | None = None,
) -> Send:
    """A message to the customer of `event`, also written to their transcript."""
    await ctx.tx.transcripts.add(
        chat_key=(address or event.address).chat_key,
        person_key=person_key_of(event),
        direction="out",
        author=author,
        author_key=author_key,
        # The bot's own words come from the SOP and the catalogue: only people's words need masking.
        text=text if author == "bot" else ctx.mask(text),
        at=ctx.now,
        sop_entry_id=entry_id,
        ticket_id=ticket_id,
    )
    return Send(address=address or event.address, text=text, buttons=buttons)
