"""Is a customer's message Indonesian or English? And so: which language to answer in.

Customer messages are short and colloquial ("gmn kak", "pls help", "refund
blm masuk"), which is exactly where general language identifiers (n-gram
models trained on Wikipedia) guess. Here every word votes with what we know
about it, and the vote abstains when the evidence is thin:

* marker words per language (`data/language_*.txt`: function words, question
  words, forms of address and chat spellings), checked on the word as typed and
  on its standard spelling (`gmna` -> `bagaimana`);
* Indonesian morphology: a word that PySastrawi reduces to a dictionary root
  (`dikirim` -> `kirim`), or that is a root itself;
* English shape: endings Indonesian does not produce (`-tion`, `-ing`, `-ed`).

Loanwords used in both languages (refund, transfer, admin, ok) carry no vote,
so "refund?" alone is undecided and the platform language decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.sop.analysis import Analyzer, default_analyzer
from bot.sop.text import words

SUPPORTED = ("id", "en")

_EN_ENDINGS = ("tion", "sion", "ing", "ed", "ness", "ment", "ly", "ful", "ous", "able")
_EN_LETTERS = ("th", "ph", "ck", "wh", "sh", "oo", "ee", "ea", "ou", "x", "q")
_ID_ENDINGS = ("asi", "itas", "isme", "isasi")  # verifikasi, identitas: Indonesian loan shapes


@dataclass(frozen=True, slots=True)
class LanguageVotes:
    indonesian: float
    english: float

    def winner(self, min_evidence: float = 0.9, min_lead: float = 0.5) -> str | None:
        top = max(self.indonesian, self.english)
        if top < min_evidence or abs(self.indonesian - self.english) < min_lead:
            return None
        return "id" if self.indonesian > self.english else "en"


def language_votes(text: str, analyzer: Analyzer | None = None) -> LanguageVotes:
    analyzer = analyzer or default_analyzer()
    markers = analyzer.lexicon.markers
    id_markers, en_markers = markers["id"], markers["en"]
    votes = {"id": 0.0, "en": 0.0}
    for word in words(text):
        if word.isdigit():
            continue
        standard = analyzer.standard(word)
        if word in id_markers or word in en_markers:
            votes["id"] += id_markers.get(word, 0.0)
            votes["en"] += en_markers.get(word, 0.0)
            continue
        if any(w in id_markers for w in standard) or any(w in en_markers for w in standard):
            # a chat spelling: the standard form votes, a little less sure
            votes["id"] += 0.8 * max((id_markers.get(w, 0.0) for w in standard), default=0.0)
            votes["en"] += 0.8 * max((en_markers.get(w, 0.0) for w in standard), default=0.0)
            continue
        language, weight = _shape_vote(word, analyzer)
        votes[language] += weight
    return LanguageVotes(votes["id"], votes["en"])


def _shape_vote(word: str, analyzer: Analyzer) -> tuple[str, float]:
    """A weak vote from how an unlisted word looks: ("id" | "en", weight); weight 0 abstains."""
    if len(word) < 4 or not word.isalpha():
        return "id", 0.0
    stemmer = analyzer.stemmer
    if word.endswith(_ID_ENDINGS):
        return "id", 0.6
    if word.endswith(_EN_ENDINGS) or any(part in word for part in _EN_LETTERS):
        return "en", 0.4
    if stemmer.is_indonesian_root(word):
        return "id", 0.3  # roots include loanwords (bank, data), hence the small weight
    stem = stemmer.stem(word)
    if stem != word and stemmer.is_indonesian_root(stem):
        return "id", 0.6
    return "id", 0.0


def detect_language(text: str) -> str | None:
    """ "id" or "en" when the message shows it, None when it does not ("ok", "refund?", "👍")."""
    return language_votes(text).winner()


def base_language(tag: str | None) -> str | None:
    """ "en-US" -> "en", "id_ID" -> "id", "in" (old code for Indonesian) -> "id"."""
    if not tag:
        return None
    base = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return "id" if base == "in" else (base or None)


def choose_language(
    text: str,
    platform_language: str | None,
    default: str,
    supported: tuple[str, ...] = SUPPORTED,
) -> str:
    """The language to answer in: the message's, else the platform's, else the default.

    A platform language sopbot does not answer in (say "ja") is skipped, so a
    Japanese phone writing "refund?" gets the configured default.
    """
    detected = detect_language(text)
    if detected in supported:
        return detected
    platform = base_language(platform_language)
    if platform in supported:
        return platform
    return default
