"""The last step: a person who wrote to the bot privately always gets an answer.

Reaching here means no capability took the event; silence would look like a
broken bot, so the person hears that we did not understand (or that a button
has expired) instead.
"""

from __future__ import annotations

from bot.actions import Send
from bot.events import ButtonPressed, ChatKind, Event, Message
from bot.handlers.context import Context, Outcome


async def handle(event: Event, ctx: Context) -> Outcome | None:
    if event.chat_kind is not ChatKind.PRIVATE or event.sender is None or event.sender.is_bot:
        return None
    if isinstance(event, ButtonPressed):
        key = "core.button_expired"
    elif isinstance(event, Message) and not event.edited:
        key = "core.not_understood"
    else:
        return None
    language = await ctx.language_of(event.sender)
    return Outcome.done("fallback", Send(address=event.address, text=ctx.t(key, language)))
