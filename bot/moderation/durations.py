"""Durations as people type them: `30s`, `10m`, `1h`, `2d`, `1w`, `1h30m`, `2 hari`.

Used by settings (`flood 5/10s`, `warn.expiry 30d`), sanctions (`mute 1h`) and the
warning ladder. Errors say what was expected, in words a chat admin understands.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNIT_SECONDS: dict[str, int] = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "detik": 1, "dtk": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "menit": 60, "mnt": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "jam": 3600,
    "d": 86400, "day": 86400, "days": 86400, "hari": 86400,
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800, "minggu": 604800,
}  # fmt: skip
_PART_RE = re.compile(r"\s*(\d{1,9})\s*([a-z.]+)", re.IGNORECASE)
_MAX = timedelta(days=3650)
_FORMAT_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))

DURATION_EXAMPLES = "30s, 10m, 1h, 2d or 1w"


class DurationError(ValueError):
    """A duration that cannot be read; the message says what was expected."""


def parse_duration(text: str) -> timedelta:
    """`"10m"` → 10 minutes. Units s/m/h/d/w (and Indonesian detik/menit/jam/hari/minggu).

    Parts may be combined (`1h30m`). Zero, negative, unit-less and over-ten-year
    durations are refused with a DurationError naming the accepted forms.
    """
    cleaned = text.strip().lower()
    position, seconds = 0, 0
    if not cleaned:
        raise DurationError(f"expected a duration such as {DURATION_EXAMPLES}, got nothing")
    while position < len(cleaned):
        match = _PART_RE.match(cleaned, position)
        if match is None or match.group(2) not in _UNIT_SECONDS:
            raise DurationError(
                f"expected a duration such as {DURATION_EXAMPLES}, got {text.strip()!r}"
            )
        seconds += int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
        while position < len(cleaned) and cleaned[position] in " ,":
            position += 1
    if seconds <= 0:
        raise DurationError(f"a duration must be longer than zero, got {text.strip()!r}")
    if seconds > _MAX.total_seconds():
        raise DurationError(f"a duration can be at most 10 years (520w), got {text.strip()!r}")
    return timedelta(seconds=seconds)


def format_duration(duration: timedelta) -> str:
    """A spelling `parse_duration` reads back: 90 minutes → `1h30m`, 30 days → `30d`,
    14 days → `2w`."""
    seconds = int(duration.total_seconds())
    if seconds <= 0:
        return "0s"
    if seconds % _FORMAT_UNITS[0][1] == 0:
        return f"{seconds // _FORMAT_UNITS[0][1]}w"
    parts = []
    for unit, size in _FORMAT_UNITS[1:]:
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(f"{count}{unit}")
    return "".join(parts)
