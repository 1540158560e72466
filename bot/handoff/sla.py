"""The first-response target: a timer per ticket, and one alert to supervisors when it passes.

The target counts working time only (a ticket opened at 22:00 is due shortly after
the team starts in the morning). The timer lives in the database and is fired by the
sweep on any worker, exactly once; the alert is also recorded on the ticket, so even
a timer moved by a reopen never alerts twice.
"""

from __future__ import annotations

from datetime import timedelta

from bot.actions import Send
from bot.events import TimerFired
from bot.handlers.context import Context, Outcome
from bot.handoff.card import platform_name
from bot.handoff.hours import add_business_time
from bot.handoff.lifecycle import OPEN_STATUSES, Status
from bot.handoff.workspace import (
    business_hours,
    customer_label,
    name_staff,
    ref,
    staff_language,
    staff_root,
)
from bot.roles import Role
from bot.storage.models import Ticket

FIRST_RESPONSE = "handoff.first_response"


async def schedule(ticket: Ticket, ctx: Context) -> None:
    target = timedelta(minutes=ctx.settings.handoff.first_response_minutes)
    due = add_business_time(ticket.opened_at, target, business_hours(ctx.settings))
    ticket.sla_due_at = due
    await ctx.tx.timers.schedule(
        FIRST_RESPONSE, ref(ticket.id), due, staff_root(ticket), {"ticket": ticket.id}
    )


async def cancel(ticket: Ticket, ctx: Context) -> None:
    await ctx.tx.timers.cancel(FIRST_RESPONSE, ref(ticket.id))


async def supervisors(ctx: Context) -> list[str]:
    keys = {f"{row.platform}:{row.user_id}" for row in await ctx.tx.roles.holders(Role.SUPERVISOR)}
    keys |= {f"{row.platform}:{row.user_id}" for row in await ctx.tx.roles.holders(Role.OWNER)}
    keys |= set(ctx.settings.owners)
    return sorted(keys)


async def on_fired(event: TimerFired, ctx: Context) -> Outcome:
    ticket = await ctx.tx.tickets.get(int(event.payload.get("ticket", 0)))
    if (
        ticket is None
        or Status(ticket.status) not in OPEN_STATUSES
        or ticket.first_response_at is not None
        or ticket.sla_breached_at is not None
    ):
        return Outcome.done("sla_met")
    ticket.sla_breached_at = ctx.now
    await ctx.tx.tickets.record(ticket.id, "sla_breached", ctx.now, actor=None, detail=None)
    staff = staff_root(ticket)
    named = await name_staff(ctx, await supervisors(ctx), platform=staff.platform, role="supervisor")
    waited = max(1, round((ctx.now - ticket.opened_at).total_seconds() / 60))
    language = staff_language(ctx.settings)
    text = ctx.t(
        "handoff.sla_alert",
        language,
        id=ticket.id,
        customer=customer_label(ticket),
        platform=platform_name(ticket.customer_platform),
        minutes=waited,
        target=ctx.settings.handoff.first_response_minutes,
    )
    if named.text:
        text += "\n" + ctx.t("handoff.sla_alert_supervisors", language, mentions=named.text)
    reply_to = ticket.card_message_id if ticket.workspace == "card" else None
    alert = Send(
        address=staff,
        text=text,
        reply_to=reply_to,
        ref=ref(ticket.id, "alert"),
        mentions=named.mentions_in(text),
    )
    return Outcome.done("sla_breached", alert)
