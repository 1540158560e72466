"""Telling agents when their words did not reach the customer, and falling back when a file cannot go.

The outbox sender reports every final delivery failure as `DeliveryFailed`. For a
message to a customer with a ticket, the agents hear it in the ticket's place:
outside WhatsApp's 24-hour window (and whether a template went instead), a
customer who blocked the bot, or a platform that refused.

Files travel as `Send(media=...)` with a `ticket:<id>:media` ref. When one cannot be
carried (too large to fetch, a kind the other platform refuses, a source platform
not connected), the words still go: to the customer, the agent's caption alone;
to the team, the customer's post with a note that the file could not be shown.
"""

from __future__ import annotations

from bot.actions import Action, Send
from bot.events import DeliveryFailed
from bot.handlers.context import Context, Outcome
from bot.handoff.tickets import is_open, recently_closed, staff_notice
from bot.handoff.workspace import is_staff_chat, parse_ref, post, ref, staff_language

_WORDS_MAY_GO = ("rejected", "unsupported", "gave_up")  # the file failed, not the chat itself


async def on_delivery_failed(event: DeliveryFailed, ctx: Context) -> Outcome | None:
    if event.action_kind != "Send":
        return None
    parsed = parse_ref(event.ref) if event.ref else None
    a_file = parsed is not None and parsed[1] == "media"
    if is_staff_chat(event.address, ctx.settings):
        if a_file and parsed is not None and event.text:
            return _file_not_shown(event, parsed[0], ctx)
        return None
    ticket = await ctx.tx.tickets.latest_for(event.address.chat_key)
    if ticket is None or not (is_open(ticket) or recently_closed(ticket, ctx)):
        return None
    actions: list[Action] = []
    if a_file and event.reason in _WORDS_MAY_GO and event.text:
        # The file could not go (too large, refused, not fetched): the words alone can.
        actions.append(Send(address=event.address, text=event.text))
        text = staff_notice(
            ticket, ctx, "undelivered_media", excerpt=event.text[:80], detail=event.detail[:200] or "–"
        )
        text += "\n" + staff_notice(ticket, ctx, "undelivered_media_words_sent")
        return Outcome.done(f"undelivered_media:{event.reason}", *post(ticket, text), *actions)
    key = f"undelivered_{event.reason}" if event.reason in DeliveryFailed.REASONS else "undelivered_gave_up"
    substitute = event.substitute.removeprefix("template:") if event.substitute else ""
    text = staff_notice(ticket, ctx, key, excerpt=event.text[:80], template=substitute)
    if substitute:
        text += "\n" + staff_notice(ticket, ctx, "undelivered_template_sent", template=substitute)
    return Outcome.done(f"undelivered:{event.reason}", *post(ticket, text))


def _file_not_shown(event: DeliveryFailed, ticket_id: int, ctx: Context) -> Outcome:
    """The customer's post without its file, and why, where the file was meant to appear."""
    note = ctx.t(
        "handoff.media_not_shown", staff_language(ctx.settings), detail=event.detail[:200] or "–"
    )
    words = Send(address=event.address, text=f"{event.text}\n{note}", ref=ref(ticket_id, "msg"))
    return Outcome.done(f"media_not_shown:{event.reason}", words)
