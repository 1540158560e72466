"""The own out-of-scope dev set (`tests/data/oos_dev`), plain and padded, through the bot's path.

    python -m bench.oos_dev [--pad] [--show NAME] [--mode usem3|lexical]

One JSON line per SOP and for the pool of the four, in the figures of `bench.calibrate`
(precision, coverage, oos_answered...). A dev set: its mistakes may be read (`--show`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.calibrate import collect, report
from bench.calibration_data import DATASETS, ROOT, SAMPLE_SOP, Dataset, padded, yaml_set

DEV = ROOT / "tests" / "data" / "oos_dev"
SOPS = {
    "tokonusa": SAMPLE_SOP,
    "netnusa": DATASETS / "netnusa" / "sop",
    "dompetku": DATASETS / "dompetku" / "sop",
    "klinik": DATASETS / "klinik" / "sop",
}


def datasets(directory: Path = DEV) -> list[Dataset]:
    return [
        Dataset(f"dev_{name}", f"dev_{name}", "dev", lambda s=sop, m=directory / f"{name}.yaml": yaml_set(s, m))
        for name, sop in SOPS.items()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("usem3", "lexical", "e5", "minilm"), default="usem3")
    parser.add_argument("--pad", action="store_true", help="also every message padded (`bench/padding.py`)")
    parser.add_argument("--pad-seed", type=int, default=0)
    parser.add_argument("--show", help="print each message of datasets whose name starts with this")
    args = parser.parse_args(argv)
    chosen = datasets()
    if args.pad:
        chosen = [*chosen, *(padded(dataset, args.pad_seed) for dataset in chosen)]
    report(collect(chosen, args.mode, args.show), "dev")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
