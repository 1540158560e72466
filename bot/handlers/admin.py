"""Commands everyone needs: start, help, language."""

from __future__ import annotations

from bot.actions import Send
from bot.events import Command
from bot.handlers.context import Context, Outcome
from bot.handlers.registry import CommandSpec, refusal_for


async def start(command: Command, ctx: Context) -> Outcome:
    language = await ctx.language_of(command.sender)
    name = command.sender.name if command.sender and command.sender.name else ""
    text = ctx.t("core.welcome", language, name=f" {name}" if name else "")
    return Outcome.done("welcome", Send(address=command.address, text=text))


async def help_command(command: Command, ctx: Context) -> Outcome:
    """/help lists only the commands the asker may run, so it never advertises a refusal."""
    language = await ctx.language_of(command.sender)
    lines = [ctx.t("core.help_header", language)]
    for spec in ctx.commands.specs if ctx.commands else ():
        if await refusal_for(spec, command, ctx) is None:
            usage = f" {spec.usage}" if spec.usage else ""
            lines.append(f"/{spec.name}{usage} — {ctx.t(spec.help_key, language)}")
    return Outcome.done("help", Send(address=command.address, text="\n".join(lines)))


async def set_language(command: Command, ctx: Context) -> Outcome:
    current = await ctx.language_of(command.sender)
    choice = command.args[0].lower() if command.args else ""
    languages = ctx.settings.support.languages
    if choice not in languages or command.sender is None:
        text = ctx.t("core.language_usage", current, choices=", ".join(languages))
        return Outcome.done("language_usage", Send(address=command.address, text=text))
    await ctx.tx.people.touch(command.sender, ctx.now)
    await ctx.tx.people.set_preferred_language(command.sender.platform, command.sender.user_id, choice)
    return Outcome.done("language_set", Send(address=command.address, text=ctx.t("core.language_set", choice)))


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", start, "core.help_start"),
    CommandSpec("help", help_command, "core.help_help", aliases=("bantuan",)),
    CommandSpec("language", set_language, "core.help_language", usage="id|en", aliases=("bahasa",)),
)
