"""The pipeline: every event walks these handlers in order until one stops it.

Reading this file tells you everything that can happen to a message:

1. `system`      chat migrations, the bot's own membership;
2. `handoff`     a customer's conversation owned by a human, agents relaying in the staff chat;
3. `commands`    /commands from every capability, with the role each needs;
4. `support`     answers from the SOP in private chats;
5. `fallback`    a private message nobody took still gets an answer.
"""

from __future__ import annotations

from bot.handlers import admin, fallback, handoff, sop_admin, support, system
from bot.handlers.commands import CommandDispatcher
from bot.handlers.context import Handler
from bot.handlers.registry import CommandSpec, CommandTable

COMMANDS: tuple[CommandSpec, ...] = admin.COMMANDS + sop_admin.COMMANDS + handoff.COMMANDS


def build_pipeline(commands: CommandTable) -> tuple[Handler, ...]:
    return (
        system.handle,
        handoff.handle,
        CommandDispatcher(commands),
        support.handle,
        fallback.handle,
    )
