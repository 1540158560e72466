"""The word lists sopbot ships in `bot/sop/data/`, read once into an immutable `Lexicon`.

They are data, not code, so that staff who know how their customers write can
add a slang word without touching Python. Every file is plain text: `#` starts
a comment, one item a line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Colloquial spellings, stopwords, small-talk words and language markers."""

    colloquial: Mapping[str, tuple[str, ...]]  # informal word -> standard word(s)
    stopwords: frozenset[str]  # both languages, in standard spelling
    small_talk: Mapping[
        tuple[str, ...], str
    ]  # phrase -> "greeting" | "thanks" | "goodbye" | "filler"
    markers: Mapping[str, Mapping[str, float]]  # language -> word -> evidence weight
    phrases: Mapping[tuple[str, str], str] = field(default_factory=dict)  # ("log", "in") -> "login"
    # "help", "mau tanya": asking for help without saying about what (also in stopwords)
    request_words: frozenset[str] = frozenset()
    question_words: frozenset[str] = frozenset()  # "gimana", "how": kept in retrieval
    # Indonesian word -> English words naming the same thing ("batal" -> ("cancel",)):
    # `Analyzer` makes each such group one retrieval term
    bridges: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # unit abbreviations, read so only right after a number ("24 hrs": hours; "hrs": harus)
    after_number: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # phrases of courtesy that carry no topic ("selamat malam", "maaf ganggu"), removed from
    # retrieval terms wherever they stand
    courtesies: frozenset[tuple[str, ...]] = frozenset()
    # other companies' names ("shopee", "indihome"): a message naming one its SOP never does
    # is not answered outright (`KnowledgeBase.assess`)
    brands: frozenset[str] = frozenset()
    # derived in __post_init__, for speed: every word some list spells this way, and the
    # first words of phrases
    known: frozenset[str] = frozenset()
    phrase_starts: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "stopwords", self.stopwords | self.request_words)
        known = set(self.colloquial) | set(self.stopwords)
        known |= {phrase[0] for phrase in self.small_talk if len(phrase) == 1}
        for words in self.markers.values():
            known |= set(words)
        object.__setattr__(self, "known", frozenset(known))
        object.__setattr__(self, "phrase_starts", frozenset(first for first, _ in self.phrases))

    def standard(self, word: str) -> tuple[str, ...] | None:
        return self.colloquial.get(word)

    def is_known(self, word: str) -> bool:
        """A word some list of ours spells this way (used to undo "haloo" -> "halo")."""
        return word in self.known


def _lines(name: str) -> Iterator[str]:
    text = resources.files("bot.sop").joinpath("data", name).read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            yield line


def _pairs(name: str) -> Iterator[tuple[str, list[str]]]:
    for line in _lines(name):
        key, *rest = line.split()
        yield key, rest


def read_colloquial(*names: str) -> dict[str, tuple[str, ...]]:
    mapping: dict[str, tuple[str, ...]] = {}
    for name in names:
        for informal, standard in _pairs(name):
            if not standard:
                raise ValueError(f"{name}: '{informal}' has no standard form")
            existing = mapping.get(informal)
            if existing is not None and existing != tuple(standard):
                raise ValueError(f"{name}: '{informal}' maps to both {existing} and {standard}")
            mapping[informal] = tuple(standard)
    return mapping


def read_markers(name: str) -> dict[str, float]:
    """`word [weight]` lines; a word without a weight counts 1."""
    return {word: float(rest[0]) if rest else 1.0 for word, rest in _pairs(name)}


@cache
def default_lexicon() -> Lexicon:
    """The lists shipped with sopbot (read once; the result is immutable)."""
    small_talk = {tuple(phrase): kind for kind, phrase in _pairs("small_talk.txt")}
    return Lexicon(
        colloquial=MappingProxyType(read_colloquial("colloquial_id.tsv", "colloquial_en.tsv")),
        stopwords=frozenset(_lines("stopwords_id.txt")) | frozenset(_lines("stopwords_en.txt")),
        small_talk=MappingProxyType(small_talk),
        markers=MappingProxyType(
            {
                "id": MappingProxyType(read_markers("language_id.txt")),
                "en": MappingProxyType(read_markers("language_en.txt")),
            }
        ),
        phrases=MappingProxyType(read_phrases("phrases.tsv")),
        request_words=frozenset(_lines("request_words.txt")),
        question_words=frozenset(_lines("question_words.txt")),
        bridges=MappingProxyType(read_bridges("bridge_id_en.tsv")),
        after_number=MappingProxyType(read_colloquial("units.tsv")),
        courtesies=frozenset(tuple(line.split()) for line in _lines("courtesies.txt")),
        brands=frozenset(_lines("brands.txt")),
    )


def read_bridges(name: str) -> dict[str, tuple[str, ...]]:
    """`indonesian english...` lines: the words of a line are translations of each other."""
    bridges: dict[str, tuple[str, ...]] = {}
    for indonesian, english in _pairs(name):
        if not english:
            raise ValueError(f"{name}: '{indonesian}' has no English word")
        if indonesian in bridges:
            raise ValueError(f"{name}: '{indonesian}' is listed twice")
        bridges[indonesian] = tuple(english)
    return bridges


def read_phrases(name: str) -> dict[tuple[str, str], str]:
    phrases = {}
    for line in _lines(name):
        parts = line.split()
        if len(parts) != 3:
            raise ValueError(f"{name}: expected 'first second joined', got '{line}'")
        phrases[(parts[0], parts[1])] = parts[2]
    return phrases
