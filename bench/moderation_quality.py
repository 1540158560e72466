"""How well the word filter tells abuse from innocent chat, and how well it sees disguises.

    python -m bench.moderation_quality                     # dev and test, chat corpus, tests' phrases
    python -m bench.moderation_quality --splits dev --errors dev    # and print dev's mistakes

Prints one JSON object. For each split of `bench/datasets/moderation_id` (tab-separated
`label kind text`, labels `abusive`/`clean`) and each policy (`default`: the categories a
new chat gets; `mild_on`: the same plus `mild`):

* `precision`, `recall` on `abusive` lines, `clean_flagged` (share of all clean lines the
  filter would act on), and `per_kind`: lines and flagged share per kind;
* `disguises` (default policy): every abusive line the filter catches as written is
  rewritten by code with each disguise (the key word of each hit that counts, not the
  words around it, is changed): `emoji_inside` (anj🔥ing), `tilde_inside` (anj~ing),
  `lookalike_capitals` (ΑΝЈΙΝG: Greek and Cyrillic capitals), `star_vowel` (anj*ng),
  `dropped_vowels` (kntl; only where four letters or more remain), `leet` (4nj1n6,
  b4n654+, t0l0l: 4 3 1 0 5 for vowels and s, 6 for g, + for t; a first consonant
  kept), `mixed_separators` (a.n-j_i n g) and `stretched` (anjiiiing). `ratio` is the
  share still caught (target: 0.95 or more), over the `lines` the disguise applies to.

`chat_corpus` runs the filter on `bench.make_chat_corpus` output (`--chat-lines`, seed 1):
a line is swearing when the generator picked it from its swear or disguise lists (some of
which are mild: kampret, sialan, wtf, damn it), clean otherwise; it reports the clean lines
flagged, the swear lines caught and which swears were missed. `test_phrases`
runs the phrases of tests/moderation/test_wordfilter.py (innocent lines flagged, disguised
terms found). Nothing is timed here: `bench.automod` measures speed.

`senses` is a second clean set kept apart from both corpora: `tests/moderation/data/senses.tsv`
(`--senses FILE`), lines written for this project where a listed word has its innocent
sense (the dog, the name, the town, `perek` = near, `kntl` = kental, `UU Pornografi`,
`white power bank`...), with a few lines where the same words are abuse; `--senses ''`
skips it. It was written before the rules for these senses were changed, and is measured
like a split (`--errors senses` prints its mistakes). `tests/moderation/data/senses_2.tsv`
(`--senses tests/moderation/data/senses_2.tsv`) is a third, written in round 4 going
through the default lists word by word: other animals and foods, names, places, regional
verbs (`sarap`, `pantek`, `raimu`), codes, acronyms and usernames (`T41K`, `ASU`,
`asu_official`), English words inside Indonesian (`dosen cum peneliti`, `shuttle cock`),
faiths and peoples, banter.

`--errors SPLIT` prints that split's misses and false alarms to stderr, with each hit's
score and reasons. Use it on dev only: test is for reporting, never for tuning.

`--time FILE` only times `WordFilter.match` (default categories) over FILE, one message a
line: CPU seconds (`time.process_time`, so other processes on a loaded machine count less
than in wall time), best of `--repeat` runs, for all lines and for the lines it flags and
does not flag. It needs nothing but `WordFilter.build` and `match`, so the same module
copied into an older checkout times that version's filter on the same file.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.moderation.policy import DEFAULT_CATEGORIES
from bot.moderation.terms import load_default_wordlists
from bot.moderation.wordfilter import WordFilter, WordHit

DATASET = Path(__file__).parent / "datasets" / "moderation_id"
SENSES = Path(__file__).parent.parent / "tests" / "moderation" / "data" / "senses.tsv"
SPLITS = ("dev", "test")
_WORD_RE = re.compile(r"[^\W_]+")
_PLAIN_RE = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,})*")
_STRETCHED_RE = re.compile(r"([A-Za-z])\1\1", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    kind: str
    text: str


class CorpusError(ValueError):
    """A split that cannot be read; the message names the file (and line)."""


def read_split(path: Path) -> list[Line]:
    """The lines of one split. Raises CorpusError naming the file and line."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    if not rows or rows[0] != ["label", "kind", "text"]:
        raise CorpusError(f"{path}: expected the header label, kind, text")
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 3 or row[0] not in ("abusive", "clean"):
            raise CorpusError(f"{path}:{number}: expected label, kind, text")
        lines.append(Line(*row))
    return lines


# ---------------------------------------------------------------------------------------
# Disguises: each rewrites one word; `None` when it does not apply to that word.

_LOOKALIKE_CAPITALS = {
    "a": "Α", "b": "Β", "c": "С", "e": "Ε", "h": "Η", "i": "Ι", "j": "Ј", "k": "Κ",
    "m": "Μ", "n": "Ν", "o": "Ο", "p": "Ρ", "s": "Ѕ", "t": "Τ", "x": "Χ", "y": "Υ",
    "z": "Ζ",
}  # fmt: skip  (Greek, and Cyrillic С Ѕ Ј)
_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "g": "6", "t": "+"})
_SEPARATORS = (".", "-", "_", " ")
_VOWELS = "aeiou"


def _middle(word: str) -> int:
    return len(word) // 2


def emoji_inside(word: str) -> str | None:
    return word[: _middle(word)] + "🔥" + word[_middle(word) :] if len(word) >= 3 else None


def tilde_inside(word: str) -> str | None:
    return word[: _middle(word)] + "~" + word[_middle(word) :] if len(word) >= 3 else None


def lookalike_capitals(word: str) -> str | None:
    changed = "".join(_LOOKALIKE_CAPITALS.get(c, c.upper()) for c in word.lower())
    return changed if any(c in _LOOKALIKE_CAPITALS for c in word.lower()) else None


def star_vowel(word: str) -> str | None:
    """The first vowel after the first letter (a stretched one as a whole) as `*`."""
    for index in range(1, len(word)):
        if word[index].lower() in _VOWELS:
            end = index
            while end < len(word) and word[end].lower() == word[index].lower():
                end += 1
            return word[:index] + "*" + word[end:]
    return None


def dropped_vowels(word: str) -> str | None:
    """The vowels after the first letter dropped, where four letters or more remain (`kntl`,
    `gblk`); three are too often another word's abbreviation (`dng`, `bln`) to be a disguise."""
    dropped = word[0] + "".join(c for c in word[1:] if c.lower() not in _VOWELS)
    return dropped if dropped != word and len(dropped) >= 4 else None


def leet(word: str) -> str | None:
    """Every letter with a digit or symbol for it except the first, which people keep so
    the word stays readable (`b4n654+`, `t0l0l`, `4nj1n6`)."""
    lowered = word.lower()
    if lowered[:1] in _VOWELS:  # a leading vowel becomes a digit too: 4nj1ng
        changed = lowered.translate(_LEET)
    else:
        changed = lowered[:1] + lowered[1:].translate(_LEET)
    return changed if changed != lowered else None


def mixed_separators(word: str) -> str | None:
    if len(word) < 3:
        return None
    pieces = [word[0]]
    for index, char in enumerate(word[1:]):
        pieces += [_SEPARATORS[index % len(_SEPARATORS)], char]
    return "".join(pieces)


def stretched(word: str) -> str | None:
    for index in range(len(word) - 1, 0, -1):
        if word[index].lower() in _VOWELS:
            return word[:index] + word[index] * 4 + word[index + 1 :]
    return word + word[-1] * 3 if word else None


Disguise = Callable[[str], str | None]

DISGUISES: dict[str, Disguise] = {
    "emoji_inside": emoji_inside,
    "tilde_inside": tilde_inside,
    "lookalike_capitals": lookalike_capitals,
    "star_vowel": star_vowel,
    "dropped_vowels": dropped_vowels,
    "leet": leet,
    "mixed_separators": mixed_separators,
    "stretched": stretched,
}


def disguise_line(
    text: str, hits: Sequence[WordHit], disguise: Disguise, markers: set[str]
) -> str | None:
    """`text` with the key word of each hit disguised (its longest word that is not a
    context word such as `dasar` or `lu`), as people hide the word that matters, or None if
    the disguise changes none of them. Hits already disguised as written are left alone."""
    targets: list[tuple[int, int]] = []
    for hit in hits:
        if not _PLAIN_RE.fullmatch(hit.fragment) or _STRETCHED_RE.search(hit.fragment):
            continue  # already disguised as written (`b4ngs4t`, `anjiiing`, `k o n t o l`)
        words = [m for m in _WORD_RE.finditer(text, hit.span[0], hit.span[1])
                 if m.group().lower() not in markers]  # fmt: skip
        if words:
            key = max(words, key=lambda m: len(m.group()))
            if not any(start < key.end() and key.start() < end for start, end in targets):
                targets.append(key.span())
    changed = False
    for start, end in sorted(targets, reverse=True):
        replacement = disguise(text[start:end])
        if replacement is not None:
            text = text[:start] + replacement + text[end:]
            changed = True
    return text if changed else None


def context_markers() -> set[str]:
    """The words the disguises leave alone: those that aim a word at someone (`dasar`, `lu`)."""
    from bot.moderation.context import load_default_context

    rules = load_default_context()
    return set(rules.addressed_before.exact | rules.addressed_after.exact | rules.fillers)


# ---------------------------------------------------------------------------------------
# Measures


def quality(lines: Sequence[Line], words: WordFilter) -> dict[str, Any]:
    flagged = [bool(words.match(line.text)) for line in lines]
    abusive = [f for line, f in zip(lines, flagged, strict=True) if line.label == "abusive"]
    clean = [f for line, f in zip(lines, flagged, strict=True) if line.label == "clean"]
    true_positives = sum(abusive)
    predicted = true_positives + sum(clean)
    per_kind: dict[str, dict[str, Any]] = {}
    for line, was_flagged in zip(lines, flagged, strict=True):
        entry = per_kind.setdefault(f"{line.label}/{line.kind}", {"lines": 0, "flagged": 0})
        entry["lines"] += 1
        entry["flagged"] += was_flagged
    for entry in per_kind.values():
        entry["flagged_share"] = round(entry["flagged"] / entry["lines"], 3)
    return {
        "abusive": len(abusive),
        "clean": len(clean),
        "precision": round(true_positives / predicted, 3) if predicted else None,
        "recall": round(true_positives / len(abusive), 3) if abusive else None,
        "clean_flagged": round(sum(clean) / len(clean), 4) if clean else None,
        "clean_flagged_lines": sum(clean),
        "per_kind": dict(sorted(per_kind.items())),
    }


def disguise_ratios(
    lines: Sequence[Line], words: WordFilter, markers: set[str]
) -> dict[str, dict[str, Any]]:
    caught = [(line, hits) for line in lines if line.label == "abusive"
              for hits in [words.match(line.text)] if hits]  # fmt: skip
    result: dict[str, dict[str, Any]] = {}
    for name, disguise in DISGUISES.items():
        applicable = still = 0
        for line, hits in caught:
            rewritten = disguise_line(line.text, hits, disguise, markers)
            if rewritten is None:
                continue
            applicable += 1
            still += bool(words.match(rewritten))
        result[name] = {
            "lines": applicable,
            "caught": still,
            "ratio": round(still / applicable, 3) if applicable else None,
        }
    return result


class _Recording(list[str]):
    """A list that remembers which of its items were picked (`random.choice` indexes it)."""

    picked: list[str]

    def __getitem__(self, index: Any) -> Any:
        item = super().__getitem__(index)
        self.picked.append(item)
        return item


def chat_corpus(words: WordFilter, lines: int, seed: int = 1) -> dict[str, Any]:
    """The generator's lines, each known to be swearing or not: its swear and disguise lists
    are swapped for recording ones while it writes, so a line is swearing exactly when it
    picked from them (`anjingnya lucu banget` is chatter, `anjing lu` a swear)."""
    from bench import make_chat_corpus as corpus

    rng = random.Random(seed)
    swears, disguises = _Recording(corpus.SWEARS), _Recording(corpus.DISGUISES)
    picked: list[str] = []
    swears.picked = disguises.picked = picked
    original = corpus.SWEARS, corpus.DISGUISES
    counts: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    examples: list[str] = []
    try:
        corpus.SWEARS, corpus.DISGUISES = swears, disguises
        for _ in range(lines):
            picked.clear()
            text = corpus.make_message(rng)
            swearing = bool(picked)
            flagged = bool(words.match(text))
            counts["swear_lines" if swearing else "clean_lines"] += 1
            if flagged:
                counts["swear_caught" if swearing else "clean_flagged"] += 1
                if not swearing and len(examples) < 5:
                    examples.append(text)
            elif swearing:
                missed[picked[0]] += 1
    finally:
        corpus.SWEARS, corpus.DISGUISES = original
    clean_lines = counts["clean_lines"]
    return {
        "lines": lines,
        "clean_lines": clean_lines,
        "clean_flagged": counts["clean_flagged"],
        "clean_flagged_share": round(counts["clean_flagged"] / clean_lines, 5) if clean_lines else None,
        "swear_lines": counts["swear_lines"],
        "swear_caught": counts["swear_caught"],
        "swears_missed": dict(missed.most_common()),
        "clean_flagged_examples": examples,
    }


def test_phrases(words: WordFilter) -> dict[str, Any]:
    from tests.moderation.test_wordfilter import BYPASSES, INNOCENT

    innocent_flagged = [text for text in INNOCENT if words.match(text)]
    missed = [text for text, term in BYPASSES if term not in {hit.term for hit in words.match(text)}]
    return {
        "innocent": len(INNOCENT),
        "innocent_flagged": innocent_flagged,
        "disguised": len(BYPASSES),
        "disguised_missed": missed,
    }


def print_errors(split: str, lines: Iterable[Line], words: WordFilter) -> None:
    for line in lines:
        hits = words.candidates(line.text)
        flagged = any(hit.counts for hit in hits)
        if flagged == (line.label == "abusive"):
            continue
        what = "MISS" if line.label == "abusive" else "FALSE"
        found = "; ".join(f"{hit.term}={hit.score:g}[{','.join(hit.reasons)}]" for hit in hits)
        print(f"{split} {what} {line.kind}: {line.text}  -> {found or '-'}", file=sys.stderr)


def time_word_filter(path: Path, repeat: int) -> dict[str, Any]:
    """CPU time of `WordFilter.match` per message, best of `repeat`, split by verdict."""
    from bench.automod import read_lines

    words = WordFilter.build(load_default_wordlists(), categories=DEFAULT_CATEGORIES)
    lines = read_lines(path)
    flagged = [line for line in lines if words.match(line)]
    quiet = [line for line in lines if not words.match(line)]
    best: dict[str, float] = {}
    for _ in range(max(1, repeat)):
        for name, subset in (("all", lines), ("flagged", flagged), ("not_flagged", quiet)):
            started = time.process_time()
            for line in subset:
                words.match(line)
            best[name] = min(best.get(name, float("inf")), time.process_time() - started)
    sizes = {"all": len(lines), "flagged": len(flagged), "not_flagged": len(quiet)}
    return {
        name: {"lines": sizes[name], "cpu_s": round(seconds, 4),
               "us_per_line": round(seconds / sizes[name] * 1e6, 2) if sizes[name] else None}
        for name, seconds in best.items()
    }  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATASET, help="folder with dev.tsv and test.tsv")
    parser.add_argument("--splits", nargs="+", choices=SPLITS, default=list(SPLITS))
    parser.add_argument("--chat-lines", type=int, default=50_000, help="0 to skip the chat corpus")
    parser.add_argument("--errors", choices=(*SPLITS, "senses"),
                        help="print this split's mistakes to stderr")  # fmt: skip
    parser.add_argument("--senses", type=str, default=str(SENSES),
                        help="the own set of innocent senses ('' to skip)")  # fmt: skip
    parser.add_argument("--time", type=Path, metavar="FILE", help="only time the filter on FILE")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs with --time")
    args = parser.parse_args(argv)
    if args.chat_lines < 0:
        parser.error("--chat-lines: expected 0 or more")
    if args.time is not None:
        if not args.time.is_file():
            parser.error(f"--time: no such file: {args.time}")
        timed = time_word_filter(args.time, args.repeat)
        print(json.dumps(timed))
        return timed

    lists = load_default_wordlists()
    default = WordFilter.build(lists, categories=DEFAULT_CATEGORIES)
    mild_on = WordFilter.build(lists, categories=DEFAULT_CATEGORIES | {"mild"})
    markers = context_markers()
    summary: dict[str, Any] = {}
    for split in args.splits:
        try:
            lines = read_split(args.data / f"{split}.tsv")
        except CorpusError as error:
            print(f"moderation_quality: {error}", file=sys.stderr)
            raise SystemExit(2) from None
        summary[split] = {
            "default": quality(lines, default),
            "mild_on": quality(lines, mild_on),
            "disguises": disguise_ratios(lines, default, markers),
        }
        if args.errors == split:
            print_errors(split, lines, default)
    if args.senses:
        try:
            lines = read_split(Path(args.senses))
        except CorpusError as error:
            print(f"moderation_quality: {error}", file=sys.stderr)
            raise SystemExit(2) from None
        summary["senses"] = {"default": quality(lines, default), "mild_on": quality(lines, mild_on)}
        if args.errors == "senses":
            print_errors("senses", lines, default)
    if args.chat_lines:
        summary["chat_corpus"] = chat_corpus(default, args.chat_lines)
    summary["test_phrases"] = test_phrases(default)
    print(json.dumps(summary, ensure_ascii=False))
    return summary


if __name__ == "__main__":
    main()
