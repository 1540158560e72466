"""Text helpers every adapter needs: splitting long replies, reading `/commands`, finding links."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?=\s|$)")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'`]+")
_TRAILING_PUNCTUATION = ".,;:!?)]}\"'"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Cut `text` into pieces of at most `limit` (by `measure`), at the gentlest place possible.

    Prefers a blank line, then a line break, then the end of a sentence, then a
    space, in the second half of the piece; only a single word longer than the
    limit is cut mid-word. Pieces never start or end with whitespace.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if measure(rest) <= limit:
            pieces.append(rest)
            break
        fit = _longest_prefix(rest, limit, measure)
        cut = _gentle_cut(rest[:fit])
        piece = rest[:cut].rstrip()
        if not piece:  # only whitespace fitted: cut hard
            piece, cut = rest[:fit], fit
        pieces.append(piece)
        rest = rest[cut:].lstrip()
    return pieces


def _longest_prefix(text: str, limit: int, measure: Callable[[str], int]) -> int:
    if measure is len:
        return min(limit, len(text))
    low, high = 1, len(text)
    while low < high:  # largest n with measure(text[:n]) <= limit
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _gentle_cut(prefix: str) -> int:
    half = len(prefix) // 2
    for separator in ("\n\n", "\n", ". ", "! ", "? ", " "):
        position = prefix.rfind(separator)
        if position >= half:
            return position + len(separator.rstrip(" ")) if separator.endswith(" ") else position
    return len(prefix)


@dataclass(frozen=True, slots=True)
class CommandText:
    """`/name@addressee args` as typed; `addressee` is a bot username or None."""

    name: str
    addressee: str | None
    args: tuple[str, ...]


def parse_command(text: str) -> CommandText | None:
    """Read a typed command, or None when the text is not one (`/ halo`, `//`, a path like `/a/b`)."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    rest = text.strip()[match.end() :]
    return CommandText(match.group(1).lower(), match.group(2), tuple(rest.split()))


def find_urls(text: str) -> tuple[str, ...]:
    """Links written in plain text, for platforms that do not mark them up for us."""
    return tuple(match.group(0).rstrip(_TRAILING_PUNCTUATION) for match in _URL.finditer(text))
