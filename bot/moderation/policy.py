"""A chat's moderation policy: which rules are on, their thresholds and what they do.

`ModerationPolicy()` is a sensible default for an Indonesian or English community:
banned words (profanity, insults, slurs, hate; not the mild words), invites to other
groups, links from members who joined within the last hour, flood, repeated messages
and mention spam are on; links in general and shouting are off (many groups share
links, and older members type in capitals). The policy is stored as JSON
(`to_dict`/`from_dict`) and changed by admins with `settings ...` (see `settings`).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.moderation.durations import format_duration, parse_duration
from bot.moderation.ladder import (
    DEFAULT_LADDER,
    DEFAULT_WARNING_EXPIRY,
    LadderStep,
    format_ladder,
    parse_ladder,
)
from bot.moderation.sanctions import Punishment, RuleAction

POLICY_VERSION = 1
DEFAULT_CATEGORIES: frozenset[str] = frozenset({"profanity", "insult", "slur", "hate"})

DELETE = RuleAction(delete=True)
DELETE_AND_WARN = RuleAction(delete=True, punishment=Punishment.WARN)
MUTE_10_MINUTES = RuleAction(
    delete=False, punishment=Punishment.MUTE, duration=timedelta(minutes=10)
)


@dataclass(frozen=True, slots=True)
class WordsRule:
    """Banned words: the default lists' `categories` plus the chat's own changes."""

    enabled: bool = True
    action: RuleAction = DELETE_AND_WARN
    categories: frozenset[str] = DEFAULT_CATEGORIES
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LinksRule:
    """Any link outside `allow` (domains, subdomains included, or link prefixes)."""

    enabled: bool = False
    action: RuleAction = DELETE
    allow: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InvitesRule:
    """Invites into other Telegram groups, Discord servers and WhatsApp groups."""

    enabled: bool = True
    action: RuleAction = DELETE_AND_WARN


@dataclass(frozen=True, slots=True)
class NewcomerLinksRule:
    """Links from members who joined less than `within` ago: the classic spam-bot pattern."""

    enabled: bool = True
    action: RuleAction = DELETE
    within: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FloodRule:
    """`count` messages or more within `window` from one sender."""

    enabled: bool = True
    action: RuleAction = MUTE_10_MINUTES
    count: int = 8
    window: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class RepeatRule:
    """The same text `count` times or more within `window` from one sender."""

    enabled: bool = True
    action: RuleAction = DELETE
    count: int = 3
    window: timedelta = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class MentionsRule:
    """`count` mentions or more in one message."""

    enabled: bool = True
    action: RuleAction = DELETE_AND_WARN
    count: int = 5


@dataclass(frozen=True, slots=True)
class CapsRule:
    """Shouting: at least `ratio` of the letters in capitals, once there are `min_letters`."""

    enabled: bool = False
    action: RuleAction = DELETE
    ratio: float = 0.7
    min_letters: int = 12


@dataclass(frozen=True, slots=True)
class ModerationPolicy:
    """Everything a chat decided about moderation. Frozen and hashable: cache by it."""

    words: WordsRule = field(default_factory=WordsRule)
    invites: InvitesRule = field(default_factory=InvitesRule)
    links: LinksRule = field(default_factory=LinksRule)
    newcomer_links: NewcomerLinksRule = field(default_factory=NewcomerLinksRule)
    mentions: MentionsRule = field(default_factory=MentionsRule)
    flood: FloodRule = field(default_factory=FloodRule)
    repeat: RepeatRule = field(default_factory=RepeatRule)
    caps: CapsRule = field(default_factory=CapsRule)
    warn_ladder: tuple[LadderStep, ...] = DEFAULT_LADDER
    warning_expiry: timedelta | None = DEFAULT_WARNING_EXPIRY
    dry_run: bool = False
    log_chat: str | None = None
    captcha: bool = False
    captcha_timeout: timedelta = timedelta(minutes=5)
    exempt_admins: bool = True
    exempt_bots: bool = True

    def action_for(self, rule: str) -> RuleAction:
        """The action configured for the rule named `rule` (a field name above)."""
        settings = getattr(self, rule)
        action: RuleAction = settings.action
        return action


RULE_NAMES: tuple[str, ...] = (
    "words", "invites", "links", "newcomer_links", "mentions", "flood", "repeat", "caps",
)  # fmt: skip


# ---------------------------------------------------------------------------------------
# JSON form


def to_dict(policy: ModerationPolicy) -> dict[str, Any]:
    """A JSON-safe dict; `from_dict(to_dict(p)) == p`."""
    result: dict[str, Any] = {"version": POLICY_VERSION}
    result.update(_encode_dataclass(policy))
    return result


def from_dict(data: Mapping[str, Any]) -> ModerationPolicy:
    """The policy stored by `to_dict`. Missing keys take defaults; unknown keys are ignored,
    so policies stored by older or newer versions still load. Raises ValueError naming the
    key for a value of the wrong shape.
    """
    return _decode_dataclass(ModerationPolicy, data, "")


def _encode_dataclass(obj: Any) -> dict[str, Any]:
    return {f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def _encode(value: Any) -> Any:
    if isinstance(value, RuleAction):  # before the dataclass case: stored as its spelling
        return str(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple) and value and isinstance(value[0], LadderStep):
        return format_ladder(value)
    if isinstance(value, tuple):
        return list(value)
    if dataclasses.is_dataclass(value):
        return _encode_dataclass(value)
    return value


_T = typing.TypeVar("_T")


class _BadField(ValueError):
    """A stored value of the wrong shape; the message starts with the dotted key."""


def _decode_dataclass(cls: type[_T], data: Mapping[str, Any], path: str) -> _T:
    if not isinstance(data, Mapping):
        if not path:
            raise _BadField("policy: expected an object")
        raise ValueError("expected an object")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            values[f.name] = _decode(hints[f.name], data[f.name], f"{path}{f.name}")
    return cls(**values)


def _decode(hint: Any, raw: Any, path: str) -> Any:
    try:
        if hint is RuleAction:
            return RuleAction.parse(str(raw))
        if dataclasses.is_dataclass(hint):
            return _decode_dataclass(hint, raw, path + ".")  # type: ignore[arg-type]
        if hint == tuple[LadderStep, ...]:
            return parse_ladder(str(raw))
        if hint == (timedelta | None):
            return None if raw is None else parse_duration(str(raw))
        if hint is timedelta:
            return parse_duration(str(raw))
        if hint == (str | None):
            return None if raw is None else str(raw)
        if hint == frozenset[str]:
            return frozenset(str(item) for item in _as_list(raw))
        if hint == tuple[str, ...]:
            return tuple(str(item) for item in _as_list(raw))
        if hint is bool:
            if not isinstance(raw, bool):
                raise ValueError("expected true or false")
            return raw
        if hint is int:
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise ValueError("expected a whole number")
            return raw
        if hint is float:
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise ValueError("expected a number")
            return float(raw)
    except _BadField:
        raise
    except ValueError as error:
        raise _BadField(f"{path}: {error}") from None
    raise ValueError(f"{path}: unsupported setting type {hint!r}")


def _as_list(raw: Any) -> list[Any]:
    if not isinstance(raw, list | tuple):
        raise ValueError("expected a list")
    return list(raw)
