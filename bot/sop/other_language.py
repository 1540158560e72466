"""Is a message clearly written in a language the bot does not answer in?

Asked only when the SOP found nothing, so the bot can say which languages it
speaks instead of "this is not in our guide". Two kinds of evidence:

* the script: letters that are mostly not Latin (Chinese, Arabic, Cyrillic, Thai...);
* marker words (`data/language_other.txt`) of languages customers of Indonesian
  shops also write in: Javanese, Sundanese, Malay, and a few European languages
  and Filipino. Words that Indonesian or English chat shares are not listed, and
  it takes two markers, a fifth of the words or more, before a message counts.

Javanese, Sundanese and Malay are `REGIONAL`: people who write them read
Indonesian, so the bot answers them in Indonesian.

`courtesy_kind` reads thanks, greetings and "yes" in those languages ("matur
suwun", "sugeng enjing", "谢谢", "gracias"): they deserve the reply "makasih" gets,
not a note about languages.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache
from importlib import resources

from bot.sop.text import words

REGIONAL = frozenset({"jv", "su", "ms"})
_MIN_MARKERS = 2
_MIN_SHARE = 0.2
# Unicode script (the first word of a letter's name) -> the language most people using it write.
_SCRIPTS = {
    "CJK": "zh",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "HANGUL": "ko",
    "ARABIC": "ar",
    "CYRILLIC": "ru",
    "THAI": "th",
    "DEVANAGARI": "hi",
    "HEBREW": "he",
    "GREEK": "el",
    "TAMIL": "ta",
    "BENGALI": "bn",
    "KHMER": "km",
    "MYANMAR": "my",
    "LAO": "lo",
    "GEORGIAN": "ka",
    "ARMENIAN": "hy",
}


@cache
def _markers() -> tuple[dict[str, str], dict[tuple[str, ...], str]]:
    """Single marker words -> language, and phrases (as word tuples) -> language."""
    single: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    text = resources.files("bot.sop").joinpath("data", "language_other.txt").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        language, *marker = line.split()
        if len(marker) == 1:
            single[marker[0]] = language
        elif marker:
            phrases[tuple(marker)] = language
    return single, phrases


def script_language(text: str) -> str | None:
    """The language of a message written mostly in letters that are not Latin, else None."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return None
    scripts: Counter[str] = Counter()
    for char in letters:
        name = unicodedata.name(char, "")
        script = name.split(" ", 1)[0]
        if script != "LATIN":
            scripts[_SCRIPTS.get(script, "und")] += 1
    if not scripts or sum(scripts.values()) * 2 < len(letters):
        return None
    return scripts.most_common(1)[0][0]


def marker_language(text: str) -> str | None:
    """The language whose marker words make up enough of a Latin-script message, else None."""
    found = words(text)
    if not found:
        return None
    single, phrases = _markers()
    counts: Counter[str] = Counter()
    index = 0
    while index < len(found):
        for length in (3, 2):
            language = phrases.get(tuple(found[index : index + length]))
            if language is not None:
                counts[language] += length
                index += length
                break
        else:
            language = single.get(found[index])
            if language is not None:
                counts[language] += 1
            index += 1
    if not counts:
        return None
    language, hits = counts.most_common(1)[0]
    if hits < _MIN_MARKERS or hits < _MIN_SHARE * len(found):
        return None
    return language


@cache
def _courtesies() -> dict[tuple[str, ...], str]:
    """Phrases (as word tuples) -> "thanks", "greeting", "ok" or "filler"."""
    phrases: dict[tuple[str, ...], str] = {}
    text = resources.files("bot.sop").joinpath("data", "courtesy_other.txt").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            kind, *phrase = line.split()
            phrases[tuple(words(" ".join(phrase)))] = kind
    return phrases


def courtesy_kind(text: str) -> str | None:
    """ "thanks", "greeting" or "ok" when the whole message is such a courtesy in another language.

    Thanks outweighs a greeting ("sugeng enjing, matur nuwun"), and both outweigh "ok".
    """
    found = words(text)
    phrases = _courtesies()
    kinds: set[str] = set()
    index = 0
    while index < len(found):
        for length in (4, 3, 2, 1):
            kind = phrases.get(tuple(found[index : index + length]))
            if kind is not None:
                kinds.add(kind)
                index += length
                break
        else:
            return None
    for kind in ("thanks", "greeting", "ok"):
        if kind in kinds:
            return kind
    return None


def other_language(text: str) -> str | None:
    """The language of a message clearly in neither Indonesian nor English ("jv", "zh"...), else None.

    "und" when the script shows it is another language but not which one.
    """
    return script_language(text) or marker_language(text)
