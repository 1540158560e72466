"""Turn what customers type into clean lowercase words, before any language knowledge.

Chat text arrives with full-width letters, zero-width joiners, curly apostrophes,
"halooo", "kartu2" and "can't": this module evens all of that out so the
lexicon, stemmers and index see one spelling per word. It knows no vocabulary;
`analysis.py` adds that.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width and bidi marks people paste (or use to dodge filters) that carry no text.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e"),
    None,
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})

_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bcan't\b", "can not"),
        (r"\bwon't\b", "will not"),
        (r"\bshan't\b", "shall not"),
        (r"\bain't\b", "is not"),
        (r"(?<=[a-z])n't\b", " not"),
        (r"(?<=[a-z])'re\b", " are"),
        (r"(?<=[a-z])'m\b", " am"),
        (r"(?<=[a-z])'ve\b", " have"),
        (r"(?<=[a-z])'ll\b", " will"),
        (r"(?<=[a-z])'d\b", " would"),
        (r"(?<=[a-z])'s\b", ""),
    )
)
_WORD = re.compile(r"[^\W_]+")
# "kartu2" and "kartu-kartu" are Indonesian plurals (reduplication): the word once is enough.
_REDUPLICATED_DIGIT = re.compile(r"\b([^\W\d_]{2,})2\b")
_REDUPLICATED_DASH = re.compile(r"\b([^\W\d_]+)-\1\b")


def normalise(text: str) -> str:
    """Unicode-compatible, case-folded text with invisible characters removed.

    NFKC folds full-width and mathematical-bold letters into plain ones; accents are kept,
    since neither Indonesian nor English needs them stripped and names may.
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_APOSTROPHES)
    return text.casefold()


def expand_contractions(text: str) -> str:
    """English contractions written out, so "can't" and "cannot" meet as "can not"."""
    if "'" not in text:
        return text
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def words(text: str) -> list[str]:
    """The words of a message, normalised, in order (digits kept; punctuation and emoji dropped).

    Elongations ("halooo") are left for `analysis.py`, which knows which spelling
    is a word.
    """
    text = expand_contractions(normalise(text))
    if "-" in text:
        text = _REDUPLICATED_DASH.sub(r"\1", text)
    if "2" in text:
        text = _REDUPLICATED_DIGIT.sub(r"\1", text)
    return _WORD.findall(text)


def has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)
