"""What in a customer's message calls for a human: asking for one, or anger and abuse.

Both checks are pure and work on normalised text (lower case, accents and zero-width
characters removed, letters repeated for emphasis collapsed, common digit-for-letter
swaps undone) and whole words only, so "agen JNE" or "jam buka CS" do not count as
asking for a person and "klasik" never matches an insult hidden inside it.

The moderation capability may provide a better `AbuseDetector` (its word filter);
it is looked up in `ctx.extras["abuse_detector"]`, and `PhraseAbuseDetector` is the
default that works on its own.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_LEET = str.maketrans(
    {"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t"}
)
_WORD = re.compile(r"[a-z0-9@$!]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces, for whole-word matching."""
    if text.isascii():
        text = text.lower()  # nothing to decompose: the common case, kept cheap
    else:
        text = unicodedata.normalize("NFKD", text.translate(_ZERO_WIDTH))
        text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    words = []
    for word in _WORD.findall(text):
        word = word.strip("!")
        letters = sum(char.isalpha() for char in word)
        if letters > len(word) - letters:
            word = word.translate(_LEET)  # "b0doh" -> "bodoh"; "rp100" and "2x" stay as they are
        words.append(_REPEATS.sub(r"\1", word))
    return " ".join(word for word in words if word)


# ---- asking for a person ---------------------------------------------------------------

# Polite filler that does not change what a short message asks for ("cs dong kak").
_FILLER = frozenset(
    "kak ka kakak min mimin gan sis bang mas mbak dong donk ya yah please pls plz tolong deh aja saja nih "
    "sekarang now i want need mau ingin pengen pingin minta a an the to with sama ke".split()
)
# A whole message made of one of these (after filler) asks for a person.
_ALONE = frozenset(
    {
        "cs",
        "agent",
        "agen",
        "human",
        "manusia",
        "operator",
        "admin",
        "person",
        "orang",
        "customer service",
        "customer care",
        "live agent",
        "live chat",
        "human agent",
        "real person",
        "orang asli",
        "petugas",
        "representative",
        "staff",
        "staf",
        "tim cs",
        "layanan pelanggan",
        "cs manusia",
        "bukan bot",
        "not a bot",
        "no bot",
    }
)
_PERSON = (
    r"(?:cs|customer service|customer care|agen|agent|admin|manusia|orang(?: asli)?|petugas|operator|"
    r"staf|staff|tim(?: cs| kalian| anda)?|layanan pelanggan|human|person|someone|somebody|"
    r"representative|real person|live agent|support(?: team)?|(?:a |an )?(?:real |actual )?(?:human|person|agent))"
)
_ASK_PATTERNS = (
    # "mau bicara dengan CS", "bisa disambungkan ke admin?", "tolong hubungkan sama orang"
    rf"\b(?:bicara|berbicara|ngobrol|ngomong|omong|chat|chatting|komunikasi|hubungi|menghubungi|"
    rf"sambungkan|disambungkan|sambungin|disambungin|hubungkan|dihubungkan|hubungin|terhubung|sambung|"
    rf"connect|oper|dioper|alihkan|dialihkan|panggil|panggilkan)(?: saya| aku| sy| gw| gue)?"
    rf"(?: (?:dengan|dgn|dg|sama|sm|ama|ke|kepada|pada|with|to))?(?: (?:a|an|the|your|salah satu))? {_PERSON}\b",
    # "talk to a human", "speak with an agent", "connect me to someone"
    rf"\b(?:talk|speak|chat|connect me|put me through|transfer me)"
    rf"(?: (?:to|with|me to|me with))?(?: (?:a|an|the|your|some))? {_PERSON}\b",
    # "i want a real person", "get me a human" (not "i need someone to pick up my parcel")
    r"\b(?:get me|give me|want|need|prefer)(?: (?:to (?:talk|speak) (?:to|with)))?(?: (?:a|an|the|your))? "
    r"(?:human|real person|actual person|live agent|human agent|representative|customer service|operator)\b",
    # "minta CS", "mau ke CS", "panggil admin", "mana CS nya"
    r"\b(?:minta|mau ke|mau sama|butuh|perlu|mana|panggil) (?:cs|admin|agen|operator|petugas|manusia|"
    r"orang asli|customer service)\b",
    r"\b(?:cs|admin|agen|operator|manusia|human|agent) (?:dong|donk|please|pls|plz|aja|saja)\b",
    # "cs nya mana", "admin nya kemana sih": asking where the person is
    r"^(?:\w+ )?(?:cs|admin|operator|petugas)(?: ?nya)? (?:mana|kemana)\b",
)
_ASKS = tuple(re.compile(pattern) for pattern in _ASK_PATTERNS)


def asks_for_human(text: str, extra_phrases: Iterable[str] = ()) -> bool:
    """Whether the customer asks to talk to a person ("mau bicara dengan CS", "agent", "/human")."""
    normalised = normalise(text)
    if not normalised:
        return False
    words = [word for word in normalised.split() if word not in _FILLER]
    if " ".join(words) in _ALONE or (len(words) == 1 and words[0] in _ALONE):
        return True
    if any(pattern.search(normalised) for pattern in _ASKS):
        return True
    padded = f" {normalised} "
    return any(f" {phrase} " in padded for phrase in _normalised_phrases(tuple(extra_phrases)))


@functools.lru_cache(maxsize=32)
def _normalised_phrases(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The configured phrases, normalised once rather than for every message."""
    return tuple(normalised for normalised in map(normalise, phrases) if normalised)


# ---- anger and abuse --------------------------------------------------------------------


class AbuseDetector(Protocol):
    """Flags an abusive or angry message; returns a short label (`abusive`, `angry`) or None."""

    def flag(self, text: str) -> str | None: ...


_ABUSIVE_WORDS = frozenset(
    # Indonesian insults and swearing aimed at someone; words with a harmless everyday
    # meaning ("anjing" is also a dog, "setan" a figure of speech) are left out on purpose.
    "bangsat bajingan brengsek keparat kampret goblok goblog tolol bego bloon idiot dungu "
    "taik jancok jancuk asu kontol memek ngentot bacot bacod sinting gblk tll bgst "
    # English ("stupid" is left out: "sorry, stupid question" is not abuse)
    "fuck fucking fucked fucker motherfucker shit bullshit bitch bastard asshole dickhead moron "
    "idiots retarded wtf stfu".split()
)
_ABUSIVE_PHRASES = ("gila lo", "gila lu", "otak udang", "go to hell", "piece of shit", "screw you")
_ANGRY_PHRASES = (
    # Indonesian: anger and exasperation with the service
    "saya kesal",
    "aku kesal",
    "sy kesal",
    "kesal banget",
    "kesel banget",
    "saya marah",
    "marah banget",
    "kecewa berat",
    "kecewa banget",
    "sangat kecewa",
    "kecewa sekali",
    "muak",
    "tidak becus",
    "gak becus",
    "ga becus",
    "nggak becus",
    "ngga becus",
    "pelayanan terburuk",
    "pelayanan buruk",
    "pelayanan jelek",
    "pelayanan sampah",
    "toko sampah",
    "aplikasi sampah",
    "parah banget",
    "keterlaluan",
    "kurang ajar",
    "awas kalian",
    "lapor polisi",
    "saya viralkan",
    "sy viralkan",
    "saya viralin",
    "viralin",
    # English
    "i am angry",
    "i'm angry",
    "im angry",
    "so angry",
    "i am furious",
    "i'm furious",
    "im furious",
    "furious",
    "fed up",
    "sick of this",
    "worst service",
    "terrible service",
    "horrible service",
    "useless service",
    "this is ridiculous",
    "ridiculous",
    "unacceptable",
    "pathetic",
    "what a joke",
)


@dataclass(frozen=True, slots=True)
class PhraseAbuseDetector:
    """A short, careful list of insults and anger in Indonesian and English, plus shouting."""

    abusive_words: frozenset[str] = _ABUSIVE_WORDS
    abusive_phrases: tuple[str, ...] = _ABUSIVE_PHRASES
    angry_phrases: tuple[str, ...] = _ANGRY_PHRASES
    _angry: tuple[str, ...] = field(init=False, repr=False, default=())
    _abusive: tuple[str, ...] = field(init=False, repr=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "_angry", tuple(normalise(p) for p in self.angry_phrases))
        object.__setattr__(self, "_abusive", tuple(normalise(p) for p in self.abusive_phrases))

    def flag(self, text: str) -> str | None:
        normalised = normalise(text)
        padded = f" {normalised} "
        if any(word in self.abusive_words for word in normalised.split()):
            return "abusive"
        if any(f" {phrase} " in padded for phrase in self._abusive):
            return "abusive"
        if any(f" {phrase} " in padded for phrase in self._angry):
            return "angry"
        if _shouting(text):
            return "angry"
        return None


def _shouting(text: str) -> bool:
    """A long message in capitals with emphatic punctuation ("MANA PESANAN SAYA!!!")."""
    letters = [char for char in text if char.isalpha()]
    if len(letters) < 12:
        return False
    upper = sum(1 for char in letters if char.isupper())
    return upper / len(letters) >= 0.8 and (
        "!!" in text or "?!" in text or "!?" in text or "??" in text
    )


DEFAULT_ABUSE_DETECTOR = PhraseAbuseDetector()
