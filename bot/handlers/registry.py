"""Commands as data: each declares who may run it and where, beside its body.

Capabilities export a tuple of `CommandSpec`; `handlers/__init__.py` joins them
into one `CommandTable`. Permission checks happen here, before a command runs,
so a command body never has to remember to check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.events import ChatKind, Command, Right
from bot.handlers.context import Context, Outcome
from bot.roles import Role, has_role


class Scope(StrEnum):
    ANYWHERE = "anywhere"
    PRIVATE = "private"  # only in a private chat with the bot
    GROUP = "group"  # only in a group


CommandBody = Callable[[Command, Context], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command: its name, body, help text key and who may run it.

    `role` is the staff role required (None: anyone). `rights` are platform rights
    that permit the command too, all of them required (a Telegram chat admin with the
    right to ban may /ban without a staff role).
    """

    name: str
    run: CommandBody
    help_key: str
    role: Role | None = None
    rights: frozenset[Right] = frozenset()
    scope: Scope = Scope.ANYWHERE
    aliases: tuple[str, ...] = ()
    usage: str = ""


@dataclass(frozen=True, slots=True)
class Refusal:
    key: str  # i18n key
    params: dict[str, str]


class CommandTable:
    def __init__(self, specs: Iterable[CommandSpec]) -> None:
        self._by_name: dict[str, CommandSpec] = {}
        for spec in specs:
            for name in (spec.name, *spec.aliases):
                if name in self._by_name:
                    raise ValueError(f"command /{name} is declared twice")
                self._by_name[name] = spec
        self.specs = tuple(dict.fromkeys(self._by_name.values()))

    def get(self, name: str) -> CommandSpec | None:
        return self._by_name.get(name.lower())

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._by_name


async def refusal_for(spec: CommandSpec, command: Command, ctx: Context) -> Refusal | None:
    """Why the sender may not run `spec` here, or None when they may."""
    if spec.scope is Scope.PRIVATE and command.chat_kind is not ChatKind.PRIVATE:
        return Refusal("core.refuse_private_only", {"command": spec.name})
    if spec.scope is Scope.GROUP and command.chat_kind is ChatKind.PRIVATE:
        return Refusal("core.refuse_group_only", {"command": spec.name})
    if spec.role is None:
        return None
    roles = await ctx.roles_of(command.sender)
    if has_role(roles, spec.role):
        return None
    rights = command.sender_rights or frozenset()
    if spec.rights and command.chat_kind is ChatKind.GROUP and spec.rights <= rights:
        return None
    if spec.rights:
        needed = ", ".join(sorted(right.value for right in spec.rights))
        return Refusal("core.refuse_role_or_rights", {"role": spec.role.value, "rights": needed})
    return Refusal("core.refuse_role", {"role": spec.role.value})
