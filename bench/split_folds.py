"""Split a `text,category` CSV into stratified train/test folds, reproducibly by seed.

banking77 ships as one file; the FAQ benchmark needs questions it has not seen.
Each category's rows are shuffled with the seed and dealt round-robin into
`--folds` parts; fold k's test set is part k, its train set the rest.

    python -m bench.split_folds [--source CSV] [--folds 5] [--seed 0] [--out bench/.data]

writes `OUT/<source folder>/seed<S>/fold<k>/{train,test}.csv` and prints the paths.
`bench/.data/` is gitignored.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import defaultdict
from pathlib import Path

# ../shared beside the repository, as in CI
DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77" / "train.csv"
DEFAULT_OUT = Path(__file__).resolve().parent / ".data"


def read_rows(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


def write_rows(path: Path, rows: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows(rows)


def stratified_folds(
    rows: list[tuple[str, str]], folds: int, seed: int
) -> list[list[tuple[str, str]]]:
    by_category: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        by_category[row[1]].append(row)
    rng = random.Random(seed)
    parts: list[list[tuple[str, str]]] = [[] for _ in range(folds)]
    for category in sorted(by_category):
        members = by_category[category]
        rng.shuffle(members)
        offset = rng.randrange(folds)  # so small categories do not all favour fold 0
        for index, row in enumerate(members):
            parts[(index + offset) % folds].append(row)
    return parts


def split(source: Path, folds: int, seed: int, out: Path) -> list[tuple[Path, Path]]:
    parts = stratified_folds(read_rows(source), folds, seed)
    written = []
    for k in range(folds):
        directory = out / source.parent.name / f"seed{seed}" / f"fold{k}"
        train = [row for j, part in enumerate(parts) if j != k for row in part]
        write_rows(directory / "train.csv", train)
        write_rows(directory / "test.csv", parts[k])
        written.append((directory / "train.csv", directory / "test.csv"))
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    for train, test in split(args.source, args.folds, args.seed, args.out):
        print(train, test)


if __name__ == "__main__":
    main()
