"""Banned-word matching: one Aho-Corasick automaton per chat, whole words by default,
and a context judgement for each word found.

Why an automaton: a chat's list has hundreds or thousands of terms, and a loop over them
(or one giant regular expression) costs time per term on every message. The automaton
(pyahocorasick, a C extension) finds every listed term in a single pass over the text,
whatever the list size. Terms are stored with a space on each side (`" anjing "`) and the
text is scanned as space-separated words (see `normalise`), so a term matches a whole word
and never the inside of another one: `tolol` does not hit `tolong`, `tai` does not hit
`pantai` or `santai`, `ass` does not hit `class` or `assistant` (the Scunthorpe problem).
Terms written `word*`, `*word`, `*word*` or `word+` opt in to looser matching (`terms`).

Each term is stored in a few spellings: as listed; with `i`/`l` written as the ambiguous
`1`; then, unless another term is spelled so, with one letter doubled when it is a single
word of four letters or more without double letters (`anjiing`; shorter terms would
collide with innocent words: `cok`/`cook`), and without its vowels after the first letter
when four letters or more remain (`kntl`, `gblk`, `bngst`: how chat abbreviates; three
letters are too often another word's abbreviation: `dng` is `dengan`, `bln` `bulan`). A
word with `*` inside (`anj*ng`, `f**k`, `anak h*ram`) is compared with the terms' words of
its length, `*` standing for any letter; at most `MAX_STARRED_WORDS` such words per
message are looked at.

Every word found is then judged where it stands (`context`): allowed phrases around it win
(`anak anjing`, also stretched: `anak anjiiing`), and its weight plus the evidence around it
decides whether it counts (`anjing saya sakit` is a dog; `dasar babi` is an insult).

Build a filter once per chat settings change (`WordFilter.build`) and keep it; matching is
read-only and safe to share between tasks. Work per message is linear in its length plus
at most `MAX_HITS` judgements, each over a few words: hostile input cannot make it explode.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import ahocorasick

from bot.moderation.context import (
    WINDOW,
    ContextRules,
    Judgement,
    MessageFacts,
    Surroundings,
    called,
    counts,
    judge,
    load_default_context,
    with_others,
)
from bot.moderation.normalise import (
    AMBIGUOUS_LETTER,
    READING_SEPARATOR,
    RUN_SIGNALS,
    SPELLING_SIGNALS,
    STAR,
    Tracked,
    TweetView,
    fast_readings,
    full_readings,
    full_readings_tracked,
    normalise_term,
    plain_token_spans,
    spelled_out,
    spelled_runs,
    tweet_view,
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
MAX_STARRED_WORDS = 10
"""Words with `*` inside compared with the terms, per message."""
MAX_SPELLED_RUNS = 5
"""Runs of letters typed one by one split into known words, per message."""
_MAX_RUN_LENGTH = 60
_MAX_TAG_LENGTH = 40
_MIN_TAG_PIECE = 4  # `#asuransi` is not `asu ransi`
_MIN_DOUBLING_LENGTH = 4
_MIN_SKELETON_LENGTH = 4  # `dng`, `bnr`, `bln`, `tts` are abbreviations of other words
_MAX_STARRED_LENGTH = 40
_MAX_AMBIGUOUS_POSITIONS = 6
_DOUBLED_KINDS = (MatchKind.WORD, MatchKind.INFIX)  # `poorn*` would hit "poorness"
_SKELETON_KINDS = (MatchKind.WORD, MatchKind.PREFIX, MatchKind.SUFFIX)
_VOWELS = "aeiou"
_SEPARATOR_WORD = READING_SEPARATOR.strip()
_CANONICAL = str.maketrans({AMBIGUOUS_LETTER: "i", "l": "i"})
_STARRED_WORD_RE = re.compile(rf"(?<![^ ])[^ {STAR}]*+{STAR}[^ ]*+")  # from a word's start: linear


@dataclass(frozen=True, slots=True)
class WordHit:
    """A listed term found in a message, and how it was judged.

    `term` is the term as listed (`anjing`), `span` the slice of the original text that
    matched (`text[span[0]:span[1]]`, e.g. `4nj1ng`) and `fragment` that slice. `score` is
    the term's weight plus the evidence around it (`reasons`: `addressed`, `animal:saya`…);
    the hit `counts` (is acted on) from `context.THRESHOLD` up.
    """

    term: str
    category: str
    span: tuple[int, int]
    fragment: str
    score: float = 1.0
    reasons: tuple[str, ...] = ()

    @property
    def counts(self) -> bool:
        return counts(self.score)


_RUN = "run"
_SPELLING = "spelling"
_SIGNALS = (_RUN, _SPELLING)
_Value = tuple[WordEntry | str, int]  # (entry, or _RUN / _SPELLING; key length)
_Found = list[tuple[int, _Value]]  # (index of the key's last character, value)


@dataclass(frozen=True, slots=True)
class _Starred:
    """Spellings a word with `*` inside is compared with: each word of the whole-word terms
    by (length, first letter), with the phrase it is part of and its place in it, and the
    few partial terms (`fuck*`, `*shit`, `*fuck*`). Letters doubled count once."""

    words: dict[tuple[int, str], list[tuple[tuple[str, ...], int, WordEntry]]]
    partial: list[tuple[str, WordEntry]]
    longest: int  # words in the longest phrase


class WordFilter:
    """A compiled banned-word list with a chat's additions, removals and allowed words."""

    __slots__ = ("_allowed", "_allowed_phrases", "_allowed_words", "_automaton", "_context",
                 "_longest_allowed", "_starred", "_term_count", "_vocabulary")  # fmt: skip

    def __init__(
        self,
        automaton: ahocorasick.Automaton,
        term_count: int,
        allowed: frozenset[tuple[str, ...]],
        context: ContextRules,
        starred: _Starred,
        vocabulary: frozenset[str],
    ) -> None:
        self._automaton = automaton
        self._term_count = term_count
        self._allowed = allowed
        self._allowed_phrases = frozenset(
            tuple(map(_squeezed, phrase)) for phrase in allowed if len(phrase) > 1
        )
        self._allowed_words = frozenset(word for phrase in allowed for word in phrase) | {
            word for phrase in self._allowed_phrases for word in phrase
        }  # every word of an allowed phrase, as written and squeezed: a quick "no"
        self._longest_allowed = max((len(phrase) for phrase in allowed), default=0)
        self._context = context
        self._starred = starred
        self._vocabulary = vocabulary

    @classmethod
    def build(
        cls,
        defaults: WordList | Iterable[WordEntry],
        *,
        add: Iterable[str | WordEntry] = (),
        remove: Iterable[str] = (),
        allow: Iterable[str] = (),
        categories: Collection[str] | None = None,
        context: ContextRules | None = None,
    ) -> WordFilter:
        """Compile `defaults` (only `categories`, when given) plus a chat's own settings.

        `add` takes terms in list syntax (`scam*`, `slur: xyz`, `babi (context)`); they
        count whatever `categories` says. `remove` drops every entry whose term it names,
        default or added. `allow` words and phrases are never flagged, even when they
        contain a banned term (allow `shitake` next to `shit*`). The defaults' own `[allow]`
        section is always included. `context` is the cue words (the shipped ones when
        None). Raises `terms.WordListError` for an added term it cannot read.
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
        allowed_phrases = frozenset(
            tuple(_canonical(word) for word in phrase.split())
            for phrase in map(normalise_term, allowed)
            if phrase
        )

        automaton = ahocorasick.Automaton()
        distinct: set[str] = set()
        kept: list[tuple[str, WordEntry]] = []
        for entry in entries:  # every term as listed first: a listed spelling wins
            normalised = normalise_term(entry.term)
            if not normalised or normalised in removed:
                continue
            distinct.add(normalised)
            kept.append((normalised, entry))
            for key in _keys(_forms(normalised, entry), entry.kind, ambiguous=True):
                if key not in automaton:
                    automaton.add_word(key, (entry, len(key)))
        for normalised, entry in kept:  # then the generated spellings no term claims
            for key in _keys(_doubled_variants(normalised, entry), entry.kind, ambiguous=True):
                if key not in automaton:
                    automaton.add_word(key, (entry, len(key)))
            for skeleton in _skeletons(normalised, entry):
                if tuple(map(_canonical, skeleton.split(" "))) in allowed_phrases:
                    continue  # a common abbreviation of something else
                for key in _keys([skeleton], entry.kind):
                    if key not in automaton:
                        automaton.add_word(key, (entry, len(key)))
        for signals, kind in ((RUN_SIGNALS, _RUN), (SPELLING_SIGNALS, _SPELLING)):
            for key in signals:
                if key not in automaton:
                    automaton.add_word(key, (kind, len(key)))
        automaton.make_automaton()
        rules = context if context is not None else load_default_context()
        vocabulary = {word for normalised, entry in kept for form in _forms(normalised, entry)
                      for word in form.split(" ")}  # fmt: skip
        vocabulary |= rules.addressed_before.exact | rules.addressed_after.exact
        return cls(
            automaton,
            len(distinct),
            allowed_phrases,
            rules,
            _starred_index(kept),
            frozenset(word for word in vocabulary if len(word) >= 2),
        )

    def __len__(self) -> int:
        """How many distinct terms the filter looks for (before spelling variants)."""
        return self._term_count

    def match(self, text: str) -> list[WordHit]:
        """Every listed term in `text` that counts where it stands (up to `MAX_HITS`), in
        order of appearance, with where it is and why."""
        view = tweet_view(text, self._split_hashtag)
        read = text if view is None else view.text
        scanned = self._scan(read)
        if scanned is None:
            return []
        return [hit for hit in _in_original(self._resolve(read, *scanned), view, text)
                if hit.counts]  # fmt: skip

    def candidates(self, text: str) -> list[WordHit]:
        """Every listed term in `text` outside allowed phrases (up to `MAX_HITS`), judged:
        those that do not count too, with their score and reasons (for tuning and tests)."""
        view = tweet_view(text, self._split_hashtag)
        read = text if view is None else view.text
        scanned = self._scan(read)
        if scanned is None:
            return []
        return _in_original(self._resolve(read, *scanned), view, text)

    def _scan(self, text: str) -> tuple[str, _Found, int] | None:
        """The readings of `text`, the terms found in them, and the length of the plain
        reading when the fast path made it (0 otherwise); None when nothing was found."""
        if not text or self._term_count == 0:
            return None
        fast = fast_readings(text)
        if fast is not None:
            readings, plain_length = fast
            scan = self._automaton.iter(readings)
            first = next(scan, None)
            if first is None and STAR not in readings:  # the usual answer: nothing at all
                return None
            found: _Found = [first, *scan] if first is not None else []
            signals = {value[0] for _, value in found if isinstance(value[0], str)}
            if _SPELLING in signals and spelled_out(readings[1 : plain_length - 1]):
                fast = None  # letters typed one by one: the full treatment joins them
            elif _RUN in signals:
                fast = fast_readings(text, collapse_runs=True)
                assert fast is not None  # same text, same answer
                readings, plain_length = fast
                found = list(self._automaton.iter(readings))
        if fast is None:
            readings, plain_length = full_readings(text) + self._split_runs(text), 0
            found = list(self._automaton.iter(readings))
        found = [item for item in found if item[1][0] not in _SIGNALS]
        if STAR in readings:
            found += self._starred_hits(readings)
        return (readings, found, plain_length) if found else None

    def _split_hashtag(self, tag: str) -> str | None:
        """A hashtag typed without capitals, split after or before the longest word of the
        lists' vocabulary it starts or ends with (`dasartolol` → `dasar tolol`,
        `bokepindo` → `bokep indo`), or None. At most `_MAX_TAG_LENGTH` letters: bounded."""
        lowered = tag.lower()
        if len(lowered) > _MAX_TAG_LENGTH or not lowered.isalpha():
            return None
        for size in range(len(lowered) - 2, _MIN_TAG_PIECE - 1, -1):
            if lowered[:size] in self._vocabulary:
                return f"{lowered[:size]} {lowered[size:]}"
            if lowered[-size:] in self._vocabulary:
                return f"{lowered[:-size]} {lowered[-size:]}"
        return None

    def _split_runs(self, text: str) -> str:
        """An extra reading of the letters typed one by one, split into words the filter
        knows (`anjingbangsat` → `anjing bangsat`, `abitch` → `a bitch`), or ""."""
        pieces = []
        for run in itertools.islice(spelled_runs(text), MAX_SPELLED_RUNS):
            if len(run) <= _MAX_RUN_LENGTH:
                split = _split_known_words(run, self._vocabulary)
                if split is not None and split != run:
                    pieces.append(split)
        return f"{READING_SEPARATOR}{READING_SEPARATOR.join(pieces)} " if pieces else ""

    def _starred_hits(self, readings: str) -> _Found:
        """Terms matching the words with `*` inside, as if the automaton had found them."""
        found: _Found = []
        reach = self._starred.longest - 1
        for match in itertools.islice(_STARRED_WORD_RE.finditer(readings), MAX_STARRED_WORDS):
            before = _words_before(readings, match.start() - 1, reach)
            after = _words_after(readings, match.end(), reach)
            for entry, ahead, behind in _starred_terms(match.group(), before, after, self._starred):
                first = match.start() - 1 - sum(len(word) + 1 for word in before[len(before) - ahead :])
                last = match.end() + sum(len(word) + 1 for word in after[:behind])
                found.append((last, (entry, last - first + 1)))
        return found

    def _resolve(self, text: str, readings: str, found: _Found, plain_length: int) -> list[WordHit]:
        """Drop the hits inside allowed phrases, locate the rest in the original text and
        judge each where it stands.

        Hits inside the plain reading of a fast-path message (`plain_length` > 0) are
        located by counting words; others through the tracked normalisation, which gives
        the same readings with the source of every character. A term found in another
        reading no more often than in the plain one is the same occurrence, read twice.
        """
        facts = MessageFacts(text)
        located = _Locator(text, readings, plain_length)
        reach = max(WINDOW, self._longest_allowed - 1)
        best: dict[tuple[str, tuple[int, int]], tuple[WordEntry, Judgement]] = {}
        in_plain: dict[str, int] = {}
        elsewhere: dict[tuple[int, str], int] = {}
        for end, (entry, size) in found:
            assert isinstance(entry, WordEntry)
            if plain_length:
                if end < plain_length:
                    in_plain[entry.term] = in_plain.get(entry.term, 0) + 1
                else:
                    reading = (readings.rfind(READING_SEPARATOR, 0, end), entry.term)
                    elsewhere[reading] = elsewhere.get(reading, 0) + 1
                    if elsewhere[reading] <= in_plain.get(entry.term, 0):
                        continue
            start = end + 1 - size
            word_start = readings.rfind(" ", 0, start + 1) + 1
            word_end = readings.find(" ", end)
            if word_end == -1:
                word_end = len(readings)
            words = tuple(readings[word_start:word_end].split(" "))
            before = _words_before(readings, word_start - 1, reach)
            after = _words_after(readings, word_end, reach)
            if self._allowed:
                covered = self._allowed_from(words, before, after)
                if covered is not None:
                    lead = before[covered:]
                    if not lead or not called(before[:covered], self._context):
                        continue
                    # `dasar anak anjing`: a phrase with a word before the term (`anak`) is
                    # itself what they are called; `lu tai lalat` is not said to insult
                    word_start -= sum(len(word) + 1 for word in lead)
                    words, before = (*lead, *words), before[:covered]
            span = located.span(word_start, word_end)
            around = Surroundings(words, before[-WINDOW:], after[:WINDOW], span)
            judgement = judge(entry, around, self._context, facts)
            key = (entry.term, span)
            previous = best.get(key)
            if previous is None and len(best) >= MAX_HITS:
                break
            if previous is None or judgement.score > previous[1].score:
                best[key] = (entry, judgement)
        if not best:
            return []
        keys = sorted(best, key=lambda key: (key[1], key[0]))
        judged = with_others(
            [term for term, _ in keys],
            [span for _, span in keys],
            [best[key][1] for key in keys],
            text,
        )
        return [
            WordHit(
                term,
                best[(term, span)][0].category,
                span,
                text[span[0] : span[1]],
                judgement.score,
                judgement.reasons,
            )
            for (term, span), judgement in zip(keys, judged, strict=True)
        ]

    def _allowed_from(
        self, words: tuple[str, ...], before: tuple[str, ...], after: tuple[str, ...]
    ) -> int | None:
        """Where in `before` the allowed word or phrase covering the hit's words starts
        (`len(before)` when it starts with the hit), or None when none covers them; a phrase
        also with its letters doubled (`anak anjiing`), a single word only as written
        (`twatt` is allowed, `twat` is not)."""
        known = self._allowed_words
        for word in words:
            word = _canonical(word)
            if word not in known and _squeezed(word) not in known:
                return None
        sequence = [_canonical(word) for word in (*before, *words, *after)]
        first, last = len(before), len(before) + len(words)
        start = self._covered(sequence, first, last, len(words), self._allowed)
        if start is None and _DOUBLE_LETTER_RE.search(" ".join(sequence)):  # else no change
            squeezed = [_squeezed(word) for word in sequence]
            start = self._covered(squeezed, first, last, max(2, len(words)), self._allowed_phrases)
        return None if start is None else min(start, first)

    def _covered(
        self,
        sequence: list[str],
        first: int,
        last: int,
        shortest: int,
        phrases: frozenset[tuple[str, ...]],
    ) -> int | None:
        """Where the phrase of `phrases` that covers `sequence[first:last]` starts, or None."""
        for size in range(shortest, self._longest_allowed + 1):
            for start in range(max(0, last - size), min(first, len(sequence) - size) + 1):
                if tuple(sequence[start : start + size]) in phrases:
                    return start
        return None


def _in_original(hits: list[WordHit], view: TweetView | None, text: str) -> list[WordHit]:
    """Hits found in a tweet view, with their spans and fragments in the original text."""
    if view is None:
        return hits
    placed = []
    for hit in hits:
        span = view.original_span(*hit.span)
        placed.append(WordHit(hit.term, hit.category, span, text[span[0] : span[1]],
                              hit.score, hit.reasons))  # fmt: skip
    return placed


class _Locator:
    """Where a run of reading words came from in the original text."""

    __slots__ = ("_looked", "_plain_length", "_readings", "_text", "_token_spans", "_tracked")

    def __init__(self, text: str, readings: str, plain_length: int) -> None:
        self._text = text
        self._readings = readings
        self._plain_length = plain_length
        self._token_spans: list[tuple[int, int]] | None = None
        self._looked = False
        self._tracked: Tracked | None = None

    def span(self, word_start: int, word_end: int) -> tuple[int, int]:
        if word_end < self._plain_length:
            if not self._looked:
                reading_a = self._readings[1 : self._plain_length - 1]
                self._token_spans = plain_token_spans(self._text, reading_a)
                self._looked = True
            if self._token_spans is not None:
                # word number = spaces before the word's first letter (its space after), minus one
                first = self._readings.count(" ", 0, word_start) - 1
                last = self._readings.count(" ", 0, word_end) - 1
                return (self._token_spans[first][0], self._token_spans[last][1])
        if self._tracked is None:
            self._tracked = full_readings_tracked(self._text)
        tracked = self._tracked
        if self._readings.startswith(tracked.text[:-1]):
            if word_end >= len(tracked.text):  # the words split out of spelled runs
                return (0, len(self._text))
            return tracked.source_span(word_start, word_end)
        words = f" {self._readings[word_start:word_end]} "  # not expected: find the words
        found = tracked.text.find(words)
        if found == -1:
            return (0, len(self._text))
        return tracked.source_span(found + 1, found + len(words) - 1)


def _split_known_words(run: str, vocabulary: frozenset[str]) -> str | None:
    """`run` as the fewest known words and single letters, or None if more than one letter
    is left over (`pantai` is not `p a n tai`)."""
    size = len(run)
    best: list[tuple[int, int, int] | None] = [None] * (size + 1)  # (pieces, left over, start)
    best[0] = (0, 0, 0)
    for end in range(1, size + 1):
        for start in range(max(0, end - _MAX_RUN_LENGTH), end):
            previous = best[start]
            if previous is None:
                continue
            piece = run[start:end]
            if piece in vocabulary:
                candidate = (previous[0] + 1, previous[1], start)
            elif end - start == 1:
                candidate = (previous[0] + 1, previous[1] + 1, start)
            else:
                continue
            current = best[end]
            if current is None or candidate[:2] < current[:2]:
                best[end] = candidate
    final = best[size]
    if final is None or final[1] > 1:
        return None
    pieces = []
    end = size
    while end > 0:
        step = best[end]
        assert step is not None
        pieces.append(run[step[2] : end])
        end = step[2]
    return " ".join(reversed(pieces))


def _words_before(readings: str, space: int, count: int) -> tuple[str, ...]:
    """Up to `count` words before the space at `space`, in order; not past a reading's start."""
    words: list[str] = []
    end = space
    while len(words) < count and end > 0:
        start = readings.rfind(" ", 0, end)
        word = readings[start + 1 : end]
        if start == -1 or not word or word == _SEPARATOR_WORD:
            break
        words.append(word)
        end = start
    return tuple(reversed(words))


def _words_after(readings: str, space: int, count: int) -> tuple[str, ...]:
    """Up to `count` words after the space at `space`; not past a reading's end."""
    words: list[str] = []
    start = space
    while len(words) < count:
        end = readings.find(" ", start + 1)
        word = readings[start + 1 : end]
        if end == -1 or not word or word == _SEPARATOR_WORD:
            break
        words.append(word)
        start = end
    return tuple(words)


def _canonical(word: str) -> str:
    """A word as allowed phrases compare it: `i`, `l` and the ambiguous `1` alike
    (`to1o1` = `tolol`)."""
    return word.translate(_CANONICAL)


def _forms(normalised: str, entry: WordEntry) -> list[str]:
    forms = [normalised]
    if entry.with_suffixes:
        forms += [normalised + suffix for suffix in INDONESIAN_SUFFIXES]
    return forms


def _keys(spellings: Iterable[str], kind: MatchKind, ambiguous: bool = False) -> set[str]:
    """Automaton keys for spellings: with the word boundaries `kind` needs, and with their
    `i`/`l` also written as the ambiguous `1` when `ambiguous`."""
    lead = " " if kind in (MatchKind.WORD, MatchKind.PREFIX) else ""
    tail = " " if kind in (MatchKind.WORD, MatchKind.SUFFIX) else ""
    keys: set[str] = set()
    for spelling in spellings:
        for variant in _ambiguous_variants(spelling) if ambiguous else [spelling]:
            keys.add(f"{lead}{variant}{tail}")
    return keys


def _doubled_variants(normalised: str, entry: WordEntry) -> list[str]:
    """`anjing` → `aanjing`, `annjing`, …: one letter doubled, for single words of 4+ letters
    that have no double letters (a doubled letter in the text is a cheap way to dodge)."""
    if entry.kind not in _DOUBLED_KINDS:
        return []
    variants = []
    for form in _forms(normalised, entry):
        if " " in form or len(form) < _MIN_DOUBLING_LENGTH or not form.isalpha():
            continue
        if any(a == b for a, b in itertools.pairwise(form)):
            continue
        variants += [form[: i + 1] + form[i:] for i in range(len(form))]
    return variants


def _skeletons(normalised: str, entry: WordEntry) -> list[str]:
    """`kontol` → `kntl`, `kurang ajar` → `krng ajar`: words without their vowels after the
    first letter, one word or all of a phrase at a time, where four letters or more remain
    (`dng` would be `dengan` as often as `dongo`)."""
    if entry.kind not in _SKELETON_KINDS or not normalised.replace(" ", "").isalpha():
        return []
    variants: set[str] = set()
    for form in _forms(normalised, entry):
        words = form.split(" ")
        for index, word in enumerate(words):
            skeleton = _skeleton(word, _MIN_SKELETON_LENGTH)
            if skeleton is not None:
                variants.add(" ".join([*words[:index], skeleton, *words[index + 1 :]]))
        if len(words) > 1:  # in a phrase, three letters are distinctive enough: krng ajr
            shortened = [_skeleton(word, _MIN_SKELETON_LENGTH - 1) or word for word in words]
            if shortened != words:
                variants.add(" ".join(shortened))
    return sorted(variants)


def _skeleton(word: str, shortest: int) -> str | None:
    skeleton = word[0] + "".join(c for c in word[1:] if c not in _VOWELS)
    return skeleton if len(skeleton) >= shortest and skeleton != word else None


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


def _starred_index(kept: Iterable[tuple[str, WordEntry]]) -> _Starred:
    words: dict[tuple[int, str], list[tuple[tuple[str, ...], int, WordEntry]]] = {}
    partial: list[tuple[str, WordEntry]] = []
    for normalised, entry in kept:
        for form in _forms(normalised, entry):
            if entry.kind is MatchKind.WORD:
                for phrase in {tuple(form.split(" ")), tuple(map(_squeezed, form.split(" ")))}:
                    for index, word in enumerate(phrase):
                        words.setdefault((len(word), word[0]), []).append((phrase, index, entry))
            elif " " not in form:
                partial.append((_squeezed(form), entry))
    longest = max((len(p) for entries in words.values() for p, _, _ in entries), default=1)
    return _Starred(words, partial, longest)


def _squeezed(word: str) -> str:
    """Double letters single (stars stay as they are: `f**k` keeps both)."""
    return _REPEATED_LETTER_RE.sub(r"\1", word)


_REPEATED_LETTER_RE = re.compile(rf"([^{STAR}])\1+")
_DOUBLE_LETTER_RE = re.compile(rf"([^{STAR} ])\1")


def _starred_terms(
    word: str, before: tuple[str, ...], after: tuple[str, ...], starred: _Starred
) -> list[tuple[WordEntry, int, int]]:
    """The entries a word with `*` inside may stand for, as (entry, words of the phrase
    before the word, words after it): `*` is any one letter; the first letter and at least
    two in all must be visible (`f**k`, `anj*ng`, `anak h*ram`, not `****`). Double letters
    count once (`g*blookk`)."""
    if len(word) > _MAX_STARRED_LENGTH or word[0] == STAR or len(word) - word.count(STAR) < 2:
        return []
    found: dict[str, tuple[WordEntry, int, int]] = {}
    for spelled in dict.fromkeys((word, _squeezed(word))):
        for phrase, index, entry in starred.words.get((len(spelled), spelled[0]), ()):
            if (
                entry.term not in found
                and _glob_equal(spelled, phrase[index])
                and index <= len(before)
                and len(phrase) - index - 1 <= len(after)
                and _same_words(before[len(before) - index :], phrase[:index])
                and _same_words(after[: len(phrase) - index - 1], phrase[index + 1 :])
            ):
                found[entry.term] = (entry, index, len(phrase) - index - 1)
    word = _squeezed(word)
    for form, entry in starred.partial:
        size = len(form)
        if entry.kind is MatchKind.PREFIX:
            offsets: Iterable[int] = (0,)
        elif entry.kind is MatchKind.SUFFIX:
            offsets = (len(word) - size,)
        else:
            offsets = range(len(word) - size + 1)
        if entry.term not in found and any(
            0 <= offset and _glob_equal(word[offset : offset + size], form) for offset in offsets
        ):
            found[entry.term] = (entry, 0, 0)
    return list(found.values())


def _same_words(words: Iterable[str], phrase: Iterable[str]) -> bool:
    return all(w == p or _squeezed(w) == _squeezed(p) for w, p in zip(words, phrase, strict=True))


def _glob_equal(word: str, form: str) -> bool:
    return len(word) == len(form) and all(
        w == STAR or w == f or (w == AMBIGUOUS_LETTER and f in "il")
        for w, f in zip(word, form, strict=True)
    )
