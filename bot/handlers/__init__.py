"""The pipeline: every event walks these handlers in order until one stops it.

Reading this file tells you everything that can happen to a message:

1. `system`      chat migrations, the bot's own membership;
2. `moderation`  group messages judged by the chat's rules, new members' captcha,
                 moderation timers (mute and ban ends, captcha timeouts);
3. `handoff`     a customer's conversation owned by a human, agents relaying in the staff chat;
4. `commands`    /commands from every capability, with the role each needs;
5. `support`     answers from the SOP in private chats;
6. `fallback`    a private message nobody took still gets an answer.
"""

from __future__ import annotations

from bot.handlers import admin, fallback, handoff, moderation, sop_admin, support, system
from bot.handlers.commands import CommandDispatcher
from bot.handlers.context import Handler, Preparer
from bot.handlers.registry import CommandSpec, CommandTable

COMMANDS: tuple[CommandSpec, ...] = (
    admin.COMMANDS + sop_admin.COMMANDS + handoff.COMMANDS + moderation.COMMANDS
)


PREPARERS: tuple[Preparer, ...] = (moderation.prepare, support.prepare)
"""Steps that read, before a batch is walked, what its events will need (one query, not one each)."""


def build_pipeline(commands: CommandTable) -> tuple[Handler, ...]:
    return (
        system.handle,
        moderation.handle,
        handoff.handle,
        CommandDispatcher(commands),
        support.handle,
        fallback.handle,
    )
