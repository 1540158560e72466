"""Telling agents when their words did not reach the customer.

The outbox sender reports every final delivery failure as `DeliveryFailed`. For a
message to a customer with a ticket, the agents hear it in the ticket's place:
outside WhatsApp's 24-hour window (and whether a template went instead), a
customer who blocked the bot, or a platform that refused.
"""

from __future__ import annotations

from bot.events import DeliveryFailed
from bot.handlers.context import Context, Outcome
from bot.handoff.tickets import is_open, recently_closed, staff_notice
from bot.handoff.workspace import is_staff_chat, post


async def on_delivery_failed(event: DeliveryFailed, ctx: Context) -> Outcome | None:
    if event.action_kind != "Send" or is_staff_chat(event.address, ctx.settings):
        return None
    ticket = await ctx.tx.tickets.latest_for(event.address.chat_key)
    if ticket is None or not (is_open(ticket) or recently_closed(ticket, ctx)):
        return None
    key = f"undelivered_{event.reason}" if event.reason in DeliveryFailed.REASONS else "undelivered_gave_up"
    substitute = event.substitute.removeprefix("template:") if event.substitute else ""
    text = staff_notice(ticket, ctx, key, excerpt=event.text[:80], template=substitute)
    if substitute:
        text += "\n" + staff_notice(ticket, ctx, "undelivered_template_sent", template=substitute)
    return Outcome.done(f"undelivered:{event.reason}", *post(ticket, text))
