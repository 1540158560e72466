"""Text normalisation that defeats the usual filter bypasses without inventing matches.

People dodge word filters with look-alike letters (Cyrillic `а` for Latin `a`), leetspeak
(`4nj1ng`), stretched letters (`anjiiiing`), separators (`a.n.j.i.n.g`, `a n j i n g`) and
invisible characters (zero-width space, soft hyphen). This module undoes those tricks and
lays the message out as up to three *readings*, each a run of lowercase words separated by
single spaces, concatenated so that the word filter scans them all in one pass:

* A, the plain reading: punctuation and symbols separate words; runs of three or more
  identical letters are cut to two, so `asssss` reads `ass` while the legitimate double
  letters of `assistant` or `maaf` survive;
* B, present when some letter is repeated three times or more: those runs cut to one
  (`anjiiiing` → `anjing`, `fuuuuck` → `fuck`);
* J, present when it differs from A: `. - _ * ' \\`` inside words are dropped (`anj.ing`,
  `f-u-c-k` → one word) and `@ $ ! |` inside words read as letters (`sh!t`, `a$$hole`,
  `b@bi`), as is `$` starting or ending a word (`$hit`, `a$$`). Elsewhere they stay
  punctuation: `mantap!!`, `@budi` (a mention) and `$100` read as in A.

Stretching by a single doubled letter (`anjiing`) is left to the word filter, which also
stores each long term with one letter doubled. Two details keep innocent text innocent:
a token made only of digits stays a number (`455 ribu` is a price, not `ass`), and `1`,
`!` and `|` become an ambiguous letter that the filter matches against both `i` and `l`
(`to1o1` → `tolol`, `sh!t` → `shit`) rather than guessing one.

Speed: most chat messages are plain ASCII with a few emoji. `fast_readings` handles those
with byte-level `translate`/`split` (C loops), leet digits included, and returns None when
the message needs the full treatment (`full_readings`: Unicode folding and look-alikes).
Two rarer cases are found by *signal* keys the word filter looks for in the same scan:
runs of a letter (`RUN_SIGNALS`: ask again with `collapse_runs=True`) and one-letter words
in a row (`SPELLING_SIGNALS`: if `spelled_out`, use `full_readings`). Both paths give the
same readings where both apply (a test checks this on hundreds of random messages).
`full_readings_tracked` repeats the full steps remembering where each output character
came from; it runs only when a term was found, to point at the fragment of the original.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass

AMBIGUOUS_LETTER = "1"
"""What `1`, `!` and `|` stand for inside a word: matched against both `i` and `l`."""

READING_SEPARATOR = " | "
"""Between two readings: no term spans it, and context stops at it."""

# Characters that render as nothing (or nearly) and are used to split a word invisibly.
_INVISIBLE = (
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # Arabic letter mark
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers, rendered blank
    "\u180e"  # Mongolian vowel separator
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\ufeff"  # zero-width no-break space (BOM)
)

# Combining marks: stripped after NFKD so accents and "Zalgo" stacks do not split words.
_MARK_RANGES = (
    (0x0300, 0x036F),
    (0x0483, 0x0489),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFE20, 0xFE2F),
    (0xE0100, 0xE01EF),
)

# Look-alikes that NFKD leaves alone, keyed by their casefolded form, and the few capitals
# whose lower-case form looks like another letter (Greek Ν Μ Υ Η, Cyrillic И).
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "г": "r", "д": "d", "е": "e", "ё": "e", "к": "k", "м": "m",
    "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
    "ь": "b", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ѵ": "v", "ү": "y", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "ι": "i",
    "κ": "k", "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "c", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w",
    # capitals that casefold to a different look-alike: Greek Ν is an N, not ν (v)
    "Η": "h", "Μ": "m", "Ν": "n", "Υ": "y", "ϒ": "y", "Λ": "a", "Δ": "a", "Σ": "e",
    "Π": "n", "Γ": "r", "Θ": "o", "Φ": "o", "Ω": "o", "И": "n", "Я": "r", "Л": "n",
    "и": "u", "л": "n", "ш": "w", "щ": "w",
    # Armenian
    "օ": "o", "ո": "n", "ս": "u", "հ": "h", "ց": "g",
    # Latin letters that do not decompose
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i",
    "æ": "ae", "œ": "oe", "ɑ": "a", "ɩ": "i", "ɛ": "e", "ɔ": "c", "ʋ": "u",
    # small capitals
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}  # fmt: skip

_FOLD_TABLE: dict[int, str | None] = {ord(c): None for c in _INVISIBLE}
for _low, _high in _MARK_RANGES:
    _FOLD_TABLE.update(dict.fromkeys(range(_low, _high + 1)))
_FOLD_TABLE.update({ord(k): v for k, v in _HOMOGLYPHS.items()})
_FOLD_TABLE.update({0x1F1E6 + i: chr(ord("a") + i) for i in range(26)})  # 🇦 … 🇿

_DIGIT_LEET = str.maketrans(
    {"0": "o", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g"}
)
_DIGIT_LEET_BYTES = bytes.maketrans(b"03456789", b"oeasgtbg")
_LEET_DIGITS = "03456789"
STAR = "X"
"""What `*` inside a word becomes in reading J: a letter the filter matches against any
letter (`anj*ng`, `sh*t`, `f**k`). Readings are lower case, so a capital never collides."""
_JOINERS = ".-_'`~"  # dropped inside words in reading J (and emoji, see `_ascii_view`)
_J_DELETE = _JOINERS.encode()
_PUNCT_LEET = {
    "@": "a", "$": "s", "+": "t", "*": STAR, "!": AMBIGUOUS_LETTER, "|": AMBIGUOUS_LETTER,
}  # fmt: skip

_W = r"[^\W_]"  # a letter or digit, in any script
_SEPARATOR = r"[\s.,\-_*+~:;/\\'\"`^=·•]+"
# Three or more single characters with the same separator between each: `a n j i n g`,
# `a.n.j.i.n.g`, `a. n. j`. A different separator ends the word, so `a.n.j.i.n.g b.a.b.i`
# reads as two words.
_SINGLES_RE = re.compile(rf"(?<!{_W}){_W}({_SEPARATOR}){_W}(?:\1{_W})+(?!{_W})")
# The same with any separators (`a.n-j_i n g`): joined in an extra reading only, since a
# change of separator usually starts a new word.
_MIXED_SINGLES_RE = re.compile(rf"(?<!{_W}){_W}(?:{_SEPARATOR}{_W}){{2,}}(?!{_W})")
_SEPARATOR_RE = re.compile(_SEPARATOR)
_DIGIT_TOKEN_RE = re.compile(rf"(?<!{_W}){_W}*\d{_W}*")  # a token with a digit in it
_NON_WORD_RE = re.compile(r"[\W_]+")
# a letter (or the ambiguous 1) three times or more; a run of stars is not a stretched letter
_RUN3_RE = re.compile(rf"((?!{STAR})[^\W\d_]|{AMBIGUOUS_LETTER})\1{{2,}}")


def _two(match: re.Match[str]) -> str:
    return match.group(1) * 2


def _one(match: re.Match[str]) -> str:
    return match.group(1)


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
_READING_SEPARATOR_BYTES = READING_SEPARATOR.encode()

# Byte tables for the ASCII fast path.
_ALNUM = b"abcdefghijklmnopqrstuvwxyz0123456789"
_A_TABLE = bytes(
    c if c in _ALNUM else (c + 32 if 65 <= c <= 90 else 32) for c in range(256)
)  # letters lowercased, digits kept, everything else a space
_J_RUN_TABLE = {ord(c): None for c in _JOINERS} | {ord(k): v for k, v in _PUNCT_LEET.items()}
_J_RUN_BYTES_TABLE = bytes.maketrans(b"@$+*!|", f"ast{STAR}11".encode())
# Where reading J reads punctuation: runs of joiners, emoji and `@ $ + * ! |` between two
# letters or digits (`anj.ing`, `anj~ing`, `anj🔥ing`, `sh!t`, `b@bi`, `a$$hole`, `anj*ng`),
# `$` or `+` starting or ending a word with a letter in it (`$hit`, `+0l0l`, `a$$`,
# `b4ngs4+`; the match then takes the word too, which the tables leave as it is), and `*`
# ending a word of two letters or more (`as*`). Elsewhere (`ok.`, `mantap!!`, `@budi`, `$100`, `+62`) they stay
# separators.
# Each run is read once: possessive quantifiers, and a run of `$`, `+` or `*` is tried only
# from its first character (otherwise "$$$…$" is re-read from every position: quadratic).
_J_INNER = r"(?<={w}){j}++(?={w})"
_J_EDGE = (  # after _J_INNER
    r"(?<!{w})(?<!\$)\$++(?={w}*{l})|(?<!{w}){d}*+{l}{w}*+\$++(?!{w})"  # `$hit`, `a$$`
    r"|(?<!{w})(?<!\+)(?=(?:{w}|\+)*?{l})(?=(?:{w}|\+)*?\+)(?:{w}|\+)++"  # `s3+4n`, `b4ngs4+`
    r"|(?<!{w})(?<!\*){w}*+(?<={l}{l})\*+(?!{w})"  # `as*`, but not markdown's `*bold*`
)
_J_ASCII = r"[.\-_*'`~@$!|]"
_J_INNER_RE = re.compile(  # non-ASCII symbols (emoji, ★, •) count as joiners too
    _J_INNER.format(w=r"[^\W_]", l=r"[^\W\d_]", j=rf"(?:{_J_ASCII}|[^\w\s\x00-\x7f])")
)
_J_EDGE_RE = re.compile(_J_EDGE.format(w=r"[^\W_]", l=r"[^\W\d_]", d=r"\d"))
_J_INNER_BYTES_RE = re.compile(_J_INNER.format(w="[a-z0-9]", l="[a-z]", j=_J_ASCII).encode())
# Reading E: like A, but emoji and `~` inside a word join it and `*` stands for a letter,
# while `-` and `.` still separate (`gr*pe-gr*pe`, `anj🔥ing-anj🔥ing`).
_E_INNER = r"(?<={w}){j}++(?={w})"
_E_INNER_RE = re.compile(_E_INNER.format(w=r"[^\W_]", j=r"(?:[~*]|[^\w\s\x00-\x7f])"))
_E_INNER_BYTES_RE = re.compile(_E_INNER.format(w="[a-z0-9]", j="[~*]").encode())
_J_EDGE_BYTES_RE = re.compile(
    _J_EDGE.format(w=f"[a-z0-9{STAR}]", l=f"[a-z{STAR}]", d="[0-9]").encode()
)
_LOWER_BYTES = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_J_TABLE = bytes(c if c == ord(STAR) else _A_TABLE[c] for c in range(256))

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
RUN_SIGNALS: tuple[str, ...] = tuple(letter * 3 for letter in _LETTERS + AMBIGUOUS_LETTER)
"""Fragments that mean "runs of letters must be collapsed" (`anjiiing`)."""
SPELLING_SIGNALS: tuple[str, ...] = tuple(
    f" {first} {second} " for first in _LETTERS + "0123456789" for second in _LETTERS + "0123456789"
)
"""Two one-character words in a row: maybe a word spelled out letter by letter.

The word filter looks for both kinds of signal in the same scan as the terms, so the
common message pays nothing for these rarer cases."""
_MARK_TABLE = bytes(
    46 if chr(c) in _JOINERS + "".join(_PUNCT_LEET) else 51 if chr(c) in _LEET_DIGITS else 32
    for c in range(256)
)  # "." marks characters reading J may read, "3" digits leetspeak uses, the rest blank
_SHAPE_TABLE = bytes(
    97 if c in _ALNUM or 65 <= c <= 90 else 46 if chr(c) in _JOINERS + "@!|*" else 32
    for c in range(256)
)  # letters and digits "a", joiners "." (a joiner inside a word shows as "a." and ".a")


def fold_chars(text: str) -> str:
    """Per-character folding: invisible characters out, NFKD, accents off, casefold, look-alikes.

    Gives the same result on a whole string and one character at a time, which is what
    lets `full_readings_tracked` map positions back.
    """
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.translate(_FOLD_TABLE))
    return text.translate(_FOLD_TABLE).casefold().translate(_FOLD_TABLE)


def _is_plain_symbol(char: str) -> bool:
    """Emoji, symbols, punctuation and spaces that fold to themselves: word separators."""
    return (
        ord(char) not in _FOLD_TABLE
        and unicodedata.category(char)[0] in "SPZ"
        and unicodedata.normalize("NFKD", char) == char
    )


def _ascii_view(text: str) -> bytes | None:
    """The text as ASCII bytes with each emoji and symbol as a separator (`~` when glued to
    ASCII on both sides, which reading J joins inside a word: `anj🔥ing`; `?` elsewhere,
    which costs reading J nothing); None if anything else is non-ASCII."""
    if text.isascii():
        return text.encode("ascii")
    for selector in ("\ufe0f", "\ufe0e", "\u200d"):  # emoji presentation and joiner: dropped
        if selector in text:
            text = text.replace(selector, "")
    for run in _NON_ASCII_RE.findall(text):
        for char in run:
            if not ("\U0001f300" <= char <= "\U0001faff" or _is_plain_symbol(char)):
                return None  # not an emoji from the main blocks, nor another plain symbol
    raw = text.encode("ascii", "replace")  # one "?" per character: positions stay
    shape = raw.translate(_GLUE_SHAPE_TABLE)
    if shape.find(b"a?") == -1 or shape.find(b"?a") == -1:  # the usual case: 🔥 after a space
        return raw
    marked = bytearray(raw)
    for glued in _GLUED_BYTES_RE.finditer(raw):
        for position in range(glued.start(), glued.end()):
            if not text[position].isascii():  # a symbol, not a question mark the user typed
                marked[position] = 126  # "~"
    return bytes(marked)


# a run of "?" glued to other printable ASCII on both sides: maybe symbols inside a word
_GLUED_BYTES_RE = re.compile(rb"(?<=[\x21-\x3e\x40-\x7e])\?+(?=[\x21-\x3e\x40-\x7e])")
_GLUE_SHAPE_TABLE = bytes(63 if c == 63 else 97 if 0x21 <= c <= 0x7E else 32 for c in range(256))


def _leet_bytes(tokens: list[bytes]) -> list[bytes]:
    """`_leet` for byte tokens: digits read as letters in words, numbers left alone."""
    return [token if token.isdigit() else token.translate(_DIGIT_LEET_BYTES) for token in tokens]


def fast_readings(text: str, collapse_runs: bool = False) -> tuple[str, int] | None:
    """Readings A (and J) of a plain message and the length of the A part (with its spaces),
    or None when the message needs `full_readings` (it is not ASCII apart from emoji and
    symbols).

    When the scan meets a `RUN_SIGNALS` fragment (a letter three times in a row), call again
    with `collapse_runs=True` to get readings A, B and J as `full_readings` would make them.
    When it meets a `SPELLING_SIGNALS` fragment and `spelled_out` confirms letters typed one
    by one (`a n j i n g`), use `full_readings` instead.
    """
    if text.isascii():
        plain = text.rstrip("?!.,")  # sentence punctuation at the end reads as nothing
        if (
            not collapse_runs
            and plain.replace(" ", "").isalpha()
            and "  " not in plain
            and plain[0] != " " != plain[-1]
        ):  # the most common message of all: words and single spaces, nothing else
            return f" {plain.lower()} ", len(plain) + 2
        raw: bytes | None = text.encode("ascii")
    else:
        raw = _ascii_view(text)
    if raw is None:
        return None
    marks = raw.translate(_MARK_TABLE)
    if marks.isspace() and not collapse_runs:  # the common case: no digits, no joiners
        reading_a = b" ".join(raw.translate(_A_TABLE).split())
        return (b" " + reading_a + b" ").decode("ascii"), len(reading_a) + 2
    tokens = raw.translate(_A_TABLE).split()
    has_leet_digits = marks.find(b"3") != -1
    if has_leet_digits:
        tokens = _leet_bytes(tokens)
    reading_a = words = b" ".join(tokens)
    parts = [reading_a]
    if collapse_runs:
        reading_a = parts[0] = _RUN3_BYTES_RE.sub(_two_bytes, words)
        if reading_a != words:
            parts.append(_RUN3_BYTES_RE.sub(_one_bytes, words))
    if marks.find(b".") != -1 and _may_read_differently(raw):
        lowered = raw.translate(_LOWER_BYTES)
        inner = _J_INNER_BYTES_RE.sub(_j_run_bytes, lowered)
        if inner.find(b"$") != -1 or inner.find(b"+") != -1 or inner.find(b"*") != -1:
            inner = _J_EDGE_BYTES_RE.sub(_j_run_bytes, inner)
        j_tokens = inner.translate(_J_TABLE).split()
        if has_leet_digits:
            j_tokens = _leet_bytes(j_tokens)
        reading_j = b" ".join(j_tokens)
        if collapse_runs:
            reading_j = _RUN3_BYTES_RE.sub(_two_bytes, reading_j)
        if reading_j != reading_a:
            parts.append(reading_j)
        if raw.find(b"~") != -1 or raw.find(b"*") != -1:
            e_raw = _E_INNER_BYTES_RE.sub(_e_run_bytes, lowered)
            e_tokens = e_raw.translate(_J_TABLE).split()
            if has_leet_digits:
                e_tokens = _leet_bytes(e_tokens)
            reading_e = b" ".join(e_tokens)
            if collapse_runs:
                reading_e = _RUN3_BYTES_RE.sub(_two_bytes, reading_e)
            if reading_e not in parts:
                parts.append(reading_e)
    return (b" " + _READING_SEPARATOR_BYTES.join(parts) + b" ").decode("ascii"), len(reading_a) + 2


def _may_read_differently(raw: bytes) -> bool:
    """Cheap test before the regular expression: is any of reading J's punctuation inside a
    word (or a `$`, `+` or `*` at all)? `ok.`, `mantap!!` and `@budi` are not."""
    if raw.find(b"$") != -1 or raw.find(b"+") != -1 or raw.find(b"*") != -1:
        return True
    shape = raw.translate(_SHAPE_TABLE)
    return shape.find(b"a.") != -1 and shape.find(b".a") != -1


def _e_run_bytes(match: re.Match[bytes]) -> bytes:
    return match.group().translate(_J_RUN_BYTES_TABLE, b"~")


def _e_run(match: re.Match[str]) -> str:
    return STAR * match.group().count("*")


def _j_reading(folded: str) -> str:
    """Folded text as reading J reads its punctuation (before the digits' leetspeak)."""
    inner = _J_INNER_RE.sub(_j_run, folded)
    if "$" in inner or "+" in inner or "*" in inner:
        return _J_EDGE_RE.sub(_j_run, inner)
    return inner


def _j_run(match: re.Match[str]) -> str:
    run = match.group()
    if not run.isascii():
        run = _NON_ASCII_SYMBOLS_RE.sub("", run)  # emoji and other symbols inside a word
    return run.translate(_J_RUN_TABLE)


_NON_ASCII_SYMBOLS_RE = re.compile(r"[^\w\s\x00-\x7f]+")


def _j_run_bytes(match: re.Match[bytes]) -> bytes:
    return match.group().translate(_J_RUN_BYTES_TABLE, _J_DELETE)


_SPELLED_OUT_RE = re.compile(r"(?:^| )[^\W_](?: [^\W_]){2,}(?: |$)")


def spelled_out(reading_a: str) -> bool:
    """Whether a reading has three or more one-character words in a row (`a n j i n g`)."""
    return _SPELLED_OUT_RE.search(reading_a) is not None


_RUN3_BYTES_RE = re.compile(rb"([a-z1])\1{2,}")


def _two_bytes(match: re.Match[bytes]) -> bytes:
    return match.group(1) * 2


def _one_bytes(match: re.Match[bytes]) -> bytes:
    return match.group(1)


_ASCII_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")


def plain_token_spans(text: str, reading_a: str) -> list[tuple[int, int]] | None:
    """Where each word of a `fast_readings` reading A is in `text`, or None if they do not
    line up (an emoji joiner was dropped between two letters): then use the tracked path."""
    spans = [match.span() for match in _ASCII_TOKEN_RE.finditer(text)]
    return spans if len(spans) == reading_a.count(" ") + 1 else None


def _join_singles(match: re.Match[str]) -> str:
    run = match.group()
    if "," not in run:
        joined = _SEPARATOR_RE.sub("", run)
        return joined if joined.isalpha() or _spelled(run) else run
    return "".join(
        _SEPARATOR_RE.sub("", piece) if _spelled(piece) else piece
        for piece in _LIST_COMMA_RE.split(run)
    )


_LIST_COMMA_RE = re.compile(r"(\s*,\s+)")
"""A comma and a space part items of a list (`kelas B, A, B, I`), never a spelled word."""


def _spelled(run: str) -> bool:
    """Whether single characters in a row spell a word: two or more of them, not mostly
    digits (`no 4 5 u`, `ukuran 4 5 6` are numbers, not leetspeak)."""
    characters = _SEPARATOR_RE.sub("", run)
    return len(characters) > 1 and 2 * sum(char.isdigit() for char in characters) < len(characters)


def _digit_leet(match: re.Match[str]) -> str:
    token = match.group()
    return token if token.isdigit() else token.translate(_DIGIT_LEET)


def _folded(text: str) -> str:
    """Folded text with separated letters joined, punctuation kept."""
    return _SINGLES_RE.sub(_join_singles, fold_chars(text))


def _leet(text: str) -> str:
    """Digits inside words read as letters (`4nj1ng` → `anj1ng`); numbers stay numbers."""
    return _DIGIT_TOKEN_RE.sub(_digit_leet, text)


def _words(text: str) -> str:
    return " ".join(_NON_WORD_RE.sub(" ", text).split())


def full_readings(text: str) -> str:
    """Readings A, B, J and M of any message (B, J and M when they differ), each between
    single spaces, with `READING_SEPARATOR` between them."""
    folded_chars = fold_chars(text)
    folded = _SINGLES_RE.sub(_join_singles, folded_chars)
    words = _words(_leet(folded))
    reading_a = _RUN3_RE.sub(_two, words)
    readings = [reading_a]
    if reading_a != words:
        readings.append(_RUN3_RE.sub(_one, words))
    reading_j = _RUN3_RE.sub(_two, _words(_leet(_j_reading(folded))))
    if reading_j != reading_a:
        readings.append(reading_j)
    mixed = _MIXED_SINGLES_RE.sub(_join_singles, folded_chars)
    if mixed != folded:
        reading_m = _RUN3_RE.sub(_two, _words(_leet(mixed)))
        if reading_m not in readings:
            readings.append(reading_m)
    embedded = _E_INNER_RE.sub(_e_run, folded)
    if embedded != folded:
        reading_e = _RUN3_RE.sub(_two, _words(_leet(embedded)))
        if reading_e not in readings:
            readings.append(reading_e)
    return f" {READING_SEPARATOR.join(readings)} "


def spelled_runs(text: str) -> list[str]:
    """Letters typed one by one (`a.n-j_i n g`, `s o n o f a b i t c h`), each run joined,
    as the readings spell words: the word filter splits them into words it knows, since the
    separators no longer say where a word ends."""
    return [
        _RUN3_RE.sub(_two, _leet(_SEPARATOR_RE.sub("", piece)))
        for match in _MIXED_SINGLES_RE.finditer(fold_chars(text))
        for piece in _LIST_COMMA_RE.split(match.group())[::2]
        if _spelled(piece)
    ]


def normalise_term(term: str) -> str:
    """A word-list term as reading A shows it: `"Anak  Haram"` → `"anak haram"`."""
    return _RUN3_RE.sub(_two, _words(_leet(_folded(term))))


def text_fingerprint(text: str) -> str:
    """A short key that is equal for messages a reader would call "the same text".

    Case, spacing and punctuation are ignored (`Promo!!` = `promo`). Returns "" for
    messages too short to judge as repeats ("ok", "y"), which the repeat rule skips.
    Emoji-only messages key on the emoji. Stable across processes (CRC-32 and length),
    so a shared store can compare fingerprints from several workers.
    """
    if text.isascii():
        key = text.encode("ascii").translate(_A_TABLE).replace(b" ", b"")
    else:
        folded = text.casefold()
        key = "".join(_NON_WORD_RE.sub(" ", folded).split()).encode("utf-8")
        if not key:
            key = "".join(folded.split()).encode("utf-8", "replace")
    if len(key) < 3:
        return ""
    # %-formatting: several times faster than an f-string with format specs, per message
    return "%x" % (zlib.crc32(key) << 16 | min(len(key), 0xFFFF))


# ---------------------------------------------------------------------------------------
# Tracked variant: the full steps, remembering the source span of every output character.

_Replacement = str | Callable[[re.Match[str]], str]
_SPACES_RE = re.compile(r" +")


@dataclass(slots=True)
class Tracked:
    """A string whose characters each remember the span of the original text they came from."""

    text: str
    spans: list[tuple[int, int]]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text behind `text[start:end]`, spaces at the ends ignored."""
        while start < end and self.text[start] == " ":
            start += 1
        while end > start and self.text[end - 1] == " ":
            end -= 1
        if start >= end:
            return (0, 0)
        return (self.spans[start][0], self.spans[end - 1][1])

    def sub(self, pattern: re.Pattern[str], replacement: _Replacement) -> Tracked:
        pieces: list[str] = []
        spans: list[tuple[int, int]] = []
        last = 0
        for match in pattern.finditer(self.text):
            start, end = match.span()
            pieces.append(self.text[last:start])
            spans.extend(self.spans[last:start])
            if callable(replacement):
                new = replacement(match)
            elif "\\" in replacement:
                new = match.expand(replacement)
            else:
                new = replacement
            if len(new) == end - start:
                spans.extend(self.spans[start:end])
            elif new:
                merged = (self.spans[start][0], self.spans[end - 1][1])
                spans.extend([merged] * len(new))
            pieces.append(new)
            last = end
        pieces.append(self.text[last:])
        spans.extend(self.spans[last:])
        return Tracked("".join(pieces), spans)

    def words(self) -> Tracked:
        """`_words` with spans: non-word runs to single spaces, trimmed."""
        spaced = self.sub(_NON_WORD_RE, " ").sub(_SPACES_RE, " ")
        start = 1 if spaced.text.startswith(" ") else 0
        end = len(spaced.text) - (
            1 if spaced.text.endswith(" ") and len(spaced.text) > start else 0
        )
        return Tracked(spaced.text[start:end], spaced.spans[start:end])

    def __add__(self, other: Tracked) -> Tracked:
        return Tracked(self.text + other.text, self.spans + other.spans)


def _space() -> Tracked:
    return Tracked(" ", [(0, 0)])


def _separator() -> Tracked:
    return Tracked(READING_SEPARATOR, [(0, 0)] * len(READING_SEPARATOR))


def full_readings_tracked(text: str) -> Tracked:
    """`full_readings` with a source span for every output character."""
    if text.isascii():
        start = Tracked(text.lower(), [(index, index + 1) for index in range(len(text))])
    else:
        pieces: list[str] = []
        spans: list[tuple[int, int]] = []
        for index, char in enumerate(text):
            folded_char = fold_chars(char)
            pieces.append(folded_char)
            spans.extend([(index, index + 1)] * len(folded_char))
        start = Tracked("".join(pieces), spans)
    folded = start.sub(_SINGLES_RE, _join_singles)
    words = folded.sub(_DIGIT_TOKEN_RE, _digit_leet).words()
    reading_a = words.sub(_RUN3_RE, _two)
    readings = [reading_a]
    if reading_a.text != words.text:
        readings.append(words.sub(_RUN3_RE, _one))
    reading_j = (
        folded.sub(_J_INNER_RE, _j_run)
        .sub(_J_EDGE_RE, _j_run)
        .sub(_DIGIT_TOKEN_RE, _digit_leet)
        .words()
        .sub(_RUN3_RE, _two)
    )
    if reading_j.text != reading_a.text:
        readings.append(reading_j)
    mixed = start.sub(_MIXED_SINGLES_RE, _join_singles)
    if mixed.text != folded.text:
        reading_m = mixed.sub(_DIGIT_TOKEN_RE, _digit_leet).words().sub(_RUN3_RE, _two)
        if reading_m.text not in [reading.text for reading in readings]:
            readings.append(reading_m)
    embedded = folded.sub(_E_INNER_RE, _e_run)
    if embedded.text != folded.text:
        reading_e = embedded.sub(_DIGIT_TOKEN_RE, _digit_leet).words().sub(_RUN3_RE, _two)
        if reading_e.text not in [reading.text for reading in readings]:
            readings.append(reading_e)
    result = _space() + readings[0]
    for reading in readings[1:]:
        result = result + _separator() + reading
    return result + _space()


# ---------------------------------------------------------------------------------------
# Tweet-style text: mentions, links and hashtags as the words they stand for.

MENTION_WORD = "user"
"""What an `@handle` reads as: the placeholder research corpora of tweets write (`USER`),
so a reply to a person reads the same whether the handle is shown or masked."""
LINK_WORD = "url"
"""What a link reads as (`URL` in research corpora)."""

# A link, an @handle (not inside an e-mail address), a #hashtag, the placeholders USER
# and URL as research corpora write them, and the escapes such corpora leave in the text:
# emoji as bytes (`\xf0\x9f\x98\xa1`), line breaks as `\n`, and HTML's `&amp;`.
# Possessive quantifiers: each run is read once.
_TWEET_MARK_RE = re.compile(
    r"(?:\\x[0-9a-fA-F]{2})++|\\[nrt]|&(?:amp|lt|gt|quot);"
    r"|(?:https?://|www\.)[^\s<>\"]++"
    r"|(?<![\w@.])@\w++"
    r"|(?<![\w#&])#(?=\w*[^\W\d_])\w++"
    r"|\b(?:USER|URL)\b"
)
# Where a hashtag's words meet: `DasarTolol`, `DPRTidakMewakili`.
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@dataclass(frozen=True, slots=True)
class TweetView:
    """A message with its mentions and links as single placeholder words (`user`, `url`)
    and its hashtags as their words (`#DasarTolol` → ` Dasar Tolol`), and the pieces it
    replaced: (start in `text`, end in `text`, start in the original, end in the original),
    in order. Empty when `text` is the original.

    Why: a handle or a link is made of arbitrary letters that must not read as words
    (`@mamat_kopi` is not "mamat kopi": `kopi` would make `kntl lu` read as "kental";
    `t.co/4nj1ng` is not a swear), while a handle says the line is aimed at a person.
    Positions are mapped back only for the few hits found, so the message with a mention
    and nothing listed pays for the substitution alone.
    """

    text: str
    pieces: tuple[tuple[int, int, int, int], ...] = ()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text behind `text[start:end]`."""
        if not self.pieces or start >= end:
            return (start, end)
        return (self._original(start, at_end=False), self._original(end, at_end=True))

    def _original(self, position: int, at_end: bool) -> int:
        index = bisect.bisect_right(self.pieces, position, key=_piece_start) - 1
        if at_end and index >= 0 and self.pieces[index][0] == position:
            index -= 1  # a span ending where a piece starts ends before it
        if index < 0:
            return position
        start, end, source_start, source_end = self.pieces[index]
        if position < end or (at_end and position == end):
            inside = self.text[start:end]
            if inside[0] != " " or end - start == 1:  # a placeholder: all of what it replaced
                return source_end if at_end else source_start
            # a hashtag: "#" became the space, the letters stay, inserted spaces are extra
            offset = position - start
            return source_start + offset - inside.count(" ", 1, offset)
        return position + source_end - end


def _piece_start(piece: tuple[int, int, int, int]) -> int:
    return piece[0]


def tweet_view(
    text: str, split_tag: Callable[[str], str | None] | None = None
) -> TweetView | None:
    """`text` with tweet markup read as words (see `TweetView`), or None when it has none.
    A hashtag without capitals to split at (`#dasartolol`) is given to `split_tag`, which
    may return it with spaces inserted (`dasartolol` → `dasar tolol`). Costs one search of
    a short pattern on the common message that has no markup."""
    if not (
        "@" in text or "#" in text or "\\" in text or "&" in text or "://" in text
        or "www." in text or "USER" in text or "URL" in text
    ):  # fmt: skip  (eight C-level searches: cheaper than one regular expression)
        return None
    parts: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    last = length = 0
    for match in _TWEET_MARK_RE.finditer(text):
        start, end = match.span()
        marked = match.group()
        if marked[0] == "#":
            words = _CAMEL_RE.sub(" ", marked[1:])
            if split_tag is not None and words == marked[1:]:
                split = split_tag(words)
                if split is not None and split.replace(" ", "") == words.lower():
                    words = split
            new = " " + words
        elif marked[0] in "\\&":  # an escape: a separator, as the emoji or line break was
            new = "\n" if marked in ("\\n", "\\r") else " "
        elif marked[0] == "@":
            new = MENTION_WORD
        elif marked in ("USER", "URL"):
            new = marked.lower()
        else:
            new = LINK_WORD
        parts.append(text[last:start])
        length += start - last
        pieces.append((length, length + len(new), start, end))
        parts.append(new)
        length += len(new)
        last = end
    if not pieces:
        return None
    parts.append(text[last:])
    return TweetView("".join(parts), tuple(pieces))
