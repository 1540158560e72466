"""Staff roles and what each may do.

An owner may do everything; a supervisor everything an agent may; moderators
moderate groups. Platform chat admins count as moderators in their own chat
(the moderation handler checks platform rights separately).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    MODERATOR = "moderator"


# Which roles satisfy a requirement: the requirement itself and the roles above it.
_SATISFIED_BY: dict[Role, frozenset[Role]] = {
    Role.OWNER: frozenset({Role.OWNER}),
    Role.SUPERVISOR: frozenset({Role.OWNER, Role.SUPERVISOR}),
    Role.AGENT: frozenset({Role.OWNER, Role.SUPERVISOR, Role.AGENT}),
    Role.MODERATOR: frozenset({Role.OWNER, Role.SUPERVISOR, Role.MODERATOR}),
}


def has_role(held: Iterable[Role], required: Role) -> bool:
    return not _SATISFIED_BY[required].isdisjoint(held)


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise ValueError(f"unknown role {text!r}; expected one of: {choices}") from None
