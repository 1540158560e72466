"""Events about the platform itself rather than a person: chats migrating, the bot's membership,
and short notices that delete themselves (`Send.delete_after`)."""

from __future__ import annotations

from bot.actions import DELETE_AFTER_TIMER, Delete
from bot.events import BotMembershipChanged, ChatMigrated, Event, TimerFired
from bot.handlers.context import Context, Outcome


async def handle(event: Event, ctx: Context) -> Outcome | None:
    if isinstance(event, ChatMigrated):
        # A Telegram group became a supergroup: its settings and history follow the new id.
        await ctx.tx.chats.migrate(event.address, event.new_chat_id, ctx.now)
        return Outcome.done("chat_migrated")
    if isinstance(event, BotMembershipChanged):
        await ctx.tx.chats.ensure(event.address, event.chat_kind.value, event.chat_title, ctx.now)
        return Outcome.done(f"bot_{event.status}")
    if isinstance(event, TimerFired) and event.timer_kind == DELETE_AFTER_TIMER:
        message_id = str(event.payload.get("message_id", ""))
        if not message_id:
            return Outcome.done("auto_delete")
        return Outcome.done("auto_delete", Delete(address=event.address, message_id=message_id))
    return None
