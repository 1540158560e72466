"""Word-list entries and the plain-text format they are written in.

One term per line; `#` starts a comment. A `[section]` line sets the category of the
lines below it (`profanity`, `insult`, `slur`, `hate`, `mild`); `category: term` sets
it for one line. Section `[allow]` lists words and phrases that are never flagged,
even when they contain a banned term (`anak anjing` is a puppy).

How a term matches is written on the term itself, never as a regular expression:

    anjing      the whole word only (not `anjingnya`, not `penganjing`)
    fuck*       a word starting with it (`fucking`, `fucker`)
    *shit       a word ending with it (`bullshit`)
    *fuck*      anywhere inside a word (`motherfuckers`)
    kontol+     the whole word, or the word with an Indonesian suffix
                (-nya -mu -ku -lu -lo -lah -in): `kontolnya`, `kontolmu`

Multi-word terms (`anak haram`) match those words in a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

CATEGORIES: tuple[str, ...] = ("mild", "profanity", "insult", "slur", "hate")
"""Known categories, mildest first; `custom` is what a chat's own additions get."""

CUSTOM_CATEGORY = "custom"
ALLOW_SECTION = "allow"
DEFAULT_LANGUAGES: tuple[str, ...] = ("id", "en")

INDONESIAN_SUFFIXES: tuple[str, ...] = ("nya", "mu", "ku", "lu", "lo", "lah", "in")
"""What `term+` adds: possessive and emphatic enclitics, and colloquial `-in`."""


class MatchKind(StrEnum):
    WORD = "word"
    PREFIX = "prefix"  # term*
    SUFFIX = "suffix"  # *term
    INFIX = "infix"  # *term*


@dataclass(frozen=True, slots=True)
class WordEntry:
    """One banned term as written in a list, with the category it was listed under."""

    term: str
    category: str
    kind: MatchKind = MatchKind.WORD
    with_suffixes: bool = False

    def spelled(self) -> str:
        """The entry back in list syntax (`*fuck*`, `kontol+`)."""
        lead = "*" if self.kind in (MatchKind.SUFFIX, MatchKind.INFIX) else ""
        tail = "*" if self.kind in (MatchKind.PREFIX, MatchKind.INFIX) else ""
        return f"{lead}{self.term}{tail}{'+' if self.with_suffixes else ''}"


@dataclass(frozen=True, slots=True)
class WordList:
    """A parsed list: the banned entries and the allowed words/phrases."""

    entries: tuple[WordEntry, ...]
    allowed: tuple[str, ...]


class WordListError(ValueError):
    """A line of a word list that cannot be read; the message names the line."""


def parse_entry(text: str, category: str = CUSTOM_CATEGORY) -> WordEntry:
    """One term in list syntax; `category: term` overrides `category`.

    Raises WordListError for an empty term or stray wildcards (`fu*ck`).
    """
    text = text.strip()
    head, sep, rest = text.partition(":")
    if sep and head.strip().lower() in (*CATEGORIES, CUSTOM_CATEGORY) and rest.strip():
        category, text = head.strip().lower(), rest.strip()
    with_suffixes = text.endswith("+") and len(text) > 1
    if with_suffixes:
        text = text[:-1]
    lead, tail = text.startswith("*"), text.endswith("*") and len(text) > 1
    term = text[1 if lead else 0 : len(text) - 1 if tail else len(text)].strip()
    if not term or "*" in term:
        raise WordListError(f"not a term: {text!r} (write word, word*, *word, *word* or word+)")
    kind = {
        (False, False): MatchKind.WORD,
        (False, True): MatchKind.PREFIX,
        (True, False): MatchKind.SUFFIX,
        (True, True): MatchKind.INFIX,
    }[(lead, tail)]
    return WordEntry(term=term, category=category, kind=kind, with_suffixes=with_suffixes)


def parse_wordlist(text: str, source: str = "<list>") -> WordList:
    """Parse a list in the format above. Raises WordListError naming `source:line`."""
    entries: list[WordEntry] = []
    allowed: list[str] = []
    category = CUSTOM_CATEGORY
    for number, line in _content_lines(text):
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1].strip().lower()
            if category not in (*CATEGORIES, CUSTOM_CATEGORY, ALLOW_SECTION):
                raise WordListError(f"{source}:{number}: unknown section [{category}]")
            continue
        if category == ALLOW_SECTION:
            allowed.append(line)
            continue
        try:
            entries.append(parse_entry(line, category))
        except WordListError as error:
            raise WordListError(f"{source}:{number}: {error}") from None
    return WordList(tuple(entries), tuple(allowed))


def _content_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            yield number, line


def load_default_wordlists(languages: Iterable[str] = DEFAULT_LANGUAGES) -> WordList:
    """The lists shipped with the bot (`bot/moderation/wordlists/<lang>.txt`), merged."""
    entries: list[WordEntry] = []
    allowed: list[str] = []
    folder = resources.files("bot.moderation").joinpath("wordlists")
    for language in languages:
        resource = folder.joinpath(f"{language}.txt")
        parsed = parse_wordlist(resource.read_text(encoding="utf-8"), f"wordlists/{language}.txt")
        entries.extend(parsed.entries)
        allowed.extend(parsed.allowed)
    return WordList(tuple(entries), tuple(allowed))
