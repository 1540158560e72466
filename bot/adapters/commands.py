"""The bot's commands as platforms register them (Telegram's menu, Discord's slash commands).

Who may run a command is decided by the core (`CommandSpec.role`/`rights`), never
by the platform. What the platforms get here is only a description and an
audience, so that the menus show a customer only customer commands and hide staff
commands from members by default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.events import Right
from bot.handlers.registry import CommandSpec
from bot.i18n import Translator
from bot.roles import Role


class Audience(StrEnum):
    EVERYONE = "everyone"
    STAFF = "staff"  # agents and above
    MODERATORS = "moderators"  # moderation commands
    ADMINS = "admins"  # owners and supervisors, chat settings


@dataclass(frozen=True, slots=True)
class CommandInfo:
    name: str
    descriptions: Mapping[str, str]  # language -> one line
    audience: Audience = Audience.EVERYONE
    usage: str = ""

    def description(self, language: str) -> str:
        return self.descriptions.get(language) or next(iter(self.descriptions.values()), self.name)


_MODERATION_RIGHTS = frozenset({Right.BAN_MEMBERS, Right.RESTRICT_MEMBERS, Right.DELETE_MESSAGES})


def audience_of(spec: CommandSpec) -> Audience:
    if spec.role in (Role.OWNER, Role.SUPERVISOR) or Right.ADMIN in spec.rights or Right.MANAGE_CHAT in spec.rights:
        return Audience.ADMINS
    if spec.role is Role.MODERATOR or spec.rights & _MODERATION_RIGHTS:
        return Audience.MODERATORS
    if spec.role is Role.AGENT:
        return Audience.STAFF
    return Audience.EVERYONE


def command_catalog(
    specs: Iterable[CommandSpec], texts: Translator, languages: Sequence[str]
) -> tuple[CommandInfo, ...]:
    """One `CommandInfo` per command (aliases are not registered: menus stay short)."""
    catalog = []
    for spec in specs:
        descriptions = {language: texts(spec.help_key, language) for language in languages}
        catalog.append(CommandInfo(spec.name, descriptions, audience_of(spec), spec.usage))
    return tuple(catalog)
