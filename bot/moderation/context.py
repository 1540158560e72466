"""Context rules: whether a listed word, where it stands, is abuse.

Many words on a list have an innocent sense: `anjing` is a dog, `babi` is pork, `tai lalat`
a mole, `Aseng` a name, `Dildo` a town in Newfoundland. A list of words alone either
misses abuse or deletes innocent chat. So every hit gets a *score*: its term's weight
(`terms.WordEntry.weight`, 1 for a word that is abuse on its own, 0.5 for one that needs
context) plus the evidence around it, and it counts when the score reaches `THRESHOLD`.

Evidence that it is abuse (each `+0.5`):

* **addressed**: aimed at a person: `dasar X`, `lo X`, `kamu itu X`, `muka lo kayak X`,
  `X lu`, `X banget lo`, `you X`, or the term with `-mu`/`-lu`/`-lo` (`babimu`); or the
  word ending a clause a person began, however far back (`lu tuh dari dulu tetep aja
  munafik`), unless it is the object of a verb or a preposition there;
* **listed**: one of three or more different live terms in a row (`munafik, pengecut,
  penjilat`);
* **another term** in the same message that counts on its own (`babi lu, bangsat`), or one
  that needs context right next to it (`kafir laknat`);
* **repeated**: the same term again elsewhere in the message;
* **disguised**: written with digits, symbols, look-alike letters or separators (`b4bi`,
  `b.a.b.i`): nobody disguises a pet. Letters stretched (`babiii`, `GILAAA`) are emphasis,
  not a disguise: a shout of admiration is stretched as often as a curse;
* **a cue of its own** (`with attack`): a word of a cue list the term names within
  `WINDOW` words (`usir kafir`, `lgbt itu penyakit`).

Evidence that it is not (each `-1`):

* **an innocent sense**: a cue word of one of the term's senses (`unless animal`) within
  `WINDOW` words (`anjing saya sakit`, `sate babi`, `homo sapiens`; a word called at a
  person by a pronoun, `dasar` or a reply, only within its clause); for the senses
  `name` and `place` also the word written with a capital in mid-sentence or before
  another capitalised word (`Pak Tai`, `near Dildo`, `Tai Shan`); for `animal` also the
  word right after a verb with its clause going on, not aimed at anyone (`liat anjing
  ketabrak motor`, `dioyak asu pas mulih`; but `minggir anjing` is a call);
* **mentioned, not used**: in quotes, right after `kata`/`istilah`/`the word`, or right
  before `artinya`/`means` (`kata "anjing" itu kasar`, `bangsat itu aslinya kutu busuk`),
  or listed right after a mentioned term (`istilah cebong, kampret, kadrun`);
* **said of oneself** (insults only, and not when also aimed at someone: `gw bilang bego
  lu`): `bego banget gw`, `gw emang goblok`.

The cue words are data, in `wordlists/context.txt` (see `parse_context` for the format).
Everything here is pure and works on the normalised words around a hit, so it costs
nothing for the messages with no listed word at all, which are nearly all of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

from bot.moderation.normalise import MENTION_WORD
from bot.moderation.terms import WordEntry, WordListError

THRESHOLD = 1.0
ADDRESSED = 0.5
ANOTHER_TERM = 0.5
REPEATED = 0.5
DISGUISED = 0.5
BOOSTED = 0.5
INNOCENT_SENSE = -1.0
MENTIONED = -1.0
SELF_DIRECTED = -1.0
SELF_DIRECTED_CATEGORIES = frozenset({"insult"})
"""Categories whose terms said of oneself are banter (`bego banget gw`), not abuse."""
WINDOW = 3
"""How many words either side of a hit are searched for cue words."""
PROPER_NOUN_SENSES = frozenset({"name", "place", "title"})
"""Senses for which a capitalised word in mid-sentence is itself a cue."""
ADDRESSING_SUFFIXES: tuple[str, ...] = ("mu", "lu", "lo")
"""Suffixes of `term+` forms that aim the word at the reader (`babimu`, `anjinglu`)."""
_MAX_FILLERS = 2
_QUOTES = "\"'`‘’“”«»„‚‹›"
_SENTENCE_END = ".!?\n"
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class CueWords:
    """Cue words: exact words, prefixes (`pelihara*`), and words that count only right
    before the term (`pak>`) or right after it (`<saya`)."""

    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    right_before: frozenset[str] = frozenset()
    right_after: frozenset[str] = frozenset()

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        if word in self.exact or word.startswith(self.prefixes):
            return True
        # `dahaknya`, `catnya`: the cue with the enclitic Indonesian puts on nearly any noun
        return len(word) > 5 and word.endswith("nya") and word[:-3] in self.exact

    def near(self, around: Surroundings, clause: Surroundings | None = None) -> str | None:
        """The first cue among the words around a hit, or None. Cues that must stand right
        next to it count only within its clause (`asu ku`, not `asu, aku lali`)."""
        near = clause if clause is not None else around
        if near.before and near.before[-1] in self.right_before:
            return near.before[-1]
        if near.after and near.after[0] in self.right_after:
            return near.after[0]
        for word in (*reversed(around.before), *around.after):
            if word in self:
                return word
        return None

    @classmethod
    def parse(cls, items: Iterable[str]) -> CueWords:
        exact: set[str] = set()
        prefixes: list[str] = []
        before: set[str] = set()
        after: set[str] = set()
        for item in items:
            if item.endswith(">") and len(item) > 1:
                before.add(item[:-1])
            elif item.startswith("<") and len(item) > 1:
                after.add(item[1:])
            elif item.endswith("*") and len(item) > 2:
                prefixes.append(item[:-1])
            else:
                exact.add(item)
        return cls(frozenset(exact), tuple(prefixes), frozenset(before), frozenset(after))


@dataclass(frozen=True, slots=True)
class ContextRules:
    """The cue words of every rule above, by section of `context.txt`."""

    addressed_before: CueWords = CueWords()
    addressed_after: CueWords = CueWords()
    fillers: frozenset[str] = frozenset()
    mention: CueWords = CueWords()
    mention_after: CueWords = CueWords()
    self_words: CueWords = CueWords()
    people: CueWords = CueWords()
    banter: CueWords = CueWords()
    vocative: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    verbs: CueWords = CueWords()
    not_verbs: CueWords = CueWords()
    interjections: frozenset[str] = frozenset()
    adverbs: frozenset[str] = frozenset()
    place_words: frozenset[str] = frozenset()
    senses: Mapping[str, CueWords] = field(default_factory=dict)

    def is_verb(self, word: str) -> bool:
        """Whether `word` reads as a verb (`liat`, `ngajak`, `dioyak`): listed, or with a
        verb prefix, and not one of the everyday words that only look so (`dia`, `memang`)."""
        return word in self.verbs and word not in self.not_verbs


@dataclass(frozen=True, slots=True)
class Surroundings:
    """A hit as the normalised text shows it: its words and up to `WINDOW` words either
    side within the same reading (nearest last in `before`), and where it is in the
    original text."""

    words: tuple[str, ...]
    before: tuple[str, ...]
    after: tuple[str, ...]
    span: tuple[int, int]


@dataclass(slots=True)
class MessageFacts:
    """Facts about the whole message, worked out once and only if a hit needs them."""

    text: str
    _shouting: bool | None = None
    _title_case: bool | None = None
    _clauses: bool | None = None

    @property
    def has_clauses(self) -> bool:
        """Whether any punctuation cuts the message into clauses (if not, a hit's clause is
        simply the words around it, and nothing needs cutting)."""
        if self._clauses is None:
            self._clauses = _CLAUSE_END_RE.search(self.text) is not None
        return self._clauses

    @property
    def shouting(self) -> bool:
        if self._shouting is None:
            upper = sum(map(str.isupper, self.text))
            letters = upper + sum(map(str.islower, self.text))
            self._shouting = letters >= 8 and upper >= 0.8 * letters
        return self._shouting

    @property
    def title_case(self) -> bool:
        """Most words capitalised (`Dasar Anjing Kau`): capitals then say nothing."""
        if self._title_case is None:
            words = [word for word in self.text.split() if word[:1].isalpha()]
            capitalised = sum(1 for word in words if word[0].isupper())
            self._title_case = len(words) >= 2 and capitalised >= 0.8 * len(words)
        return self._title_case


@dataclass(frozen=True, slots=True)
class Judgement:
    """A hit's score before evidence from the other hits, and the reasons."""

    score: float
    reasons: tuple[str, ...]
    innocent: bool = False
    """Whether evidence against it was found (a sense, a code, a mention, said of oneself)."""


def judge(
    entry: WordEntry, around: Surroundings, rules: ContextRules, facts: MessageFacts
) -> Judgement:
    """Weight plus the evidence found around one hit (not yet `with_others`)."""
    score = entry.weight
    reasons: list[str] = []
    clause = _within_clause(around, facts.text) if facts.has_clauses else around
    # a vocative may stand before a comma (`hey, mutt`), a pronoun after one starts a new
    # clause (`kampret, lu yg ngabisin gorengan`: the exclamation is not aimed at "lu")
    spoken_to = Surroundings(around.words, around.before, clause.after, around.span)
    if _base_not_call(around, clause, rules):
        # `kebutuhan dasar anjing`: after a noun, `dasar` is "basic", not a call
        spoken_to = Surroundings(around.words, (), clause.after, around.span)
    addressed = _next_to(spoken_to, rules.addressed_before, rules.addressed_after, rules.fillers)
    if addressed or _addressing_suffix(entry, around):
        score += ADDRESSED
        reasons.append("addressed")
    elif _replied_to(around, clause, rules):
        score += ADDRESSED
        reasons.append("reply")
    elif (entry.weight < THRESHOLD or entry.senses) and _said_to_you(around, clause, rules, facts.text):
        score += ADDRESSED
        reasons.append("said to you")
    # called so by a pronoun, `dasar` or a reply (not `hey`, which may call a dog), only
    # the word's own clause can show another sense: in `anjing lo, kucing tetangga lo
    # tendang` the cat is a new sentence, not the dog's company
    # a phrase that holds its own pronoun (`anjing lu`) is said to a person as well
    says_to = any(word in rules.vocative for word in around.words[1:])
    person = says_to or "reply" in reasons or (
        addressed and _next_to(spoken_to, rules.vocative, rules.vocative, rules.fillers)
    )
    aimed = bool(reasons)
    fragment = facts.text[around.span[0] : around.span[1]]
    if _disguised(fragment, around.words):
        score += DISGUISED
        reasons.append("disguised")
    boosted = False
    for boost in entry.boosts:
        cues = rules.senses.get(boost)
        if cues is None:
            cue = None
        elif entry.needs_boost:
            cue = _said_of(clause, cues)
        else:
            cue = cues.near(around, clause)
        if cue is not None:
            score += BOOSTED
            reasons.append(f"with {boost}:{cue}")
            boosted = True
            break
    if entry.needs_boost and not boosted:
        return Judgement(0.0, (*reasons, "no cue"))
    innocent = False
    for sense in entry.senses:
        # the name of a people is written with a capital wherever it stands: `orang Sunda
        # pelit` is no place, so only its place's own cues (`ke Madura`) count for those
        cue = _sense_cue(sense, clause if person else around, clause, rules, facts,
                         "" if entry.needs_boost else fragment)  # fmt: skip
        if cue is None and sense in OBJECT_SENSES and not aimed and not says_to:
            cue = _object_of_verb(clause, rules)
        if cue is not None:
            score += INNOCENT_SENSE
            reasons.append(f"{sense}:{cue}")
            innocent = True
            break
    if len(around.words) > 1 and not innocent:
        literal = _phrase_not_said(entry, around, clause, rules, facts.text, fragment, aimed)
        if literal is not None:
            score += INNOCENT_SENSE
            reasons.append(literal)
            innocent = True
    if not aimed and _may_be_code(facts.text, around.span) and _written_as_code(facts, around.span):
        score += INNOCENT_SENSE
        reasons.append("code")
        innocent = True
    if _mentioned(around, rules, facts.text):
        score += MENTIONED
        reasons.append("mentioned")
        innocent = True
    if (
        entry.category in SELF_DIRECTED_CATEGORIES
        and not addressed
        and _said_of_oneself(around, rules)
    ):
        score += SELF_DIRECTED
        reasons.append("self")
        innocent = True
    return Judgement(score, tuple(reasons), innocent)


def with_others(
    terms: Sequence[str],
    spans: Sequence[tuple[int, int]],
    judgements: Sequence[Judgement],
    text: str,
) -> Iterator[Judgement]:
    """Each hit's judgement with the evidence of the other hits of the same message: another
    term that counts on its own (or that is live and right next to it), or the same term
    again. Two words that each need context prove nothing about each other from afar
    (`debat cebong vs kampret`).

    Words listed one after another share their role: after `istilah cebong, kampret,
    kadrun` all three are mentioned, not used; and a list of three or more live words
    (`munafik, pengecut, penjilat`) is name-calling, each word evidence for the others."""
    judgements = list(_inside_innocent(terms, spans, _mentioned_in_lists(spans, judgements, text)))
    live = [judgement.score > _EPSILON for judgement in judgements]
    runs = _runs(terms, spans, text)
    strong = [counts(judgement.score) for judgement in judgements]
    listed = _long_lists(terms, spans, live, text)
    for index, judgement in enumerate(judgements):
        another = listed[index]
        repeated = False
        for other in range(len(judgements)):
            if other == index or not live[other] or _overlap(spans[index], spans[other]):
                continue
            if terms[other] == terms[index]:
                # said over and over in a row is emphasis (`gila gila gila, konsernya pecah`),
                # but a word doubled with a hyphen is one word (`grepe-grepe`, `babi-babi`)
                repeated = repeated or (
                    runs[other] != runs[index] and not _reduplicated(spans[index], spans[other], text)
                )
            elif strong[other] or _adjacent(spans[index], spans[other], text):
                another = True
        score, reasons = judgement.score, list(judgement.reasons)
        if another:
            score += ANOTHER_TERM
            reasons.append("another term")
        if repeated and live[index]:
            score += REPEATED
            reasons.append("repeated")
        yield Judgement(score, tuple(reasons), judgement.innocent)


_LIST_GAP_RE = re.compile(r"\s*(?:[,/&]\s*)*(?:(?:dan|atau|and|or|sama)\s+)?", re.IGNORECASE)
_MIN_LIST = 3
_MENTIONED = "mentioned"


def _inside_innocent(
    terms: Sequence[str], spans: Sequence[tuple[int, int]], judgements: Iterable[Judgement]
) -> Iterator[Judgement]:
    """The judgements, with a word inside a longer hit that has an innocent sense given that
    sense too: in `anjing lu udah divaksin?` the word is the phrase's dog, and in `antek PKI`
    said of history `antek` is no cue for `PKI`."""
    judged = list(judgements)
    if len(judged) < 2 or not any(judgement.innocent for judgement in judged):
        yield from judged
        return
    for index, judgement in enumerate(judged):
        start, end = spans[index]
        outer = next(
            (other for other, (first, last) in enumerate(spans)
             if other != index and judged[other].innocent and first <= start and end <= last
             and last - first > end - start),
            None,
        )  # fmt: skip
        if outer is not None and not judgement.innocent and not _cue_outside(judgement, terms[outer]):
            judgement = Judgement(
                judgement.score + INNOCENT_SENSE,
                (*judgement.reasons, f"inside {terms[outer]}"),
                True,
            )
        yield judgement


def _cue_outside(judgement: Judgement, phrase: str) -> bool:
    """Whether a cue of its own (`with derogatory:pergi`) stands outside `phrase`: then it is
    evidence the phrase's sense does not answer (`asing aseng pergi dari negeri kami`)."""
    words = phrase.split()
    return any(
        reason.startswith("with ") and reason.rpartition(":")[2] not in words
        for reason in judgement.reasons
    )


def _listed_after(spans: Sequence[tuple[int, int]], index: int, text: str) -> bool:
    """Whether hit `index` follows hit `index - 1` in a list: only commas, `/`, `&`, `dan`,
    `atau` between (`cebong, kampret dan kadrun`)."""
    gap_start, gap_end = spans[index - 1][1], spans[index][0]
    if gap_start > gap_end or gap_end - gap_start > 12:
        return False
    return _LIST_GAP_RE.fullmatch(text, gap_start, gap_end) is not None


def _mentioned_in_lists(
    spans: Sequence[tuple[int, int]], judgements: Sequence[Judgement], text: str
) -> Iterator[Judgement]:
    """The judgements, with every word listed after a mentioned one mentioned too."""
    previous_mentioned = False
    for index, judgement in enumerate(judgements):
        mentioned = _MENTIONED in judgement.reasons
        if not mentioned and previous_mentioned and _listed_after(spans, index, text):
            judgement = Judgement(judgement.score + MENTIONED, (*judgement.reasons, _MENTIONED), True)
            mentioned = True
        previous_mentioned = mentioned
        yield judgement


def _long_lists(
    terms: Sequence[str], spans: Sequence[tuple[int, int]], live: Sequence[bool], text: str
) -> list[bool]:
    """For each hit, whether it is one of `_MIN_LIST` or more different live words listed in
    a row (`gila gila gila` is one word said three times: see `_runs`)."""
    listed = [False] * len(spans)
    start = 0
    for index in range(1, len(spans) + 1):
        if (
            index < len(spans)
            and live[index]
            and live[index - 1]
            and terms[index] not in terms[start:index]
            and _listed_after(spans, index, text)
        ):
            continue
        if index - start >= _MIN_LIST:
            listed[start:index] = [True] * (index - start)
        start = index
    return listed


def _runs(terms: Sequence[str], spans: Sequence[tuple[int, int]], text: str) -> list[int]:
    """A number per hit, shared by the hits of the same term said in a row (only spaces
    between), so that `gila gila gila` is one saying, not three."""
    runs: list[int] = []
    last: dict[str, tuple[int, tuple[int, int]]] = {}
    for index, (term, span) in enumerate(zip(terms, spans, strict=True)):
        previous = last.get(term)
        if previous is not None and previous[1][1] <= span[0] and _adjacent(previous[1], span, text):
            run = previous[0]
        else:
            run = index
        runs.append(run)
        last[term] = (run, span)
    return runs


def counts(score: float) -> bool:
    """Whether a hit with this score is acted on."""
    return score >= THRESHOLD - _EPSILON


_CLAUSE_END_RE = re.compile(r"[,.!?;:()\n]")
_MAX_SUBJECT_DISTANCE = 8


def _object_of_verb(clause: Surroundings, rules: ContextRules) -> str | None:
    """`liat anjing ketabrak motor`, `ngajak anjing jalan`, `dioyak asu pas mulih`: right
    after a verb, with the clause going on, the word is the thing acted on. A word after a
    verb known only by its prefix that ends its clause (`ngapain anjing`, `minggir anjing`
    is no verb at all) is a call; after a listed verb it is still its object (`lu punya
    anjing?`, `gw takut anjing`)."""
    if not clause.before or not rules.is_verb(clause.before[-1]):
        return None
    verb = clause.before[-1]
    if verb not in rules.verbs.exact and not any(word not in rules.fillers for word in clause.after):
        return None  # only a verb listed as such takes its object at a clause's end: `punya anjing?`
    return f"after {verb}"


def _said_to_you(around: Surroundings, clause: Surroundings, rules: ContextRules, text: str) -> bool:
    """`lu tuh dari dulu sampe sekarang tetep aja munafik`: a word that ends a clause whose
    subject is a person (`[subject]`: the one spoken to, `dia`, `mereka`), however far back
    (up to `_MAX_SUBJECT_DISTANCE` words). Not when it is the object of a verb or of a
    preposition (`lu pernah liat monyet`, `kamu ke kampung keling`): then it is not what
    they are called."""
    if any(word not in rules.fillers for word in clause.after):
        return False
    if clause.before and (rules.is_verb(clause.before[-1]) or clause.before[-1] in _NOT_PREDICATE):
        return False
    start = around.span[0]
    head = text[max(0, start - 80) : start]
    cut = max((m.end() for m in _CLAUSE_END_RE.finditer(head)), default=0)
    words = [word.lower() for word in _WORD_CHARS_RE.findall(head[cut:])][-_MAX_SUBJECT_DISTANCE:]
    for word in reversed(words):  # the nearest person wins: `lu tau gak, gw emang bego`
        if word in rules.subjects:
            return True
        if word in rules.self_words or word in NEGATIONS:  # `kamu gak useless kok`
            return False
    return False


def _within_clause(around: Surroundings, text: str) -> Surroundings:
    """The words around a hit cut at the clause's ends: a word across a comma or a full
    stop does not stand next to it (`asu, aku lali`: "aku" is not the dog's owner)."""
    start, end = around.span
    head = text[max(0, start - 80) : start]
    cut = max((m.end() for m in _CLAUSE_END_RE.finditer(head)), default=0)
    words_before = len(_WORD_CHARS_RE.findall(head[cut:]))
    tail = text[end : end + 80]
    stop = _CLAUSE_END_RE.search(tail)
    words_after = len(_WORD_CHARS_RE.findall(tail[: stop.start()] if stop else tail))
    if words_before >= len(around.before) and words_after >= len(around.after):
        return around
    before = around.before[max(0, len(around.before) - words_before) :] if words_before else ()
    return Surroundings(around.words, before, around.after[:words_after], around.span)


def _reduplicated(first: tuple[int, int], second: tuple[int, int], text: str) -> bool:
    """Joined by a hyphen (`grepe-grepe`): Indonesian doubles a word to make another word
    (a plural, a verb of going on), which says nothing about being said twice."""
    left, right = sorted((first, second))
    return text[left[1] : right[0]] == "-"


_CALL_AT_START = frozenset({"dasar"})
"""Words that call someone only at the start of what is said (`dasar bocah`); after a noun
they are that noun's modifier (`kebutuhan dasar`, `latihan dasar`, `sekolah dasar`)."""


def _after_a_noun(words_before: Sequence[str], rules: ContextRules) -> bool:
    """Whether the word before `dasar` in its clause is one of content (`kebutuhan dasar`,
    `latihan dasar`), not a filler, pronoun, mention, laugh or interjection (`emang dasar`,
    `@x dasar`, `hadeh dasar`): then `dasar` is a noun's modifier, not a call."""
    if not words_before:
        return False
    previous = words_before[-1]
    return not (
        previous in rules.fillers
        or previous in rules.banter
        or previous in rules.addressed_before
        or previous in rules.addressed_after
        or previous in rules.self_words
        or previous in rules.interjections
        or previous == MENTION_WORD
    )


def _base_not_call(around: Surroundings, clause: Surroundings, rules: ContextRules) -> bool:
    """`kebutuhan dasar anjing`: `dasar` right before the hit, in its clause, after a noun."""
    marker = around.before[-1:]
    return (
        bool(marker)
        and marker[0] in _CALL_AT_START
        and clause.before[-1:] == marker
        and _after_a_noun(clause.before[:-1], rules)
    )


_CLAUSE_GAP_RE = re.compile(r"[^\W_]{2,}[,;.!?]+\s+[^\W_]{2,}")
_DOUBLED_BEFORE_RE = re.compile(r"([^\W\d_]+)-$")


def _phrase_not_said(
    entry: WordEntry,
    around: Surroundings,
    clause: Surroundings,
    rules: ContextRules,
    text: str,
    fragment: str,
    aimed: bool,
) -> str | None:
    """Why a phrase is not the listed phrase, or None. Its words across a clause break are
    two clauses (`bangkainya halal, darahnya haram`); a word of it that is half of a doubled
    word is that word (`otak-otak udang`, `bakar pura-pura`). Aimed at no one: `dasar` after
    a noun is "basic" (`kebutuhan dasar anjing`), and a phrase with the sense `literal` (a
    thing said of a person: `muka tembok`, `sampah masyarakat`) names the thing when
    it is the object of a verb or a preposition, the complement of a noun before it in its
    clause (`cat muka tembok`, `bank sampah masyarakat`), or a preposition or a place
    follows it (`sampah masyarakat di TPS`, `muka tembok depan rumah`). As an insult it
    starts what is said or follows who it is said of (`pejabat itu sampah masyarakat`,
    `orang gak punya otak kayak dia`), or is aimed at someone."""
    if _CLAUSE_GAP_RE.search(fragment):
        return "clauses apart"
    start, end = around.span
    if text[start - 1 : start] == "-":
        doubled = _DOUBLED_BEFORE_RE.search(text, max(0, start - 40), start)
        if doubled is not None and doubled.group(1).lower() == around.words[0]:
            return "doubled"
    if text[end : end + 1] in ("-", "2"):
        last = around.words[-1]
        tail = text[end : end + len(last) + 1].lower()
        if tail.startswith("2") or tail == f"-{last}":
            return "doubled"
    if aimed:
        return None
    if around.words[0] in _CALL_AT_START and _after_a_noun(clause.before, rules):
        return "modifier"
    if LITERAL_SENSE not in entry.senses:
        return None
    if clause.before:
        previous = clause.before[-1]
        if rules.is_verb(previous) or previous in _PREPOSITIONS:
            return f"{LITERAL_SENSE}:after {previous}"  # `tutup mulut ember`, `luka di kepala bapakmu`
        if not (
            previous in rules.fillers
            or previous in rules.addressed_before
            or previous in rules.people
            or previous in rules.banter
            or previous in rules.interjections
            or previous in rules.adverbs
            or previous in NEGATIONS
            or previous == MENTION_WORD
        ):
            return f"{LITERAL_SENSE}:after {previous}"  # a noun's complement: `bank sampah masyarakat`
    following = next((word for word in clause.after if word not in rules.fillers), None)
    if following in _PREPOSITIONS or following in rules.place_words:
        return f"{LITERAL_SENSE}:{following}"  # `tai anjing di trotoar`, `muka tembok depan rumah`
    return None


def _overlap(first: tuple[int, int], second: tuple[int, int]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


def _adjacent(first: tuple[int, int], second: tuple[int, int], text: str) -> bool:
    """Only spaces between the two (`kafir laknat`)."""
    left, right = sorted((first, second))
    return text[left[1] : right[0]].isspace()


def _next_to(
    around: Surroundings, before: Container[str], after: Container[str], fillers: frozenset[str]
) -> bool:
    """A word of `before` ahead of the hit or of `after` behind it, with at most
    `_MAX_FILLERS` filler words between (`lo tuh X`, `X banget sih lu`)."""
    for side, markers in ((reversed(around.before), before), (iter(around.after), after)):
        for count, word in enumerate(side):
            if word in markers:
                return True
            if word not in fillers or count >= _MAX_FILLERS:
                break
    return False


NEGATIONS = frozenset({"bukan", "tidak", "tak", "gak", "ga", "nggak", "enggak", "ngga", "gk",
                       "tdk", "bkn", "not", "no", "isnt", "arent"})  # fmt: skip


_NOT_PREDICATE = frozenset({"di", "ke", "dari", "yang", "yg", "dan", "sama", "dengan", "dgn",
                            "buat", "untuk", "utk", "pada", "dalam", "dlm", "of", "in", "on",
                            "at", "and"})  # fmt: skip
_PREPOSITIONS = _NOT_PREDICATE - {"yang", "yg", "dan", "sama", "and"}


def called(before: Sequence[str], rules: ContextRules) -> bool:
    """Whether the words `before` a phrase call someone by it: a vocative right before
    (`dasar anak anjing`, `lu semua anak anjing`, `kalian anak anjing`), itself not the
    object of a word before it (`cocok sama kamu tai lalat di pipi`)."""
    for count, word in enumerate(reversed(before)):
        if word in rules.vocative:
            index = len(before) - count - 1
            return index == 0 or not (
                before[index - 1] in _NOT_PREDICATE or rules.is_verb(before[index - 1])
            )
        if word not in rules.fillers or count >= _MAX_FILLERS:
            return False
    return False


def _said_of(clause: Surroundings, cues: CueWords) -> str | None:
    """A cue said of the term: after it in its clause, before any negation (`batak kasar`,
    `madura itu maling`, but not `islam bukan teroris`, nor past a preposition, which
    starts a phrase about something else: `masakan Batak dari daging babi`)."""
    for word in clause.after:
        if word in NEGATIONS or word in _PREPOSITIONS:
            return None
        if word in cues:
            return word
    return None


def _said_of_oneself(around: Surroundings, rules: ContextRules) -> bool:
    """`bego banget gw`, `gw emang goblok`, but not `dosen gw tuh bego`: after a person
    (`[people]`), `gw` is whose they are, and the word is aimed at them."""
    if not _next_to(around, rules.self_words, rules.self_words, rules.fillers):
        return False
    before = around.before
    for index in range(len(before) - 1, max(-1, len(before) - 2 - _MAX_FILLERS), -1):
        if before[index] in rules.self_words:
            return index == 0 or before[index - 1] not in rules.people
        if before[index] not in rules.fillers:
            break
    return True


def _replied_to(around: Surroundings, clause: Surroundings, rules: ContextRules) -> bool:
    """Right after a mention, as the start of what is said to that person: `@x goblok
    kerjaannya`, `USER cebong kepanasan`, or the mention and the word alone (`@x bacot`).
    Not when the word ends its clause (`@x kampret, ketinggalan kereta`: an exclamation to
    a friend), is followed by a preposition or `yang` (a thing talked about: `@pln sampah
    di depan gardu`), or the clause laughs (`@x sialan wkwk`)."""
    if not around.before or around.before[-1] != MENTION_WORD:
        return False
    if around.after and (not clause.after or clause.after[0] in _NOT_PREDICATE):
        return False  # `@pln sampah di depan gardu`: the thing, not the person
    return not any(word in rules.banter for word in clause.after)


def _addressing_suffix(entry: WordEntry, around: Surroundings) -> bool:
    """`babimu`, `anjinglu`: a `term+` form aimed at the reader."""
    if not entry.with_suffixes:
        return False
    last = around.words[-1]
    stem = entry.term.split()[-1].lower()
    return len(last) > len(stem) and last.endswith(ADDRESSING_SUFFIXES)


_WORD_CHARS_RE = re.compile(r"[^\W_]+")


_CODE_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_DOMAIN_AFTER_RE = re.compile(
    r"\.(?:com|net|org|edu|gov|id|co|ac|go|sch|io|me|info|biz|my|sg|uk|us|au)\b", re.IGNORECASE
)
_CODE_JOINERS = (".", "_")
_CODE_LETTERS = 4
"""A capitals-and-digits token up to this long is a code (`T41K`, `B4B1`, `TA1`), not
leetspeak, which disguises longer words (`4NJ1NG`) as often as short ones."""
_ACRONYM_LETTERS = 3


def _written_as_code(facts: MessageFacts, span: tuple[int, int]) -> bool:
    """Whether the hit is a code, an acronym, a username or a domain name rather than a
    word: vouchers,
    receipts, plates and product numbers are capitals with digits (`T41K`, `A5U-2291`,
    `K0NT-01`, `TA1 5583`), and an acronym stands in capitals beside a name or its
    expansion (`ASU (Arizona State)`, `AJG Insurance`, `MMK di kampus (Magister...)`).
    Digits then are digits, not leetspeak. Only Latin capitals: Greek and Cyrillic
    look-alikes are a disguise. A message in capitals throughout says nothing."""
    text = facts.text
    start, end = span
    if _in_identifier(text, start, end):
        return True  # `asu_official`, `tai_chi_bandung`: a username or a file name
    while start > 0 and _code_char(text, start - 1):
        start -= 1
    token = _CODE_TOKEN_RE.match(text, start)
    if token is None or token.end() < end:
        return False
    if _DOMAIN_AFTER_RE.match(text, token.end()):
        return True  # `asu.edu`, `tai.com`: a name in an address
    word = token.group()
    if any(char.islower() for char in word) or not any(char.isupper() for char in word):
        return False
    if facts.shouting:
        return False
    alnum = [char for char in word if char.isalnum()]
    if any(char.isdigit() for char in word):
        return "-" in word or len(alnum) <= _CODE_LETTERS
    parts = word.split("-")
    if len(parts) > 1 and all(0 < len(part) <= _CODE_LETTERS for part in parts):
        return True  # `CGK-FUK`, `JKT-SBY`: a route or a code of capitals joined by hyphens
    if len(alnum) > _ACRONYM_LETTERS:
        return False
    return _beside_a_name(text, token.start(), token.end())


def _may_be_code(text: str, span: tuple[int, int]) -> bool:
    """The cheap test first: the usual hit has lower-case letters and nothing joined to it."""
    start, end = span
    return text[start:end].isupper() or text[end : end + 1] in _CODE_JOINERS or (
        text[start - 1 : start] == "_"
    )


def _in_identifier(text: str, start: int, end: int) -> bool:
    """Joined to another word by `_` (letters typed apart with `_` are inside the hit)."""
    after = text[end : end + 2]
    before = text[max(0, start - 2) : start]
    return (len(after) == 2 and after[0] == "_" and after[1].isalnum()) or (
        len(before) == 2 and before[1] == "_" and before[0].isalnum()
    )


def _code_char(text: str, index: int) -> bool:
    char = text[index]
    if char == "-":
        return index > 0 and text[index - 1].isascii() and text[index - 1].isalnum()
    return char.isascii() and char.isalnum()


def _beside_a_name(text: str, start: int, end: int) -> bool:
    """A parenthesis or a capitalised word right before or after `text[start:end]`."""
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    if before.endswith("(") or after.startswith("("):
        return True
    previous = before.split()[-1:] if before else []
    following = after.split()[:1]
    return any(word[:1].isupper() and word[:1].isalpha() for word in (*previous, *following))


def _disguised(fragment: str, words: Sequence[str]) -> bool:
    """Typed otherwise than it reads: digits, symbols, look-alikes or separators inside the
    words, or letters stretched (`b4bi`, `b.a.b.i`, `babiii`). A listed spelling with digits
    (`14 words`) or a vowel-less one (`kntl`) is not a disguise."""
    # an apostrophe joins what it splits (`Fool's`, `o'on`): spelling, not a disguise
    lowered = fragment.lower()
    if "'" in lowered or "’" in lowered:
        lowered = _APOSTROPHE_RE.sub("", lowered)
    typed = _WORD_CHARS_RE.findall(_without_accents(lowered))
    if typed == list(words):
        return False
    # letters stretched for emphasis are not a disguise: `GILAAA`, `anjiiir` shout, not hide
    return [_RUN_RE.sub(r"\1", word) for word in typed] != [_RUN_RE.sub(r"\1", w) for w in words]


_RUN_RE = re.compile(r"([^\W\d_])\1+")
_APOSTROPHE_RE = re.compile(r"(?<=[^\W\d_])['’](?=[^\W\d_])")


def _without_accents(text: str) -> str:
    """`morón` as `moron`: an accent is how a foreign name is spelled, not a disguise."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _sense_cue(
    sense: str,
    around: Surroundings,
    clause: Surroundings,
    rules: ContextRules,
    facts: MessageFacts,
    fragment: str,
) -> str | None:
    cues = rules.senses.get(sense)
    if cues is not None:
        cue = cues.near(around, clause)
        if cue is not None:
            return cue
    if sense in PROPER_NOUN_SENSES and _proper_noun(fragment, around.span, facts):
        return "capitalised"
    return None


def _proper_noun(fragment: str, span: tuple[int, int], facts: MessageFacts) -> bool:
    """Written `Aseng`/`Dildo` in mid-sentence, or before another capitalised word (`Tai
    Shan`), in a message not typed in capitals."""
    if not fragment[:1].isupper() or fragment.isupper() or facts.title_case or facts.shouting:
        return False
    before = facts.text[: span[0]].rstrip(" \t\"'(“‘")
    if before and before[-1] not in _SENTENCE_END:
        return True
    after = facts.text[span[1] :].lstrip(" ,")
    return after[:1].isupper()


def _mentioned(around: Surroundings, rules: ContextRules, text: str) -> bool:
    if around.before and around.before[-1] in rules.mention:
        return True
    if _next_to(around, CueWords(), rules.mention_after, rules.fillers):
        return True
    start, end = around.span
    return 0 < start and end < len(text) and text[start - 1] in _QUOTES and text[end] in _QUOTES


# ---------------------------------------------------------------------------------------
# The cue-word file

_SECTIONS = (
    "addressed before", "addressed after", "filler", "mention", "mention after", "self", "people",
    "banter", "vocative", "subject", "verb", "not verb", "interjection", "adverb", "place word",
)  # fmt: skip
OBJECT_SENSES = frozenset({"animal"})
LITERAL_SENSE = "literal"
"""A sense known by where the phrase stands, not by cue words (see `_phrase_not_said`)."""
"""Senses a word has when it is the object of a verb (`pelihara anjing`, `dioyak asu`)."""


def parse_context(text: str, source: str = "<context>") -> ContextRules:
    """Read a cue-word file: `[addressed before]`, `[addressed after]`, `[filler]`,
    `[mention]`, `[mention after]`, `[self]`, `[people]`, `[banter]`, `[vocative]`,
    `[subject]`, `[verb]`, `[not verb]`, `[interjection]`, `[adverb]`, `[place word]` and
    `[sense NAME]` sections, words separated by
    spaces or lines, `#` comments. A word may be written `word*` (any word starting so),
    `word>` (only right before the term) or `<word` (only right after it). Raises
    WordListError naming the line.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            name = " ".join(line[1:-1].split())
            if name not in _SECTIONS and not (name.startswith("sense ") and len(name) > 6):
                raise WordListError(f"{source}:{number}: unknown section [{name}]")
            current = sections.setdefault(name, [])
            continue
        if current is None:
            raise WordListError(f"{source}:{number}: a word before any [section]")
        current.extend(line.split())
    return ContextRules(
        addressed_before=CueWords.parse(sections.get("addressed before", ())),
        addressed_after=CueWords.parse(sections.get("addressed after", ())),
        fillers=frozenset(sections.get("filler", ())),
        mention=CueWords.parse(sections.get("mention", ())),
        mention_after=CueWords.parse(sections.get("mention after", ())),
        self_words=CueWords.parse(sections.get("self", ())),
        people=CueWords.parse(sections.get("people", ())),
        banter=CueWords.parse(sections.get("banter", ())),
        vocative=frozenset(sections.get("vocative", ())),
        subjects=frozenset(sections.get("subject", ())),
        verbs=CueWords.parse(sections.get("verb", ())),
        not_verbs=CueWords.parse(sections.get("not verb", ())),
        interjections=frozenset(sections.get("interjection", ())),
        adverbs=frozenset(sections.get("adverb", ())),
        place_words=frozenset(sections.get("place word", ())),
        senses={
            name.removeprefix("sense ").strip(): CueWords.parse(words)
            for name, words in sections.items()
            if name.startswith("sense ")
        },
    )


def load_default_context() -> ContextRules:
    """The cue words shipped with the bot (`bot/moderation/wordlists/context.txt`)."""
    resource = resources.files("bot.moderation").joinpath("wordlists", "context.txt")
    return parse_context(resource.read_text(encoding="utf-8"), "wordlists/context.txt")
