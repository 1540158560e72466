"""What the policy prescribes for a violation: delete the message, warn, mute, kick, ban.

Written and read as short text so that settings and storage share one spelling:
`delete`, `warn`, `delete+warn`, `mute 1h`, `delete+mute 10m`, `kick`, `ban`,
`ban 7d`, `log` (report to the log chat only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.moderation.durations import DurationError, format_duration, parse_duration


class Punishment(StrEnum):
    NONE = "none"
    WARN = "warn"
    MUTE = "mute"
    KICK = "kick"
    BAN = "ban"


_SEVERITY = {Punishment.NONE: 0, Punishment.WARN: 2, Punishment.MUTE: 3, Punishment.KICK: 4,
             Punishment.BAN: 5}  # fmt: skip

ACTION_EXAMPLES = "delete, warn, delete+warn, mute 1h, delete+mute 10m, kick, ban, ban 7d or log"


class SanctionError(ValueError):
    """An action that cannot be read; the message lists the accepted forms."""


@dataclass(frozen=True, slots=True)
class RuleAction:
    """Delete the offending message or not, and what happens to its sender.

    `duration` applies to mute and ban (None: until lifted / for good). An action
    that neither deletes nor punishes only reports (`log`).
    """

    delete: bool = True
    punishment: Punishment = Punishment.NONE
    duration: timedelta | None = None

    @classmethod
    def parse(cls, text: str) -> RuleAction:
        """`"delete+mute 10m"` → RuleAction(delete=True, MUTE, 10 minutes)."""
        words = text.strip().lower().replace(" + ", "+").split()
        if not words:
            raise SanctionError(f"expected an action such as {ACTION_EXAMPLES}, got nothing")
        head, rest = words[0], " ".join(words[1:])
        delete = False
        parts = head.split("+")
        if parts[0] in ("delete", "del", "hapus"):
            delete, parts = True, parts[1:]
        if len(parts) > 1 or (parts and parts[0] in ("delete", "del", "hapus")):
            raise SanctionError(f"expected an action such as {ACTION_EXAMPLES}, got {text!r}")
        name = parts[0] if parts else ("log" if not delete else "none")
        if name == "log" and not delete:
            return cls(delete=False)
        aliases = {"none": Punishment.NONE, "warn": Punishment.WARN, "mute": Punishment.MUTE,
                   "timeout": Punishment.MUTE, "kick": Punishment.KICK,
                   "ban": Punishment.BAN}  # fmt: skip
        if name not in aliases:
            raise SanctionError(f"expected an action such as {ACTION_EXAMPLES}, got {text!r}")
        punishment = aliases[name]
        duration = None
        if rest:
            if punishment not in (Punishment.MUTE, Punishment.BAN):
                raise SanctionError(f"only mute and ban take a duration, got {text!r}")
            try:
                duration = parse_duration(rest)
            except DurationError as error:
                raise SanctionError(f"{name}: {error}") from None
        return cls(delete=delete, punishment=punishment, duration=duration)

    @property
    def severity(self) -> tuple[int, float, int]:
        """Orders actions from lightest to heaviest: a ban outranks a mute, a long mute a
        short one."""
        lasting = float("inf") if self.duration is None else self.duration.total_seconds()
        return (_SEVERITY[self.punishment], lasting, int(self.delete))

    def __str__(self) -> str:
        if self.punishment is Punishment.NONE:
            return "delete" if self.delete else "log"
        text = ("delete+" if self.delete else "") + self.punishment.value
        if self.duration is not None:
            text += " " + format_duration(self.duration)
        return text
