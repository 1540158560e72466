"""A customer's right to be forgotten, and the retention period for transcripts.

`/forgetme` asks for confirmation with buttons, then erases: an open ticket is
closed (the workspace is told, without the customer's name), and the person's
messages and personal data go, keeping only anonymous counts for the reports
(see `bot.storage.privacy`). Staff can do the same with `bot privacy forget`.

The goodbye ("your data is erased") still has to reach them, so it is the one
thing left at their address; it carries the ref `privacy:farewell`, and once it is
delivered (or has failed for good) `on_farewell` removes it and what delivering it
left behind (the WhatsApp contact row, delivery statuses).
The housekeeping run purges transcripts older than `privacy.transcript_retention_days`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.actions import Action, Button, Send
from bot.config import Settings
from bot.events import ButtonPressed, Command, Delivered, DeliveryFailed
from bot.handlers.context import Context, Outcome
from bot.handoff import tickets
from bot.storage import Tx
from bot.storage.privacy import Erasure

PREFIX = "privacy:forget:"
CONFIRM = f"{PREFIX}yes"
CANCEL = f"{PREFIX}no"
FAREWELL = "privacy:farewell"


async def forgetme(command: Command, ctx: Context) -> Outcome:
    language = await ctx.language_of(command.sender)
    buttons = (
        Button(ctx.t("handoff.forget_confirm_button", language), CONFIRM),
        Button(ctx.t("handoff.forget_cancel_button", language), CANCEL),
    )
    text = ctx.t("handoff.forget_confirm", language)
    return Outcome.done("forget_asked", Send(address=command.address, text=text, buttons=buttons))


async def on_press(event: ButtonPressed, ctx: Context) -> Outcome:
    language = await ctx.language_of(event.sender)
    if event.data != CONFIRM or event.sender is None:
        return Outcome.done(
            "forget_cancelled",
            Send(address=event.address, text=ctx.t("handoff.forget_cancelled", language)),
        )
    _, actions = await erase(
        ctx, event.sender.platform, event.sender.user_id, by=event.sender.key, farewell=True
    )
    # Not written to the transcript: there is no transcript of this person any more.
    done = Send(address=event.address, text=ctx.t("handoff.forget_done", language), ref=FAREWELL)
    return Outcome.done("forgotten", done, *actions)


async def erase(
    ctx: Context, platform: str, user_id: str, *, by: str, farewell: bool = False
) -> tuple[Erasure, list[Action]]:
    """Close the person's open ticket quietly, then erase their data; returns counts and staff notices.

    `farewell`: a goodbye will be sent to them, so what sending needs (the WhatsApp
    window) stays until `on_farewell`.
    """
    actions: list[Action] = []
    open_ticket = await ctx.tx.tickets.active_for(f"{platform}:{user_id}")
    if open_ticket is not None:
        closed = await tickets.close(
            open_ticket, ctx, actor=by, reason="erased on request", tell_customer=False
        )
        if isinstance(closed, list):
            actions.extend(closed)
    erasure = await ctx.tx.privacy.erase_person(platform, user_id, ctx.now, keep_contact=farewell)
    return erasure, actions


def is_farewell(event: Delivered | DeliveryFailed) -> bool:
    return event.ref == FAREWELL


async def on_farewell(event: Delivered | DeliveryFailed, ctx: Context) -> Outcome:
    """The goodbye went (or never will): remove it and the traces its delivery left."""
    if isinstance(event, DeliveryFailed):
        update = event.cause
    else:
        update = event.update_id.removeprefix("outbox:").removesuffix(":delivered").rpartition("#")[0]
    await ctx.tx.privacy.finish_erasure(event.address.platform, event.address.chat_id, update)
    return Outcome.done("farewell_cleared")


async def purge_expired(tx: Tx, settings: Settings, now: datetime) -> int:
    """Delete transcripts older than the retention period (nothing when none is configured)."""
    days = settings.privacy.transcript_retention_days
    if days is None:
        return 0
    return await tx.privacy.purge_before(now - timedelta(days=days))
