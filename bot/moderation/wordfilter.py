"""Banned-word matching: one Aho-Corasick automaton per chat, whole words by default.

Why an automaton: a chat's list has hundreds or thousands of terms, and a loop over them
(or one giant regular expression) costs time per term on every message. The automaton
(pyahocorasick, a C extension) finds every listed term in a single pass over the text,
whatever the list size. Terms are stored with a space on each side (`" anjing "`) and the
text is scanned as space-separated words (see `normalise`), so a term matches a whole word
and never the inside of another one: `tolol` does not hit `tolong`, `tai` does not hit
`pantai` or `santai`, `ass` does not hit `class` or `assistant` (the Scunthorpe problem).
Terms written `word*`, `*word`, `*word*` or `word+` opt in to looser matching (`terms`).

Each term is stored in a few spellings: as listed; with one letter doubled when it is a
single word of four letters or more without double letters (`anjiing`; shorter terms would
collide with innocent words: `cok`/`cook`); and with `i`/`l` written as the ambiguous `1`.

Build a filter once per chat settings change (`WordFilter.build`) and keep it; matching is
read-only and safe to share between tasks.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import ahocorasick

from bot.moderation.normalise import (
    AMBIGUOUS_LETTER,
    RUN_SIGNALS,
    SPELLING_SIGNALS,
    Tracked,
    fast_readings,
    full_readings,
    full_readings_tracked,
    normalise_term,
    plain_token_spans,
    spelled_out,
)
from bot.moderation.terms import (
    CUSTOM_CATEGORY,
    INDONESIAN_SUFFIXES,
    MatchKind,
    WordEntry,
    WordList,
    parse_entry,
)

MAX_HITS = 50
"""`match` reports at most this many hits: enough evidence, bounded work on hostile input."""
_MIN_DOUBLING_LENGTH = 4
_MAX_AMBIGUOUS_POSITIONS = 6
_DOUBLED_KINDS = (MatchKind.WORD, MatchKind.INFIX)  # `poorn*` would hit "poorness"


@dataclass(frozen=True, slots=True)
class WordHit:
    """A banned term found in a message.

    `term` is the term as listed (`anjing`), `span` the slice of the original text that
    matched (`text[span[0]:span[1]]`, e.g. `4nj1ng`) and `fragment` that slice.
    """

    term: str
    category: str
    span: tuple[int, int]
    fragment: str


_ALLOWED = "allowed"
_RUN = "run"
_SPELLING = "spelling"
_SIGNALS = (_RUN, _SPELLING)
_Value = tuple[WordEntry | str, int]  # (entry, or _ALLOWED / _RUN / _SPELLING; key length)


class WordFilter:
    """A compiled banned-word list with a chat's additions, removals and allowed words."""

    __slots__ = ("_automaton", "_has_allowed", "_term_count")

    def __init__(
        self, automaton: ahocorasick.Automaton, term_count: int, has_allowed: bool
    ) -> None:
        self._automaton = automaton
        self._term_count = term_count
        self._has_allowed = has_allowed

    @classmethod
    def build(
        cls,
        defaults: WordList | Iterable[WordEntry],
        *,
        add: Iterable[str | WordEntry] = (),
        remove: Iterable[str] = (),
        allow: Iterable[str] = (),
        categories: Collection[str] | None = None,
    ) -> WordFilter:
        """Compile `defaults` (only `categories`, when given) plus a chat's own settings.

        `add` takes terms in list syntax (`scam*`, `slur: xyz`); they count whatever
        `categories` says. `remove` drops every entry whose term it names, default or
        added. `allow` words and phrases are never flagged, even when they contain a
        banned term (allow `shitake` next to `shit*`). The defaults' own `[allow]` section
        is always included. Raises `terms.WordListError` for an added term it cannot read.
        """
        allowed: list[str] = list(allow)
        if isinstance(defaults, WordList):
            default_entries: Iterable[WordEntry] = defaults.entries
            allowed.extend(defaults.allowed)
        else:
            default_entries = defaults
        removed = {normalise_term(term) for term in remove}
        entries = [e for e in default_entries if categories is None or e.category in categories]
        entries += [a if isinstance(a, WordEntry) else parse_entry(a, CUSTOM_CATEGORY) for a in add]

        automaton = ahocorasick.Automaton()
        distinct: set[str] = set()
        for entry in entries:
            normalised = normalise_term(entry.term)
            if not normalised or normalised in removed:
                continue
            distinct.add(normalised)
            for key in _keys(normalised, entry):
                if key not in automaton:
                    automaton.add_word(key, (entry, len(key)))
        has_allowed = False
        for phrase in allowed:
            normalised = normalise_term(phrase)
            if normalised:
                has_allowed = True
                for variant in _ambiguous_variants(normalised):
                    key = f" {variant} "
                    automaton.add_word(key, (_ALLOWED, len(key)))  # an allowed spelling wins
        for signals, kind in ((RUN_SIGNALS, _RUN), (SPELLING_SIGNALS, _SPELLING)):
            for key in signals:
                if key not in automaton:
                    automaton.add_word(key, (kind, len(key)))
        automaton.make_automaton()
        return cls(automaton, len(distinct), has_allowed)

    def __len__(self) -> int:
        """How many distinct terms the filter looks for (before spelling variants)."""
        return self._term_count

    def match(self, text: str) -> list[WordHit]:
        """Every banned term in `text` (up to `MAX_HITS`), in order of appearance, with
        where it is."""
        if not text or self._term_count == 0:
            return []
        fast = fast_readings(text)
        if fast is not None:
            readings, plain_length = fast
            scan = self._automaton.iter(readings)
            first = next(scan, None)
            if first is None:  # the usual answer: nothing listed, no signal
                return []
            found = [first, *scan]
            signals = {value[0] for _, value in found if isinstance(value[0], str)}
            if _SPELLING in signals and spelled_out(readings[1 : plain_length - 1]):
                fast = None  # letters typed one by one: the full treatment joins them
            elif _RUN in signals:
                fast = fast_readings(text, collapse_runs=True)
                assert fast is not None  # same text, same answer
                readings, plain_length = fast
                found = list(self._automaton.iter(readings))
            if fast is not None:
                found = [item for item in found if item[1][0] not in _SIGNALS]
                return self._resolve(text, readings, found, plain_length) if found else []
        readings = full_readings(text)
        found = [item for item in self._automaton.iter(readings) if item[1][0] not in _SIGNALS]
        return self._resolve(text, readings, found, 0) if found else []

    def _resolve(
        self, text: str, readings: str, found: list[tuple[int, _Value]], plain_length: int
    ) -> list[WordHit]:
        """Drop allowed matches and locate the rest in the original text.

        Matches inside the plain reading of a fast-path message (`plain_length` > 0) are
        located by counting words; others by redoing the normalisation with positions.
        """
        allowed_spans = (
            [(end + 1 - size, end + 1) for end, (what, size) in found if what is _ALLOWED]
            if self._has_allowed
            else []
        )
        hits: dict[tuple[str, tuple[int, int]], WordHit] = {}
        elsewhere: dict[str, WordEntry] = {}  # matched key → entry, to locate the slow way
        token_spans: list[tuple[int, int]] | None = None
        spaces: list[int] = []
        for end, (what, size) in found:
            if not isinstance(what, WordEntry):
                continue
            start = end + 1 - size
            if any(a <= start and end + 1 <= b for a, b in allowed_spans):
                continue
            if end < plain_length and token_spans is None:
                token_spans = plain_token_spans(text, readings[1 : plain_length - 1])
                spaces = [i for i, char in enumerate(readings[:plain_length]) if char == " "]
            if token_spans is not None and end < plain_length:
                # word number = spaces before the word's first (last) letter, minus one
                first = bisect.bisect_left(spaces, start + (readings[start] == " ")) - 1
                last = bisect.bisect_left(spaces, end - (readings[end] == " ")) - 1
                _add(hits, what, (token_spans[first][0], token_spans[last][1]), text)
            else:
                elsewhere.setdefault(readings[start : end + 1], what)
            if len(hits) >= MAX_HITS:
                break
        if elsewhere and len(hits) < MAX_HITS:
            tracked = full_readings_tracked(text)
            for key, entry in elsewhere.items():
                for span in _occurrences(tracked, key, entry.kind) or [(0, len(text))]:
                    _add(hits, entry, span, text)
                    if len(hits) >= MAX_HITS:
                        break
        return sorted(hits.values(), key=lambda hit: (hit.span, hit.term))


def _add(
    hits: dict[tuple[str, tuple[int, int]], WordHit],
    entry: WordEntry,
    span: tuple[int, int],
    text: str,
) -> None:
    key = (entry.term, span)
    if key not in hits:
        hits[key] = WordHit(entry.term, entry.category, span, text[span[0] : span[1]])


def _occurrences(tracked: Tracked, key: str, kind: MatchKind) -> list[tuple[int, int]]:
    """Where `key` occurs in the tracked readings, as spans of the original text; a partial
    match (`fuck*`) is widened to its whole word, which is the evidence a moderator wants."""
    spans: list[tuple[int, int]] = []
    text = tracked.text
    start = text.find(key)
    while start != -1:
        end = start + len(key)
        first, last = start, end
        if kind is not MatchKind.WORD:
            while first > 0 and text[first - 1] != " " and text[first] != " ":
                first -= 1
            while last < len(text) and text[last] != " " and text[last - 1] != " ":
                last += 1
        span = tracked.source_span(first, last)
        if span not in spans:
            spans.append(span)
            if len(spans) >= MAX_HITS:
                break
        start = text.find(key, start + 1)
    return spans


def _keys(normalised: str, entry: WordEntry) -> set[str]:
    """The automaton keys of one entry: every spelling, with the word boundaries its kind needs."""
    forms = [normalised]
    if entry.with_suffixes:
        forms += [normalised + suffix for suffix in INDONESIAN_SUFFIXES]
    spellings: set[str] = set()
    for form in forms:
        spellings.update(_ambiguous_variants(form))
        if entry.kind in _DOUBLED_KINDS:
            spellings.update(_doubled_variants(form))
    lead = " " if entry.kind in (MatchKind.WORD, MatchKind.PREFIX) else ""
    tail = " " if entry.kind in (MatchKind.WORD, MatchKind.SUFFIX) else ""
    return {f"{lead}{spelling}{tail}" for spelling in spellings}


def _doubled_variants(form: str) -> list[str]:
    """`anjing` → `aanjing`, `annjing`, …: one letter doubled, for single words of 4+ letters
    that have no double letters (a doubled letter in the text is a cheap way to dodge)."""
    if " " in form or len(form) < _MIN_DOUBLING_LENGTH or not form.isalpha():
        return []
    if any(a == b for a, b in itertools.pairwise(form)):
        return []
    return [form[: i + 1] + form[i:] for i in range(len(form))]


def _ambiguous_variants(term: str) -> list[str]:
    """`term` with each subset of its `i`/`l` written as the ambiguous `1` (`to1o1`)."""
    positions = [i for i, char in enumerate(term) if char in "il"]
    if not positions:
        return [term]
    if len(positions) > _MAX_AMBIGUOUS_POSITIONS:
        subsets: Iterable[tuple[int, ...]] = ((), tuple(positions))
    else:
        subsets = itertools.chain.from_iterable(
            itertools.combinations(positions, size) for size in range(len(positions) + 1)
        )
    variants = []
    for subset in subsets:
        chars = list(term)
        for i in subset:
            chars[i] = AMBIGUOUS_LETTER
        variants.append("".join(chars))
    return variants
