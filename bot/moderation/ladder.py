"""The warning ladder: how many active warnings lead to which sanction, and when they expire.

A warning counts while it is *active*: given less than `expiry` ago and not revoked
(the store knows about revocations; this module only does the arithmetic). The
default ladder mutes for an hour at the third active warning, for a day at the
fourth, and bans at the fifth; written `3:mute 1h, 4:mute 24h, 5:ban`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.moderation.durations import DurationError, format_duration, parse_duration
from bot.moderation.sanctions import Punishment

DEFAULT_WARNING_EXPIRY = timedelta(days=30)
LADDER_EXAMPLE = "3:mute 1h, 4:mute 24h, 5:ban"


class LadderError(ValueError):
    """A ladder that cannot be read; the message shows the expected form."""


@dataclass(frozen=True, slots=True)
class LadderStep:
    """At `warnings` active warnings, apply `punishment` for `duration` (None: for good)."""

    warnings: int
    punishment: Punishment
    duration: timedelta | None = None

    def __str__(self) -> str:
        text = f"{self.warnings}:{self.punishment.value}"
        if self.duration is not None:
            text += " " + format_duration(self.duration)
        return text


DEFAULT_LADDER: tuple[LadderStep, ...] = (
    LadderStep(3, Punishment.MUTE, timedelta(hours=1)),
    LadderStep(4, Punishment.MUTE, timedelta(hours=24)),
    LadderStep(5, Punishment.BAN),
)


def next_step(active_warnings: int, ladder: Sequence[LadderStep]) -> LadderStep | None:
    """The sanction due now that the member has `active_warnings` (this one included).

    The step with the highest threshold not above the count applies, so with the
    default ladder a 6th warning still bans and, with `3:mute 1h, 6:ban`, the 4th and
    5th mute again. None below the first step: the warning alone is enough.
    """
    due = [step for step in ladder if step.warnings <= active_warnings]
    return max(due, key=lambda step: step.warnings) if due else None


def warning_expires_at(given_at: datetime, expiry: timedelta | None) -> datetime | None:
    """When a warning given at `given_at` stops counting (None: never)."""
    return None if expiry is None else given_at + expiry


def is_active(given_at: datetime, now: datetime, expiry: timedelta | None) -> bool:
    """Whether a warning given at `given_at` still counts at `now`."""
    expires = warning_expires_at(given_at, expiry)
    return given_at <= now and (expires is None or now < expires)


def count_active(given_at: Iterable[datetime], now: datetime, expiry: timedelta | None) -> int:
    """How many of the warnings given at these times still count at `now`."""
    return sum(1 for moment in given_at if is_active(moment, now, expiry))


def parse_ladder(text: str) -> tuple[LadderStep, ...]:
    """`"3:mute 1h, 4:mute 24h, 5:ban"` → steps, sorted; `"off"` → no steps.

    Each step is COUNT:mute DURATION, COUNT:kick or COUNT:ban [DURATION]; counts must
    be distinct and at least 1.
    """
    cleaned = text.strip().lower()
    if cleaned in ("off", "none", "-"):
        return ()
    steps: list[LadderStep] = []
    for raw in cleaned.replace(";", ",").split(","):
        if not raw.strip():
            continue
        count_text, sep, action = raw.partition(":")
        words = action.split()
        if not sep or not count_text.strip().isdigit() or not words:
            raise LadderError(f"expected steps like {LADDER_EXAMPLE!r}, got {raw.strip()!r}")
        count = int(count_text)
        name, duration_text = words[0], " ".join(words[1:])
        punishment = {"mute": Punishment.MUTE, "timeout": Punishment.MUTE,
                      "kick": Punishment.KICK, "ban": Punishment.BAN}.get(name)  # fmt: skip
        if punishment is None or count < 1:
            raise LadderError(
                f"a step is COUNT:mute DURATION, COUNT:kick or COUNT:ban, got {raw.strip()!r}"
            )
        duration = None
        if duration_text:
            if punishment is Punishment.KICK:
                raise LadderError(f"kick takes no duration, got {raw.strip()!r}")
            try:
                duration = parse_duration(duration_text)
            except DurationError as error:
                raise LadderError(f"step {raw.strip()!r}: {error}") from None
        elif punishment is Punishment.MUTE:
            raise LadderError(f"mute needs a duration such as 1h, got {raw.strip()!r}")
        steps.append(LadderStep(count, punishment, duration))
    counts = [step.warnings for step in steps]
    if len(set(counts)) != len(counts):
        raise LadderError(f"each warning count may appear once, got {text.strip()!r}")
    if not steps:
        raise LadderError(f"expected steps like {LADDER_EXAMPLE!r} or off, got nothing")
    return tuple(sorted(steps, key=lambda step: step.warnings))


def format_ladder(ladder: Sequence[LadderStep]) -> str:
    return ", ".join(str(step) for step in ladder) if ladder else "off"
