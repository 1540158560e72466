"""Events about the platform itself rather than a person: chats migrating, the bot's membership,
short notices that delete themselves (`Send.delete_after`), and a platform whose sending paused."""

from __future__ import annotations

from bot.actions import DELETE_AFTER_TIMER, Action, Delete, Send
from bot.events import Address, BotMembershipChanged, ChatMigrated, Event, Person, SendingPaused, TimerFired
from bot.handlers.context import Context, Outcome
from bot.handoff.card import platform_name
from bot.roles import Role


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
    if isinstance(event, SendingPaused):
        return await _tell_owners(event, ctx)
    return None


async def _tell_owners(event: SendingPaused, ctx: Context) -> Outcome:
    """Owners hear of a paused platform on the platforms that still send (never the paused one)."""
    paused = event.address.platform
    owners = {f"{row.platform}:{row.user_id}" for row in await ctx.tx.roles.holders(Role.OWNER)}
    owners |= set(ctx.settings.owners)
    key = "core.sending_resumed" if event.resumed else "core.sending_paused"
    actions: list[Action] = []
    for owner in sorted(owners):
        platform, _, user_id = owner.partition(":")
        if platform in (paused, "console") or not user_id:
            continue
        language = await ctx.language_of(Person(platform, user_id))
        text = ctx.t(key, language, platform=platform_name(paused), name=paused, detail=event.detail[:200])
        actions.append(Send(address=Address(platform, user_id), text=text))
    return Outcome.done("sending_resumed" if event.resumed else "sending_paused", *actions)
