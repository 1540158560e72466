"""The command step of the pipeline: find the command, check who may run it, run it."""

from __future__ import annotations

from bot.actions import Send
from bot.events import ChatKind, Command, Event
from bot.handlers.context import Context, Outcome
from bot.handlers.registry import CommandTable, refusal_for


class CommandDispatcher:
    def __init__(self, table: CommandTable) -> None:
        self.table = table

    async def __call__(self, event: Event, ctx: Context) -> Outcome | None:
        if not isinstance(event, Command):
            return None
        spec = self.table.get(event.name)
        language = await ctx.language_of(event.sender)
        if spec is None:
            if event.chat_kind is not ChatKind.PRIVATE:
                return Outcome.done("unknown_command")  # likely meant for another bot in the group
            text = ctx.t("core.unknown_command", language, command=event.name)
            return Outcome.done("unknown_command", Send(address=event.address, text=text))
        refusal = await refusal_for(spec, event, ctx)
        if refusal is not None:
            text = ctx.t(refusal.key, language, **refusal.params)
            return Outcome.done(f"refused:{spec.name}", Send(address=event.address, text=text))
        outcome = await spec.run(event, ctx)
        if not outcome.label:
            outcome.label = f"command:{spec.name}"
        return outcome
