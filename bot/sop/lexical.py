"""Lexical retrieval: which SOP entries share the customer's words, scored in [0, 1].

Our own small inverted index over numpy arrays, rather than rank-bm25 (pure
Python, scores every document per query: tens of ms at 10,000 entries) or
bm25s (fast, but returns documents, not the per-entry, per-question and
query-normalised scores the decision needs). A query touches only the postings
of its own terms and sums them with `numpy.bincount`, which keeps a query at
10,000 entries well under a millisecond.

Each entry is scored two ways and the two are averaged:

* **entry BM25**: all of an entry's paraphrases (both languages), its title and
  tags form one document. Pooling the paraphrases lets a query that mixes the
  words of several paraphrases still match (the best single signal on
  banking77: top-1 0.76 against 0.68 for the best single question). Word pairs
  ("card_arrive") count too, at half weight, so word order carries some signal.
  The score is divided by the query's own best possible score, so it says how
  much of the query the entry explains, and a query full of words no entry
  knows ("resep nasi goreng") scores low everywhere.
* **best question**: the TF-IDF cosine between the query and the entry's closest
  single paraphrase or title: high when the customer wrote nearly what the SOP
  wrote.

Typos: a query word that no entry contains is replaced by the closest index
term (Levenshtein distance 1, or 2 for long words, same first letter), found
with rapidfuzz and remembered per index; failing that, by the expansion of the
closest chat spelling ("ongkr" -> "ongkir" -> "ongkos kirim"). A word that is
a real word of its own (an Indonesian root, a word of our lists) is never
"corrected": "tahan" does not become "tahun" because the SOP says "tahun".
A word no entry knows that stands where a place or a name would ("dari
Sidoarjo", `Analysis.context`) is left out instead of counted as unknown.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.sop.analysis import Analyzer
from bot.sop.model import SopEntry

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.integer[Any]]

K1 = 1.5  # BM25 term-frequency saturation: several paraphrases repeating a word matter
B = 0.75  # BM25 length normalisation
PAIR_WEIGHT = 0.5  # weight of adjacent-word pairs against single words
TAG_WEIGHT = 0.5
TYPO_WEIGHT = 0.8  # a corrected word counts a little less than a typed one
CONTEXT_WEIGHT = 0.5  # a word where a place or name stands ("ke Bandung") counts half, if known
BM25_SCALE = 0.45  # entry BM25 / query maximum at which the entry counts as a full match
_BEST_QUESTION_SHARE = 0.5


def _pairs(terms: Sequence[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in pairwise(terms) if a != b]


@dataclass(frozen=True, slots=True)
class _Postings:
    """Term -> (row indices, weights) in compressed form: one slice per term."""

    starts: IntArray  # len(vocabulary) + 1
    rows: IntArray
    weights: FloatArray

    def gather(
        self, term_ids: Sequence[int], factors: Sequence[float]
    ) -> tuple[IntArray, FloatArray]:
        rows, weights, _ = self.gather_with_lengths(term_ids, factors)
        return rows, weights

    def gather_with_lengths(
        self, term_ids: Sequence[int], factors: Sequence[float]
    ) -> tuple[IntArray, FloatArray, IntArray]:
        """The terms' postings end to end, each weight times its term's factor, and how
        many postings each term gave (to spread a per-term value over them)."""
        if not term_ids:
            return np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(0, np.int64)
        ids = np.asarray(term_ids, np.int64)
        firsts, ends = self.starts[ids].tolist(), self.starts[ids + 1].tolist()
        lengths = np.asarray(ends, np.int64) - np.asarray(firsts, np.int64)
        rows = np.concatenate([self.rows[first:end] for first, end in zip(firsts, ends, strict=True)])
        weights = np.concatenate([self.weights[first:end] for first, end in zip(firsts, ends, strict=True)])
        weights *= np.repeat(np.asarray(factors, np.float32), lengths)
        return rows, weights, lengths


def _build_postings(
    rows: IntArray, terms: IntArray, weights: FloatArray, vocabulary_size: int
) -> _Postings:
    """From (row, term, weight) triples to postings grouped by term."""
    order = np.argsort(terms, kind="stable")
    counts = np.bincount(terms, minlength=vocabulary_size)
    starts = np.zeros(vocabulary_size + 1, np.int32)
    np.cumsum(counts, out=starts[1:])
    return _Postings(starts, rows[order].astype(np.int32), weights[order].astype(np.float32))


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """A query as the index sees it: known words and word pairs with weights, and the
    weight of words no entry contains (which lowers every score)."""

    words: dict[int, float]
    pairs: dict[int, float]
    unknown_weight: float


class LexicalIndex:
    """Immutable once built (the typo memo aside, which only ever caches a pure function)."""

    def __init__(self, entries: Sequence[SopEntry], analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.size = len(entries)
        vocabulary: dict[str, int] = {}

        def term_id(term: str) -> int:
            found = vocabulary.get(term)
            if found is None:
                found = vocabulary[term] = len(vocabulary)
            return found

        # (row, term, count) triples: entry documents and single questions
        entry_rows: list[int] = []
        entry_terms: list[int] = []
        entry_tf: list[float] = []
        question_rows: list[int] = []
        question_terms: list[int] = []
        question_tf: list[int] = []
        question_owner: list[int] = []
        question_start = [0]
        surface: dict[str, str] = {}  # a word as the SOP spells it -> its term
        for index, entry in enumerate(entries):
            counts: dict[int, float] = {}  # term -> count (fractional for pairs and tags)
            texts = [entry.title, *(q for qs in entry.questions.values() for q in qs)]
            for text in texts:
                analysis = analyzer.analyse(text)
                terms = analysis.terms
                surface.update(zip(analysis.words, terms, strict=True))
                if not terms:
                    continue
                question = Counter(term_id(t) for t in terms)
                question_rows.extend([len(question_owner)] * len(question))
                question_terms.extend(question.keys())
                question_tf.extend(question.values())
                question_owner.append(index)
                for question_term, count in question.items():
                    counts[question_term] = counts.get(question_term, 0.0) + count
                for pair in _pairs(terms):
                    pair_id = term_id(pair)
                    counts[pair_id] = counts.get(pair_id, 0.0) + PAIR_WEIGHT
            for tag in entry.tags:
                for term in analyzer.terms(tag):
                    tag_id = term_id(term)
                    counts[tag_id] = counts.get(tag_id, 0.0) + TAG_WEIGHT
            entry_rows.extend([index] * len(counts))
            entry_terms.extend(counts.keys())
            entry_tf.extend(counts.values())
            question_start.append(len(question_owner))

        self.vocabulary = vocabulary
        size = max(self.size, 1)
        e_rows = np.asarray(entry_rows, np.int64)
        e_terms = np.asarray(entry_terms, np.int64)
        e_tf = np.asarray(entry_tf, np.float64)
        document_frequency = np.bincount(e_terms, minlength=len(vocabulary))
        self.idf = np.log1p((size - document_frequency + 0.5) / (document_frequency + 0.5)).astype(
            np.float32
        )
        # A word no entry has counts like a word only one entry has: it may be a typo,
        # a city or an order number as much as a sign of an uncovered topic.
        self.unseen_idf = math.log(1 + (size - 1 + 0.5) / (1 + 0.5))

        lengths = np.bincount(e_rows, weights=e_tf, minlength=self.size)
        average = float(lengths.mean()) if self.size else 1.0
        norm = K1 * (1 - B + B * lengths[e_rows] / max(average, 1e-9))
        e_weights = e_tf * (K1 + 1) / (e_tf + norm) * self.idf[e_terms]
        self._entries = _build_postings(e_rows, e_terms, e_weights, len(vocabulary))
        # (term, entry) pairs as one ascending key each: whether an entry has a term is a
        # binary search, all of a query's terms in one call (`coverage`)
        term_of_posting = np.repeat(np.arange(len(vocabulary), dtype=np.int64), np.diff(self._entries.starts))
        self._entry_keys = term_of_posting * max(self.size, 1) + self._entries.rows

        q_rows = np.asarray(question_rows, np.int64)
        q_terms = np.asarray(question_terms, np.int64)
        q_raw = (1 + np.log(np.asarray(question_tf, np.float64))) * self.idf[q_terms]
        q_norms = np.sqrt(np.bincount(q_rows, weights=q_raw**2, minlength=len(question_owner)))
        q_values = q_raw / np.maximum(q_norms[q_rows], 1e-12)
        self.question_count = len(question_owner)
        self.question_owner = np.asarray(question_owner, np.int32)
        self._slots = QuestionSlots.lay_out(np.asarray(question_start, np.int64))
        # the question postings point at slots, so a query's per-question sums come out
        # already laid out for the per-entry maximum
        self._questions = _build_postings(self._slots.of_question[q_rows], q_terms, q_values, len(vocabulary))

        # Typo candidates: the words as the SOP spells them, and the words of the translation
        # bridge whose term the index has ("shiping" is one letter from "shipping": "kirim").
        for indonesian, english in analyzer.lexicon.bridges.items():
            for word in (indonesian, *english):
                stem = analyzer.term_of(word)
                if stem is not None and analyzer.bridge.get(stem, stem) in vocabulary:
                    surface.setdefault(word, analyzer.bridge.get(stem, stem))
        self._surface = surface
        # each entry's words, answers included, read when first asked (`entry_mentions`)
        self._entry_texts = [
            (e.title, *e.tags, *(q for qs in e.questions.values() for q in qs), *e.answers.values())
            for e in entries
        ]
        self._entry_words: list[frozenset[str] | None] = [None] * len(self._entry_texts)
        self._by_initial: dict[str, list[str]] = {}
        for known in surface:
            if known.isalpha() and len(known) >= 3:
                self._by_initial.setdefault(known[0], []).append(known)
        self._corrections: dict[str, str | None] = {}
        self._slang_by_initial: dict[str, list[str]] = {}
        for slang in analyzer.lexicon.colloquial:
            if len(slang) >= 4 and slang.isalpha():
                self._slang_by_initial.setdefault(slang[0], []).append(slang)

    # --- queries ---------------------------------------------------------------------

    def query_terms(self, text: str) -> QueryTerms:
        analysis = self.analyzer.analyse(text)
        return self.query_from_terms(analysis.terms, analysis.context, analysis.words)

    def query_from_terms(
        self, terms: Sequence[str], context: Sequence[bool] = (), sources: Sequence[str] = ()
    ) -> QueryTerms:
        """The query for terms the caller already has (`Analyzer.analyse` of the message:
        its terms, which stand where a place or name would, and the words they come from)."""
        words: dict[int, float] = {}
        pairs: dict[int, float] = {}
        unknown = 0.0
        placed: list[str] = []
        for position, typed in enumerate(terms):
            found: tuple[str, ...] = (typed,)
            in_context = position < len(context) and context[position]
            weight = CONTEXT_WEIGHT if in_context else 1.0
            if typed not in self.vocabulary:
                if not typed.isalpha() or in_context:
                    continue  # numbers, names and places: they say nothing about the topic
                corrected = self.correct(sources[position] if position < len(sources) else typed)
                found = (corrected,) if corrected is not None else self.expand_misspelt_slang(typed)
                if not found:
                    unknown += 1.0
                    placed.append("")
                    continue
                weight = TYPO_WEIGHT
            for term in found:
                term_id = self.vocabulary[term]
                words[term_id] = words.get(term_id, 0.0) + weight
                placed.append(term)
        for pair in _pairs(placed):
            pair_id = self.vocabulary.get(pair)
            if pair_id is not None:
                pairs[pair_id] = pairs.get(pair_id, 0.0) + PAIR_WEIGHT
        return QueryTerms(words, pairs, unknown)

    def correct(self, word: str) -> str | None:
        """The index term of the SOP word a misspelt word most likely meant, or None.

        Words, not stems, are compared: a typo is a matter of spelling, and stems
        make unrelated words look alike ("shopee" is stemmed "shope", one letter
        from "shop"). A word that is a word of its own is never corrected.
        """
        if word in self._corrections:
            return self._corrections[word]
        corrected = None
        if word.isalpha() and len(word) >= 4 and not self.analyzer.is_real_word(word):
            candidates = self._by_initial.get(word[0], [])
            limit = 1 if len(word) < 8 else 2
            found = process.extractOne(word, candidates, scorer=Levenshtein.distance, score_cutoff=limit)
            if found is not None:
                corrected = self._surface[str(found[0])]
        if len(self._corrections) > 100_000:
            self._corrections.clear()
        self._corrections[word] = corrected
        return corrected

    def entry_mentions(self, entry: int, word: str) -> bool:
        """Whether the entry's title, questions, tags or answers have this word (standard spelling)."""
        words = self._entry_words[entry]
        if words is None:
            entry_texts = self._entry_texts[entry]
            words = frozenset(w for text in entry_texts for w in self.analyzer.standard_words(text))
            self._entry_words[entry] = words
        return word in words

    def expand_misspelt_slang(self, term: str) -> tuple[str, ...]:
        """The index terms of the chat spelling one letter from `term` ("ongkr" -> "ongkir"
        -> "ongkos kirim"), when every one of them is in the index; else ()."""
        if len(term) < 4 or self.analyzer.is_real_word(term):
            return ()
        lexicon = self.analyzer.lexicon
        candidates = self._slang_by_initial.get(term[0], ())
        found = process.extractOne(term, candidates, scorer=Levenshtein.distance, score_cutoff=1)
        if found is None:
            return ()
        expansion = [self.analyzer.term_of(word) for word in lexicon.colloquial[str(found[0])]]
        terms = tuple(self.analyzer.bridge.get(t, t) for t in expansion if t is not None)
        return terms if terms and all(t in self.vocabulary for t in terms) else ()

    def scores(self, text: str) -> FloatArray:
        """One score in [0, 1] per entry, in build order."""
        return self.scores_for(self.query_terms(text))

    def containment(self, query: QueryTerms) -> FloatArray:
        """Per entry, the largest share of the query (IDF-weighted, unknown words
        included) that one of its questions contains: 1.0 when a single approved
        question holds every word the customer wrote."""
        return self.score(query).containment

    def coverage(self, query: QueryTerms, entry: int) -> float:
        """The share of the query (IDF-weighted, unknown words included) that the entry's
        texts hold between them: low when the message names something the entry never
        does ("hapus akun instagram" against an entry about deleting *our* account)."""
        if not query.words:
            return 0.0
        term_ids = np.fromiter(query.words, np.int64, len(query.words))
        keys = term_ids * max(self.size, 1) + entry
        found = np.minimum(np.searchsorted(self._entry_keys, keys), max(len(self._entry_keys) - 1, 0))
        has = (self._entry_keys[found] == keys).tolist() if len(self._entry_keys) else [False] * len(keys)
        held = total = 0.0
        for (term_id, weight), entry_has in zip(query.words.items(), has, strict=True):
            mass = float(self.idf[term_id]) * weight
            total += mass
            if entry_has:
                held += mass
        total += query.unknown_weight * self.unseen_idf
        return held / total if total else 0.0

    def scores_for(self, query: QueryTerms) -> FloatArray:
        return self.score(query).scores

    def score(self, query: QueryTerms) -> LexicalScores:
        """The entries' scores and containment (see `containment`) together: both sum
        the same question postings, gathered once."""
        if not query.words or self.size == 0:
            nothing = np.zeros(self.size, np.float32)
            return LexicalScores(nothing, nothing)
        word_ids, word_weights = list(query.words), list(query.words.values())
        both_ids = word_ids + list(query.pairs)
        both_weights = word_weights + list(query.pairs.values())

        known = float(np.dot(self.idf[both_ids], np.asarray(both_weights, np.float32)))
        unknown = query.unknown_weight * self.unseen_idf
        best_possible = (known + unknown) * (K1 + 1) * BM25_SCALE
        rows, values = self._entries.gather(both_ids, both_weights)
        entry_bm25 = np.bincount(rows, values, minlength=self.size)
        entry_part = np.minimum(entry_bm25 / best_possible, 1.0)

        vector = self.idf[word_ids] * np.asarray(word_weights, np.float32)
        norm = math.sqrt(float(np.dot(vector, vector)) + unknown * unknown) or 1.0
        rows, values, lengths = self._questions.gather_with_lengths(word_ids, list(vector / norm))
        rows = rows.astype(np.intp, copy=False)  # what bincount reads: converted once for both sums
        slots = self._slots
        per_question = np.bincount(rows, values, minlength=slots.count).astype(np.float64, copy=False)
        best_question = slots.best_per_entry(per_question)

        share = _BEST_QUESTION_SHARE
        scores = ((1 - share) * entry_part + share * best_question).astype(np.float32)

        # containment: each word's share of the query, on every question that has it
        mass = self.idf[word_ids] * np.asarray(word_weights, np.float32)
        total = float(mass.sum()) + query.unknown_weight * self.unseen_idf
        shares = np.repeat((mass / total).astype(np.float32), lengths)
        per_question = np.bincount(rows, shares, minlength=slots.count).astype(np.float64, copy=False)
        return LexicalScores(scores, slots.best_per_entry(per_question).astype(np.float32))


@dataclass(frozen=True, slots=True)
class LexicalScores:
    """One query against every entry, in build order."""

    scores: FloatArray  # in [0, 1]
    containment: FloatArray  # see `LexicalIndex.containment`


@dataclass(frozen=True, slots=True)
class QuestionSlots:
    """Where each question's sum lands, so that the best question per entry is a maximum
    over a few rows of entry length, not a `reduceat` over every question.

    Question `r` of entry `e` sits in slot `r * entries + e` for its first `width`
    questions (row r of a (width, entries) block: one vectorised maximum over `width`
    rows); the questions past `width` of the few entries that have more sit after
    the block, grouped by entry, and are reduced on their own. `width` is capped so
    that the block is at most about twice the number of questions: one entry with
    hundreds of paraphrases does not blow it up. Slots no question uses stay 0,
    which changes no maximum: every score is >= 0.
    """

    of_question: IntArray  # question -> slot
    entries: int
    width: int
    count: int  # slots in all
    overflow_entries: IntArray  # entries with questions past `width`, ascending
    overflow_starts: IntArray  # where each one's extra slots start, after the block

    @classmethod
    def lay_out(cls, question_start: IntArray) -> QuestionSlots:
        """From each entry's first question (and one past the last: `len == entries + 1`)."""
        entries = len(question_start) - 1
        per_entry = np.diff(question_start)
        questions = int(question_start[-1]) if entries else 0
        widest = int(per_entry.max()) if entries else 0
        width = max(1, min(widest, (2 * questions) // max(entries, 1)))
        owner = np.repeat(np.arange(entries, dtype=np.int64), per_entry)
        rank = np.arange(questions, dtype=np.int64) - question_start[owner]
        block = width * entries
        of_question = rank * entries + owner
        extra = rank >= width  # in question order, so grouped by entry and in ascending entry order
        of_question[extra] = block + np.arange(int(extra.sum()), dtype=np.int64)
        overflow_entries, first = np.unique(owner[extra], return_index=True)
        return cls(
            of_question.astype(np.int64),
            entries,
            width,
            block + int(extra.sum()),
            overflow_entries.astype(np.int64),
            (block + first).astype(np.int64),
        )

    def best_per_entry(self, per_slot: FloatArray) -> FloatArray:
        """The largest value among each entry's questions (0 for an entry with none)."""
        if self.entries == 0:
            return np.zeros(0, np.float64)
        best: FloatArray = per_slot[: self.width * self.entries].reshape(self.width, self.entries).max(axis=0)
        if len(self.overflow_entries):
            extra = np.maximum.reduceat(per_slot, self.overflow_starts)
            best[self.overflow_entries] = np.maximum(best[self.overflow_entries], extra)
        return best
