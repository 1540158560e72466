"""The FAQ benchmark runs end to end on a tiny data set and reports what it promises."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bench import faq_quality
from bench.split_folds import split

TOPICS = {
    "card_arrival": [
        "when will my card arrive",
        "my card has not arrived yet",
        "card delivery time",
        "still waiting for my card",
        "how long until the card comes",
        "card not delivered",
    ],
    "exchange_rate": [
        "what exchange rate do you use",
        "is the exchange rate good",
        "currency rate",
        "how is the exchange rate calculated",
        "exchange rate today",
        "rate for euros",
    ],
    "lost_card": [
        "i lost my card",
        "my card was stolen",
        "someone took my card",
        "card missing what to do",
        "lost card help",
        "stolen card block it",
    ],
    "top_up_failed": [
        "my top up failed",
        "top up did not work",
        "why did my top up fail",
        "top up declined",
        "failed to top up",
        "topup error",
    ],
}


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows(rows)
    return path


def test_benchmark_reports_quality_and_latency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = write_csv(tmp_path / "train.csv", [(t, c) for c, ts in TOPICS.items() for t in ts[:4]])
    test = write_csv(tmp_path / "test.csv", [(t, c) for c, ts in TOPICS.items() for t in ts[4:]])
    faq_quality.main(
        [
            "--train",
            str(train),
            "--test",
            str(test),
            "--shots",
            "4",
            "--holdout",
            "1",
            "--scale",
            "50",
        ]
    )
    result = json.loads(capsys.readouterr().out)
    for key in (
        "top1",
        "top3",
        "answered_precision",
        "answered_coverage",
        "resolved",
        "oos_answered",
        "p50_ms",
        "p99_ms",
        "entries",
    ):
        assert key in result
    assert result["entries"] == 50
    assert result["questions"] == 8
    assert result["judgements"] == 8  # short messages: each judged once, as a whole
    assert result["top3"] >= result["top1"] > 0.5
    assert 0.0 <= result["oos_answered"] <= 1.0


def test_folds_are_stratified_and_disjoint(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "data.csv", [(t, c) for c, ts in TOPICS.items() for t in ts])
    pairs = split(source, folds=3, seed=1, out=tmp_path / "out")
    tests = [faq_quality.read_rows(test) for _, test in pairs]
    assert sorted(row for rows in tests for row in rows) == sorted(faq_quality.read_rows(source))
    for (train, _), rows in zip(pairs, tests, strict=True):
        assert not set(faq_quality.read_rows(train)) & set(rows)
        assert {c for _, c in rows} == set(TOPICS)
