"""From a message to the terms retrieval compares: standard spelling, no stopwords, stems.

Customers write "gmn sy blm dpt pesenan nya kak", the SOP says "Bagaimana jika
saya belum mendapat pesanan?". Both must reduce to the same few terms
(`bagaimana dapat pesan`), so the steps are, per word:

1. spelling: elongations ("halooo"), the curated colloquial lexicon
   (`data/colloquial_*.tsv`: gak -> tidak, udh -> sudah, pesenan -> pesanan), and
   Jakarta-style verb forms that no list can enumerate (ngirim -> kirim,
   batalin -> batal, nyariin -> cari), accepted only when the result is a known
   Indonesian root;
2. stopwords of both languages (kept: negations and question words);
3. stems (`stemming.py`);
Courtesies ("selamat malam", "maaf ganggu", `data/courtesies.txt`) are dropped
whole before step 2, and so is every *filler clause*: a clause (between commas
or stops) of nothing but greetings, thanks, forms of address, stopwords and
names ("halo kak", "saya Budi dari Bekasi", "makasih ya kak 🙏"): customers wrap
their question in them and they say nothing about its topic. Words right after
a place or name marker ("dari Sidoarjo", "ke kecamatan Cibinong"), and names
after a person ("saya Rina", "adik saya Budi": capitalised; after "nama saya" any
word we do not know),
are marked as context (`Analysis.context`): the index ignores such a word when
no entry knows it, instead of counting it as a sign of an uncovered topic.
Other words no entry knows still count: "tiket pesawat" in a shop's chat is
a topic the SOP does not cover, not filler.

4. one term per translation pair (`data/bridge_id_en.tsv`: cancel -> batal,
   payment -> bayar): customers mix languages ("mau cancel pesanan", "refund
   sy blm masuk") and an SOP question in one language should meet the same
   words in the other. Applied to the SOP and the message alike, so a pair
   simply becomes one word; on English-only text it changes nothing but the
   few English synonyms a line groups (buy, purchase).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from bot.sop.lexicon import Lexicon, default_lexicon
from bot.sop.stemming import WordStemmer, default_stemmer
from bot.sop.text import words

# Words after which a name (a word of no list or dictionary we have) is a place or a
# person, not the topic: "kirim ke Cibinong", "sy dari Sidoarjo", "alamat di jl Melati".
# Indonesian only: English has no dictionary here, so every English word would look like a name.
CONTEXT_MARKERS = frozenset(
    {
        "di", "ke", "dari", "daerah", "kota", "kecamatan", "kec", "kabupaten", "kab", "desa",
        "kelurahan", "kel", "provinsi", "prov", "jalan", "jl", "jln", "wilayah", "sekitar",
        "komplek", "kompleks", "perumahan", "gang", "nama", "namaku",
    }
)  # fmt: skip
CONTEXT_SPAN = 3  # words a marker covers: "ke kecamatan cibinong barat"
# Words after which a capitalised word is a person's name (after an introduction, "nama saya",
# also a word we do not know): "saya Budi", "nama saya wulan", "adik saya Fitri", "temen saya Hendra".
PERSON_MARKERS = frozenset(
    {
        "saya", "aku", "nama", "namaku", "perkenalkan", "kenalkan", "adik", "anak", "teman", "temen",
        "suami", "istri", "ibu", "bapak", "mertua", "tetangga", "sodara", "saudara", "om", "tante",
    }
)  # fmt: skip
PERSON_SPAN = 2  # "saya Budi Santoso"
# English has no dictionary here, so after these only a capitalised word is a name: "I'm John from Leeds"
CAPITAL_MARKERS = frozenset({"am", "is", "name", "from", "in", "my"})
# Words that only introduce the writer or greet: a clause of these, names and stopwords is filler
INTRODUCTIONS = frozenset({"nama", "namaku", "perkenalkan", "kenalkan", "kenal", "name", "named"})
CLAUSE_MEMO = 64  # texts whose clauses `Analyzer._clauses` keeps: a batch of messages and their parts
_CLAUSE = re.compile(r"[^.!?;,\n]+[.!?;,\n]*")
_SENTENCE_END = re.compile(r"[.!?\n]\s*$")
_LETTERS = re.compile(r"[^\W\d_]+")
# Forms of address: "kak, ongkir berapa?" asks what "ongkir berapa?" asks (left out of the encoder's text)
ADDRESS_WORDS = frozenset({"kak", "kakak", "ka", "min", "mimin", "admin", "gan", "agan", "sis", "bang", "mas", "mbak"})

_RUN_OF_THREE = re.compile(r"([^\W\d_])\1{2,}")
_TRAILING_DOUBLE = re.compile(r"([^\W\d_])\1$")
_VOWELS = "aeiou"


@dataclass(frozen=True, slots=True)
class Analysis:
    """A message's retrieval terms, and which of them stand where a place or a name would."""

    terms: list[str]
    context: list[bool]
    words: list[str]  # the word in standard spelling each term comes from (typos are corrected on these)


@dataclass(frozen=True, slots=True)
class Analyzer:
    """Text -> words in standard spelling -> retrieval terms. Stateless apart from caches."""

    lexicon: Lexicon
    stemmer: WordStemmer
    # word -> standard spelling; a memo of a pure function, bounded, so building a
    # 10,000-entry index analyses each distinct word once
    _memo: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    # the last texts' clauses: one message is split by `analyse`, `content` and `encoder_text`,
    # and a long one's question parts again (~1 ms of a long message at 10,000 entries)
    _clause_memo: dict[str, list[tuple[str, list[tuple[str, bool]]]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # stem -> the stem that stands for its translation group (see `bridge_stems`)
    _bridge: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._bridge.update(bridge_stems(self.lexicon.bridges, self.stemmer))

    @property
    def bridge(self) -> Mapping[str, str]:
        """Stem -> the term it becomes (its translation group's Indonesian stem)."""
        return self._bridge

    def standard(self, word: str) -> tuple[str, ...]:
        """One word in standard spelling (memoised `standardise`)."""
        memo = self._memo
        standard = memo.get(word)
        if standard is None:
            standard = self.standardise(word)
            if len(memo) > 200_000:
                memo.clear()
            memo[word] = standard
        return standard

    def standard_words(self, text: str) -> list[str]:
        """The message's words in standard spelling, stopwords included (small talk needs them)."""
        out: list[str] = []
        units = self.lexicon.after_number
        previous = ""
        for word in words(text):
            unit = units.get(word) if any(ch.isdigit() for ch in previous) else None
            out.extend(unit or self.standard(word))
            previous = word
        starts = self.lexicon.phrase_starts
        if any(word in starts for word in out[:-1]):
            return self._join_phrases(out)
        return out

    def _join_phrases(self, standard: list[str]) -> list[str]:
        """ "log in" -> "login", "top up" -> "topup" (`data/phrases.tsv`)."""
        joined: list[str] = []
        index = 0
        while index < len(standard):
            replacement = None
            if index + 1 < len(standard):
                replacement = self.lexicon.phrases.get((standard[index], standard[index + 1]))
            if replacement is not None:
                joined.append(replacement)
                index += 2
            else:
                joined.append(standard[index])
                index += 1
        return joined

    def encoder_text(self, text: str) -> str:
        """The text a sentence encoder reads: the words in standard spelling ("gmn sy blm
        dpt" -> "bagaimana saya belum dapat"), which the models learned (on the tuning pool
        USE multilingual ranked Indonesian messages 3 points better so than as typed),
        without courtesies and without the names after a place or name marker ("sy Rina
        dari Sidoarjo"): they pull a short question's vector away from its topic."""
        kept: list[str] = []
        span = 0
        for word, person in self._content(text):
            if word in ADDRESS_WORDS:
                continue
            if word in CONTEXT_MARKERS:
                span = CONTEXT_SPAN
            elif person or (span and self.is_name(word)):
                span = max(0, span - 1)
                continue
            else:
                span = 0
            kept.append(word)
        return " ".join(kept) or text

    def is_name(self, word: str) -> bool:
        """A word that is no word of any list or dictionary we have: a name, a place, a brand."""
        return word.isalpha() and not self.is_real_word(word) and not self.is_real_word(self.stemmer.stem(word))

    def terms(self, text: str) -> list[str]:
        """Stemmed content words, in order, repeats kept."""
        return self.analyse(text).terms

    def analyse(self, text: str) -> Analysis:
        """The terms, and which follow a place or name marker (see the module docstring)."""
        stopwords = self.lexicon.stopwords
        requests = self.lexicon.request_words
        bridge = self._bridge
        terms: list[str] = []
        context: list[bool] = []
        sources: list[str] = []
        span = 0
        for word, person in self._content(text):
            if word in CONTEXT_MARKERS:
                span = CONTEXT_SPAN
                continue
            if word in stopwords or word in self.lexicon.question_words:
                span = 0
                if word in stopwords:
                    continue
            stem = self.stemmer.stem(word)
            if stem in requests:
                span = 0
                continue
            terms.append(bridge.get(stem, stem))
            # a dictionary word stays a word ("bayar di tempat"); only names are context
            context.append(person or (span > 0 and self.is_name(word)))
            sources.append(word)
            span = max(0, span - 1)
        return Analysis(terms, context, sources)

    def content(self, text: str) -> str:
        """The message without its filler clauses (see the module docstring), as typed."""
        kept = [clause for clause, words in self._clauses(text) if words]
        return "".join(kept).strip() or text

    def _content(self, text: str) -> list[tuple[str, bool]]:
        """The standard words of the message's non-filler clauses, each with whether it is
        a person's name ("saya Budi", "adik saya Fitri")."""
        return [word for _, words in self._clauses(text) for word in words]

    def _clauses(self, text: str) -> list[tuple[str, list[tuple[str, bool]]]]:
        """Each clause as typed, with its words in standard spelling and without courtesies
        (none when the clause is filler), each word marked when it is a person's name.

        Memoised for up to CLAUSE_MEMO recent texts (callers only read the result)."""
        memo = self._clause_memo
        found = memo.get(text)
        if found is None:
            found = self._split_clauses(text)
            if len(memo) >= CLAUSE_MEMO:
                memo.clear()  # atomic: an index built in a thread shares the analyzer with the loop
            memo[text] = found
        return found

    def _split_clauses(self, text: str) -> list[tuple[str, list[tuple[str, bool]]]]:
        out: list[tuple[str, list[tuple[str, bool]]]] = []
        sentence_start = True
        for match in _CLAUSE.finditer(text):
            clause = match.group()
            names = _capitalised(clause, sentence_start)
            sentence_start = bool(_SENTENCE_END.search(clause))
            if not _LETTERS.search(clause):
                out.append((clause, []))
                continue
            words = self._without_courtesies(self.standard_words(clause))
            marked = self._mark_persons(words, names)
            out.append((clause, [] if self._is_filler(marked) else marked))
        return out

    def _mark_persons(self, words: list[str], capitalised: frozenset[str]) -> list[tuple[str, bool]]:
        """Names after a person or place marker: a capitalised word ("saya Budi", "sy Dewi dr
        Garut"); after an introduction ("nama saya wulan") also a word we do not know. A
        lower-case word after "saya" may be a typo of the topic ("saya pasword lupa"): kept."""
        marked: list[tuple[str, bool]] = []
        span = 0
        loose = False
        for word in words:
            person = span > 0 and (word in capitalised or (loose and self.is_name(word)))
            person = person and word not in self.lexicon.question_words and word not in self.lexicon.stopwords
            marked.append((word, person))
            if word in PERSON_MARKERS or word in CONTEXT_MARKERS or word in CAPITAL_MARKERS:
                loose = word in INTRODUCTIONS or (loose and span > 0 and word in PERSON_MARKERS)
                span = PERSON_SPAN
            elif not person:
                span = 0
            else:
                span -= 1
        return marked

    def _is_filler(self, marked: list[tuple[str, bool]]) -> bool:
        """A clause that greets, thanks, introduces the writer or addresses the staff, and
        asks and names nothing: "halo kak", "saya Budi dari Bekasi", "thanks a lot"."""
        lexicon = self.lexicon
        span = 0
        for word, person in marked:
            if word in lexicon.question_words:
                return False
            if word in CONTEXT_MARKERS:
                span = CONTEXT_SPAN
                continue
            if person or (span and self.is_name(word)):
                span = max(0, span - 1)
                continue
            span = 0
            if not (
                word in ADDRESS_WORDS or word in INTRODUCTIONS or word in lexicon.stopwords
                or (word,) in lexicon.small_talk
            ):
                return False
        return True

    def _without_courtesies(self, standard: list[str]) -> list[str]:
        courtesies = self.lexicon.courtesies
        if not courtesies:
            return standard
        kept: list[str] = []
        index = 0
        while index < len(standard):
            for length in (4, 3, 2, 1):
                if tuple(standard[index : index + length]) in courtesies:
                    index += length
                    break
            else:
                kept.append(standard[index])
                index += 1
        return kept

    def is_real_word(self, term: str) -> bool:
        """A term that is a word in its own right (an Indonesian root, a word of our lists),
        so not a typo to correct: "tahan" is not a misspelt "tahun", "biasa" not "biaya"."""
        return self.stemmer.is_indonesian_root(term) or self.lexicon.is_known(term)

    def is_vague(self, terms: list[str]) -> bool:
        """Terms that name no topic: nothing left but question words ("gimana ini kak?")."""
        questions = self.lexicon.question_words
        return all(term in questions for term in terms)

    def term_of(self, word: str) -> str | None:
        """The term of one standard word, or None for a stopword."""
        return None if word in self.lexicon.stopwords else self.stemmer.stem(word)

    def standardise(self, word: str) -> tuple[str, ...]:
        word = self._unelongate(word)
        mapped = self.lexicon.standard(word)
        if mapped is not None:
            return mapped
        if self._is_known(word) or not word.isalpha() or len(word) < 5:
            return (word,)
        if word.endswith("nya") and len(word) >= 6:
            # "-nya" on a loanword ("vouchernya", "refundnya"): Sastrawi strips it only
            # from Indonesian roots, so strip it here for the rest.
            return self.standardise(word[:-3])
        root = self._colloquial_root(word)
        if root is not None:
            return self.lexicon.standard(root) or (root,)
        return (word,)

    def _is_known(self, word: str) -> bool:
        return self.lexicon.is_known(word) or self.stemmer.is_indonesian_root(word)

    def _unelongate(self, word: str) -> str:
        """ "halooo" -> "halo", "makasihh" -> "makasih", "pleasee" -> "please"; "too" stays."""
        if _RUN_OF_THREE.search(word):
            two = _RUN_OF_THREE.sub(r"\1\1", word)
            one = _RUN_OF_THREE.sub(r"\1", word)
            for candidate in (two, one):
                if self._is_known(candidate):
                    return candidate
            word = two
        if _TRAILING_DOUBLE.search(word) and not self._is_known(word):
            shorter = word[:-1]
            if (
                shorter in self.lexicon.colloquial
                or (shorter,) in self.lexicon.small_talk
                or (shorter in self.lexicon.stopwords and len(word) >= 6)
            ):
                return shorter
        return word

    def _colloquial_root(self, word: str) -> str | None:
        """The Indonesian root behind a colloquial verb form, if there clearly is one.

        Nasal prefixes (ng-, ny-, n-, m-, nge-) and the Jakarta suffix -in replace
        the standard me-...-kan; a candidate counts only if it is a dictionary root.
        """
        candidates = _unprefixed(word, with_suffix=False)
        if word.startswith("ke") and len(word) > 5:
            candidates.append(word[2:])  # the chat passive: kepotong, ketarik, kehapus (ter-)
        if word.endswith("in") and not word.endswith(("ain", "oin", "ein")) and len(word) > 5:
            candidates += _unprefixed(word[:-2], with_suffix=True)
            if word.startswith("di"):
                candidates.append(word[2:-2])
        for candidate in candidates:
            if candidate != word and len(candidate) >= 3 and self._is_root(candidate):
                return candidate
        return None

    def _is_root(self, word: str) -> bool:
        return self.stemmer.is_indonesian_root(word) or word in self.lexicon.colloquial


def _unprefixed(word: str, *, with_suffix: bool) -> list[str]:
    """Candidate roots for a word that may carry a colloquial nasal prefix (itself first).

    ng-, nge- and ny- barely occur at the start of English words, so they apply
    alone; n- (for t-) and m- (for p-) do ("market", "ninja"), so they apply only
    together with the -in suffix ("nungguin", "milihin"). Common single forms
    (nanya, nunggu, milih) are in the lexicon instead.
    """
    out = [word]
    if word.startswith("nge") and len(word) > 5:
        out.append(word[3:])
    if word.startswith("ng") and len(word) > 3 and word[2] in _VOWELS:
        out += ["k" + word[2:], word[2:]]
    elif word.startswith("ny") and len(word) > 3 and word[2] in _VOWELS:
        out += ["c" + word[2:], "s" + word[2:]]
    elif with_suffix and word.startswith("n") and len(word) > 2 and word[1] in _VOWELS:
        out.append("t" + word[1:])
    elif with_suffix and word.startswith("m") and len(word) > 2 and word[1] in _VOWELS:
        out.append("p" + word[1:])
    return out


def _capitalised(clause: str, sentence_start: bool) -> frozenset[str]:
    """Words written with a capital inside a sentence (names: "saya Budi"), case-folded;
    not the sentence's first word, nor words of a clause in capitals ("UDAH BAYAR")."""
    found = _LETTERS.findall(clause)
    if sentence_start:
        found = found[1:]
    return frozenset(
        word.casefold() for word in found if word[0].isupper() and not word.isupper() and len(word) > 1
    )


def bridge_stems(bridges: Mapping[str, tuple[str, ...]], stemmer: WordStemmer) -> dict[str, str]:
    """Stem of each English word -> stem of its Indonesian translation.

    Stems, not words, so one line covers every inflection on both sides
    (cancel, cancelled, cancellation; batal, dibatalkan, pembatalan).
    """
    mapping: dict[str, str] = {}
    for indonesian, english in bridges.items():
        target = stemmer.stem(indonesian)
        for word in english:
            stem = stemmer.stem(word)
            if stem == target:
                continue
            if mapping.get(stem, target) != target:
                raise ValueError(f"bridge: '{word}' joins both '{mapping[stem]}' and '{target}'")
            mapping[stem] = target
    targets = set(mapping.values())
    clash = targets & set(mapping)
    if clash:
        raise ValueError(f"bridge: {sorted(clash)} both stand for a group and join another")
    return mapping


@cache
def default_analyzer() -> Analyzer:
    return Analyzer(default_lexicon(), default_stemmer())
