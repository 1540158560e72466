"""`bench.automod --vs-better-profanity` keeps working: whole file, `speed_ratio` at the top.

Short runs only; the figures come from the real runs in BENCHMARKS.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import automod


def _chat_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "chat.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_speed_ratio_against_better_profanity_is_printed_at_the_top_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["halo kak", "what the fuck is this", "dasar anjing", "join t.me/+Spam123", "ok"] * 5
    summary = automod.main(["--messages", str(_chat_file(tmp_path, lines)), "--repeat", "1",
                            "--vs-better-profanity"])  # fmt: skip
    assert json.loads(capsys.readouterr().out) == summary
    assert summary["messages"] == 25 and summary["msgs_per_s"] > 0  # the existing fields stay
    theirs = summary["better_profanity"]
    assert theirs["messages"] == 25 and theirs["flagged"] == 5  # "fuck" is on its English list
    assert theirs["ours_flagged_by_words"] == 10
    ratio = summary["speed_ratio"]
    assert ratio == theirs["speed_ratio"] and ratio > 0
    assert abs(ratio - theirs["ours_text_rules_msgs_per_s"] / theirs["msgs_per_s"]) <= 0.05 * ratio + 0.1


def test_better_profanity_is_timed_on_every_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[int] = []

    def counting(lines: list[str]) -> tuple[int, float]:  # stands in for the slow library
        seen.append(len(lines))
        return 0, 0.001 * len(lines)

    monkeypatch.setattr(automod, "time_better_profanity", counting)
    lines = [f"pesan biasa nomor {n}" for n in range(2500)]
    summary = automod.main(["--messages", str(_chat_file(tmp_path, lines)), "--repeat", "1",
                            "--vs-better-profanity", "--bp-repeat", "2"])  # fmt: skip
    capsys.readouterr()
    assert sum(seen) == 2 * 2500 and max(seen) <= automod.BP_CHUNK  # every line, in turns, twice
    assert summary["better_profanity"]["messages"] == 2500
    assert summary["better_profanity"]["msgs_per_s"] == 1000.0
    assert summary["speed_ratio"] is not None and summary["speed_ratio"] > 0
