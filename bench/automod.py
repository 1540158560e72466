"""Benchmark the moderation engine on a file of chat messages.

    python -m bench.make_chat_corpus --out data/bench/chat.txt --lines 200000 --seed 1
    python -m bench.automod --messages data/bench/chat.txt --terms 5000 \
        --out data/bench/verdicts.jsonl --vs-better-profanity

Each line of FILE is one message in a group chat with the default `ModerationPolicy`
(words, invites, newcomer links, mentions, flood, repeat on; links and caps off).
Senders: line N comes from user `N mod 997` and is sent at N * 0.25 s, so each sender
writes once every ~4 minutes. Flood (8 in 10 s) and repeat (3 in 60 s) windows are
never reached, yet the tracker records every message and both rules run, so their
cost is measured while the text rules decide. No sender is a new member.

Three timings, each the best of `--repeat` runs over the whole file:
`msgs_per_s` is the text rules alone (words, invites, links, newcomer links, mentions,
caps: `evaluate` with those rules, no activity recording), the figure the target is set
for; `full_pipeline_msgs_per_s` is what the shell does per message (fingerprint the text,
record it in the in-memory `ActivityTracker`, `evaluate` with every rule);
`word_filter_msgs_per_s` is `WordFilter.match` alone. Verdicts come from the full
pipeline. Building the `Message` objects and reading the file are not timed. The process
pins itself to one CPU when it can, and reports a plain-Python yardstick and the load
average so figures from different machines can be compared.

VERDICTS gets one JSON object per line: {"line": N, "rule": NAME|null, "action": NAME|null}
(N counts from 1). Stdout gets one JSON summary. `--terms N` pads the word list with
generated word-like terms up to N terms; `--wordlist FILE` adds a list in the
`bot/moderation/terms.py` format.

`--vs-better-profanity` times better-profanity's `contains_profanity` (its default
list) over every line of the file, in the same process, back to back with our text
rules and our word filter on the same lines: they take turns every 200 lines, so a
change in the machine's load hits both sides alike (`--bp-repeat` rounds; the best of
each is kept). The top-level
`speed_ratio` is our text rules' messages/s over better-profanity's on those lines;
`better_profanity` holds both rates, what each flagged, and the word filter's ratio.
better-profanity handles some tens to hundreds of messages a second, so a large file
takes minutes.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from bot.events import Address, ChatKind, Message, Person
from bot.moderation.activity import ActivityTracker
from bot.moderation.evaluate import Verdict, evaluate
from bot.moderation.normalise import normalise_term, text_fingerprint
from bot.moderation.policy import DEFAULT_CATEGORIES, ModerationPolicy
from bot.moderation.rules import (
    CompiledPolicy,
    RuleContext,
    banned_words,
    invite_links,
    mention_spam,
    newcomer_links,
    outside_links,
    shouting,
)
from bot.moderation.terms import WordEntry, WordList, load_default_wordlists, parse_wordlist

SENDERS = 997
SPACING = timedelta(milliseconds=250)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_SYLLABLES = [c + v for c in "bcdfghjklmnprstwyz" for v in "aiueo"] + ["ng", "ny", "kr", "tr", "st"]


def read_lines(path: Path) -> list[str]:
    """Every line as text; invalid UTF-8 becomes U+FFFD, NUL bytes and CRs are dropped."""
    raw = path.read_bytes().decode("utf-8", errors="replace").replace("\x00", "")
    lines = raw.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def padded_wordlist(
    base: WordList, terms: int, categories: frozenset[str] = DEFAULT_CATEGORIES, seed: int = 7
) -> WordList:
    """`base` plus generated word-like terms (3-4 syllables) until the filter built with
    `categories` looks for `terms` distinct terms."""
    rng = random.Random(seed)
    seen = {normalise_term(entry.term) for entry in base.entries if entry.category in categories}
    extra: list[WordEntry] = []
    while len(seen) < terms:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((3, 3, 4))))
        if word not in seen:
            seen.add(word)
            extra.append(WordEntry(word, "profanity"))
    return WordList(base.entries + tuple(extra), base.allowed)


def build_messages(lines: list[str]) -> list[Message]:
    address = Address("telegram", "-1001000000001")
    people = [Person("telegram", str(100000 + i), f"member {i}") for i in range(SENDERS)]
    return [
        Message(
            update_id=str(n),
            address=address,
            at=START + n * SPACING,
            sender=people[n % SENDERS],
            chat_kind=ChatKind.GROUP,
            message_id=str(n),
            text=text,
        )
        for n, text in enumerate(lines)
    ]


def run_engine(
    messages: list[Message], compiled: CompiledPolicy
) -> tuple[list[Verdict | None], float]:
    """Judge every message as the shell would; returns the verdicts and the seconds taken."""
    tracker = ActivityTracker()
    chat_key = messages[0].address.chat_key if messages else ""
    verdicts: list[Verdict | None] = []
    append = verdicts.append
    started = time.perf_counter()
    for message in messages:
        sender_key = message.sender.key if message.sender else ""
        recent = tracker.record(chat_key, sender_key, message.at, text_fingerprint(message.text))
        append(evaluate(message, RuleContext(compiled, message.at, recent)))
    return verdicts, time.perf_counter() - started


TEXT_RULES = frozenset(
    {banned_words, invite_links, outside_links, newcomer_links, mention_spam, shouting}
)


def run_text_rules(
    messages: list[Message], compiled: CompiledPolicy
) -> tuple[list[Verdict | None], float]:
    """Only the rules that judge a message by itself (words, invites, links, mentions, caps),
    without recording activity: the figure the throughput target is set for."""
    rules = tuple(rule for rule in compiled.active_rules if rule in TEXT_RULES)
    verdicts: list[Verdict | None] = []
    append = verdicts.append
    started = time.perf_counter()
    for message in messages:
        append(evaluate(message, RuleContext(compiled, message.at), rules))
    return verdicts, time.perf_counter() - started


def run_word_filter(lines: list[str], compiled: CompiledPolicy) -> float:
    """Seconds for `WordFilter.match` alone over every line."""
    match = compiled.words.match
    started = time.perf_counter()
    for text in lines:
        match(text)
    return time.perf_counter() - started


def _best(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(max(1, runs)))


def _rate(count: int, seconds: float) -> float | None:
    return round(count / seconds) if seconds > 0 else None


@functools.cache
def _better_profanity() -> Callable[[str], bool]:
    """better-profanity's `contains_profanity` with its default list, loaded once."""
    from better_profanity import profanity  # dev extra; imported only when asked for

    profanity.load_censor_words()
    return cast(Callable[[str], bool], profanity.contains_profanity)


def time_better_profanity(lines: list[str]) -> tuple[int, float]:
    """How many of `lines` better-profanity flags, and the seconds it takes."""
    contains_profanity = _better_profanity()
    flagged = 0
    started = time.perf_counter()
    for text in lines:
        flagged += bool(contains_profanity(text))
    return flagged, time.perf_counter() - started


BP_CHUNK = 200  # lines per turn when better-profanity and our rules take turns


def compare_with_better_profanity(
    lines: list[str], messages: list[Message], compiled: CompiledPolicy, rounds: int
) -> dict[str, Any]:
    """better-profanity over every line, back to back with our text rules and word filter on
    the same lines: `speed_ratio` (ours / theirs, messages per second) and the details.

    The three take turns every `BP_CHUNK` lines, so a change in the machine's load during
    the long better-profanity run weighs on both sides alike; each side's time is the sum
    over the chunks, and the best of `rounds` rounds is kept."""
    print(f"timing better-profanity on all {len(lines)} lines ({max(1, rounds)} round(s);"
          " it is slow, this takes a while)", file=sys.stderr)  # fmt: skip
    bp_runs, ours_runs, words_runs = [], [], []
    bp_flagged = 0
    for _ in range(max(1, rounds)):
        bp_flagged, bp_seconds, ours, ours_words = 0, 0.0, 0.0, 0.0
        for start in range(0, len(lines), BP_CHUNK):
            chunk = lines[start : start + BP_CHUNK]
            flagged, seconds = time_better_profanity(chunk)
            bp_flagged += flagged
            bp_seconds += seconds
            ours += run_text_rules(messages[start : start + BP_CHUNK], compiled)[1]
            ours_words += run_word_filter(chunk, compiled)
        bp_runs.append(bp_seconds)
        ours_runs.append(ours)
        words_runs.append(ours_words)
    bp_seconds, ours, ours_words = min(bp_runs), min(ours_runs), min(words_runs)
    ratio = _ratio(bp_seconds, ours) if lines else None
    return {
        "speed_ratio": ratio,
        "better_profanity": {
            "messages": len(lines),
            "rounds": len(bp_runs),
            "flagged": bp_flagged,
            "ours_flagged_by_words": sum(1 for text in lines if compiled.words.match(text)),
            "msgs_per_s": round(len(lines) / bp_seconds, 1) if bp_seconds else None,
            "ours_text_rules_msgs_per_s": _rate(len(lines), ours),
            "ours_word_filter_msgs_per_s": _rate(len(lines), ours_words),
            "speed_ratio": ratio,
            "speed_ratio_word_filter": _ratio(bp_seconds, ours_words) if lines else None,
        },
    }


def _ratio(their_seconds: float, our_seconds: float) -> float | None:
    """How many times faster we are on the same lines (1 decimal below 100, else whole)."""
    if our_seconds <= 0 or their_seconds <= 0:
        return None
    ratio = their_seconds / our_seconds
    return round(ratio, 1) if ratio < 100 else float(round(ratio))


def python_loop_ns() -> float:
    """Nanoseconds per iteration of a plain Python loop: a yardstick for comparing machines
    (a current desktop does this in roughly 30-60 ns)."""
    started = time.perf_counter()
    total = 0
    for number in range(2_000_000):
        total += number
    return round((time.perf_counter() - started) / 2_000_000 * 1e9, 1)


def _load_average() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def pin_to_one_cpu() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"cpu {cpu}"
    return "not pinned"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="Benchmark the moderation rules.")
    parser.add_argument("--messages", type=Path, required=True, help="one message per line")
    parser.add_argument("--out", type=Path, help="write verdicts as JSON lines here")
    parser.add_argument("--terms", type=int, default=0, help="pad the word list to N terms")
    parser.add_argument("--wordlist", type=Path, help="extra word list (terms.py format)")
    parser.add_argument("--vs-better-profanity", action="store_true",
                        help="time better-profanity on the whole file too (slow)")  # fmt: skip
    parser.add_argument("--bp-repeat", type=int, default=1,
                        help="rounds of better-profanity and ours, back to back; the best of each")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported")
    args = parser.parse_args(argv)

    pinned = pin_to_one_cpu()
    yardstick = python_loop_ns()
    lines = read_lines(args.messages)
    wordlist = load_default_wordlists()
    if args.wordlist:
        extra = parse_wordlist(
            args.wordlist.read_text("utf-8", errors="replace"), str(args.wordlist)
        )
        wordlist = WordList(wordlist.entries + extra.entries, wordlist.allowed + extra.allowed)
    if args.terms:
        wordlist = padded_wordlist(wordlist, args.terms)
    policy = ModerationPolicy()
    built = time.perf_counter()
    compiled = CompiledPolicy.build(policy, wordlist)
    build_seconds = time.perf_counter() - built
    messages = build_messages(lines)

    verdicts, _ = run_engine(messages, compiled)  # warm-up, and the verdicts written out
    text_seconds = _best(args.repeat, lambda: run_text_rules(messages, compiled)[1])
    full_seconds = _best(args.repeat, lambda: run_engine(messages, compiled)[1])
    words_seconds = _best(args.repeat, lambda: run_word_filter(lines, compiled))

    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", encoding="utf-8") as out:
            for number, verdict in enumerate(verdicts, start=1):
                record = {"line": number, "rule": verdict.rule if verdict else None,
                          "action": str(verdict.action) if verdict else None}  # fmt: skip
                out.write(json.dumps(record) + "\n")

    by_rule = Counter(v.rule for v in verdicts if v is not None)
    summary: dict[str, Any] = {
        "messages": len(messages),
        "flagged": sum(by_rule.values()),
        "by_rule": dict(sorted(by_rule.items())),
        "msgs_per_s": _rate(len(messages), text_seconds),
        "full_pipeline_msgs_per_s": _rate(len(messages), full_seconds),
        "word_filter_msgs_per_s": _rate(len(messages), words_seconds),
        "terms": len(compiled.words),
        "filter_build_s": round(build_seconds, 3),
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or
                    platform.machine(), "cores": os.cpu_count(), "pinned": pinned,
                    "python_loop_ns": yardstick, "load_average": _load_average()},
    }  # fmt: skip
    if args.vs_better_profanity:
        summary.update(compare_with_better_profanity(lines, messages, compiled, args.bp_repeat))
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")
    return summary


if __name__ == "__main__":
    main()
