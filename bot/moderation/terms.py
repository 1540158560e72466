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

A term may end with its context rule in parentheses (see `context` for the evidence):

    anjing (unless animal)      counts on its own, except next to a word of its innocent
                                sense (`anjing saya sakit`, `makanan anjing`)
    babi+ (context; unless animal food)
                                counts only with evidence that it is aimed at someone or
                                meant as abuse (`dasar babi`, `babi lu`, `b4bi`), never next
                                to a word of its innocent senses (`sate babi`)
    kafir (context; with attack derogatory)
                                also counts next to a word of those cue lists (`usir kafir`)
    kampret (weight 0.75)       any weight from 0 to 1; `context` is weight 0.5
    batak (needs stereotype)    a name for a group that counts only next to a word of that
                                cue list (`batak kasar`), never for being aimed at someone
                                (`lo batak ya?` is a question)

A hit counts when its weight plus its evidence reaches 1. Senses and other cue lists are
`[sense NAME]` sections of the context list (`bot/moderation/wordlists/context.txt`).
"""

from __future__ import annotations

import re
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

CONTEXT_WEIGHT = 0.5
"""The weight `(context)` gives: one piece of evidence is needed before the term counts."""
_SENSE_NAME_RE = re.compile(r"[a-z][a-z0-9_-]*")


class MatchKind(StrEnum):
    WORD = "word"
    PREFIX = "prefix"  # term*
    SUFFIX = "suffix"  # *term
    INFIX = "infix"  # *term*


@dataclass(frozen=True, slots=True)
class WordEntry:
    """One banned term as written in a list, with the category it was listed under.

    `weight` is how much one hit counts toward the 1 that makes it act (1: on its own;
    `CONTEXT_WEIGHT`: with one piece of evidence). `senses` name the innocent senses whose
    cue words, next to the term, mean it is not abuse (`animal` for `anjing`); `boosts`
    name cue lists whose words next to it are evidence that it is (`attack` for `kafir`).
    """

    term: str
    category: str
    kind: MatchKind = MatchKind.WORD
    with_suffixes: bool = False
    weight: float = 1.0
    senses: tuple[str, ...] = ()
    boosts: tuple[str, ...] = ()
    needs_boost: bool = False

    def spelled(self) -> str:
        """The entry back in list syntax (`*fuck*`, `kontol+`, `babi (context; unless food)`)."""
        lead = "*" if self.kind in (MatchKind.SUFFIX, MatchKind.INFIX) else ""
        tail = "*" if self.kind in (MatchKind.PREFIX, MatchKind.INFIX) else ""
        written = f"{lead}{self.term}{tail}{'+' if self.with_suffixes else ''}"
        rules = []
        if self.weight == CONTEXT_WEIGHT and not self.needs_boost:
            rules.append("context")
        elif self.weight != 1.0:
            rules.append(f"weight {self.weight:g}")
        if self.senses:
            rules.append("unless " + " ".join(self.senses))
        if self.boosts:
            rules.append(("needs " if self.needs_boost else "with ") + " ".join(self.boosts))
        return f"{written} ({'; '.join(rules)})" if rules else written


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
    weight: float = 1.0
    senses: tuple[str, ...] = ()
    boosts: tuple[str, ...] = ()
    needs = False
    if text.endswith(")") and "(" in text:
        text, _, rules = text[:-1].partition("(")
        text = text.strip()
        weight, senses, boosts, needs = _parse_rules(rules)
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
    return WordEntry(term, category, kind, with_suffixes, weight, senses, boosts, needs)


def _parse_rules(rules: str) -> tuple[float, tuple[str, ...], tuple[str, ...], bool]:
    """`context; unless animal food; with attack` → (0.5, ("animal", "food"), ("attack",),
    False); `needs stereotype` → (0.5, (), ("stereotype",), True)."""
    weight: float = 1.0
    senses: tuple[str, ...] = ()
    boosts: tuple[str, ...] = ()
    needs = False
    for rule in (part.strip().lower() for part in rules.split(";")):
        name, _, value = rule.partition(" ")
        value = value.strip()
        if rule == "context":
            weight = CONTEXT_WEIGHT
        elif name == "weight":
            try:
                weight = float(value)
            except ValueError:
                weight = -1.0
            if not 0 < weight <= 1:
                raise WordListError(f"not a weight: {value!r} (write a number above 0, at most 1)")
        elif name in ("unless", "with", "needs") and value:
            names = tuple(value.replace(",", " ").split())
            bad = [sense for sense in names if not _SENSE_NAME_RE.fullmatch(sense)]
            if bad:
                raise WordListError(f"not a sense name: {bad[0]!r}")
            if name == "unless":
                senses = names
            else:
                boosts = names
                needs = name == "needs"
                if needs:
                    weight = CONTEXT_WEIGHT
        else:
            raise WordListError(
                f"not a rule: {rule!r} (write context, weight N, unless SENSE, with SENSE or "
                "needs SENSE, separated by ;)"
            )
    return weight, senses, boosts, needs


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
