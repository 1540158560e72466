"""What every moderation command body needs: the service, the chat, its settings, a reply.

Kept apart from the bodies so that each family of commands (`commands`, `blocklist`)
can live in its own module without importing the others.
"""

from __future__ import annotations

from bot.actions import Action, Send
from bot.events import Address, Command
from bot.groupmod.service import ChatSetup, ModerationService
from bot.handlers.context import Context, Outcome
from bot.moderation.policy import ModerationPolicy, to_dict


def service_of(ctx: Context) -> ModerationService:
    service = ctx.extras.get("moderation")
    if service is None:  # a Core built by hand without extras: give it its own, once
        service = ctx.extras["moderation"] = ModerationService()
    return service


def chat_of(address: Address) -> Address:
    """The chat itself: settings and cases belong to the chat, not to one of its threads."""
    return Address(address.platform, address.chat_id)


def reply(command: Command, text: str, label: str, *more: Action) -> Outcome:
    return Outcome.done(label, Send(address=command.address, text=text), *more)


async def language_of(command: Command, ctx: Context) -> str:
    return await ctx.language_of(command.sender)


async def setup_of(command: Command, ctx: Context) -> ChatSetup:
    return await service_of(ctx).setup(ctx.tx, chat_of(command.address), ctx.now)


async def save_policy(command: Command, ctx: Context, policy: ModerationPolicy) -> None:
    """Store the chat's new policy and drop this process's cached copy (others revalidate)."""
    assert command.sender is not None
    chat = chat_of(command.address)
    await ctx.tx.moderation.save_settings(chat, ctx.now, command.sender.key, policy=to_dict(policy))
    service_of(ctx).forget(chat)
