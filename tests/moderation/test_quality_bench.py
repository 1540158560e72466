"""The moderation quality benchmark: its disguise generator and a short run on a tiny corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import moderation_quality as quality
from bot.moderation.wordfilter import WordHit

DISGUISED_WORDS = [
    (quality.emoji_inside, "anjing", "anj🔥ing"),
    (quality.tilde_inside, "anjing", "anj~ing"),
    (quality.lookalike_capitals, "anjing", "ΑΝЈΙΝG"),
    (quality.star_vowel, "anjing", "anj*ng"),
    (quality.star_vowel, "fuuuck", "f*ck"),
    (quality.dropped_vowels, "kontol", "kntl"),
    (quality.leet, "bangsat", "b4n654+"),
    (quality.leet, "anjing", "4nj1n6"),
    (quality.mixed_separators, "anjing", "a.n-j_i n.g"),
    (quality.stretched, "anjing", "anjiiiing"),
]


@pytest.mark.parametrize(("disguise", "word", "expected"), DISGUISED_WORDS)
def test_each_disguise_rewrites_a_word_as_people_type_it(
    disguise: quality.Disguise, word: str, expected: str
) -> None:
    assert disguise(word) == expected


def test_a_disguise_that_does_not_apply_says_so() -> None:
    assert quality.dropped_vowels("babi") is None  # "bb" is no spelling of anything
    assert quality.star_vowel("xyz") is None


def test_only_the_key_word_of_a_hit_is_disguised() -> None:
    hit = WordHit("anjing", "profanity", (6, 12), "anjing")
    assert quality.disguise_line("dasar anjing lu", [hit], quality.leet, {"dasar", "lu"}) == (
        "dasar 4nj1n6 lu"
    )
    already = WordHit("anjing", "profanity", (0, 6), "4nj1ng")
    assert quality.disguise_line("4nj1ng", [already], quality.leet, set()) is None


def test_a_short_run_prints_one_json_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        ("abusive", "insult", "dasar anjing lu"),
        ("abusive", "profanity", "bangsat, hp gw jatuh"),
        ("clean", "innocent", "anak anjing tetangga lucu"),
        ("clean", "chat", "besok rapat jam 9 ya"),
        ("clean", "mild", "anjir keren banget"),
    ]
    text = "label\tkind\ttext\n" + "".join("\t".join(row) + "\n" for row in rows)
    (tmp_path / "dev.tsv").write_text(text, encoding="utf-8")
    summary = quality.main(["--data", str(tmp_path), "--splits", "dev", "--chat-lines", "300"])
    assert json.loads(capsys.readouterr().out) == summary
    dev = summary["dev"]
    assert (dev["default"]["precision"], dev["default"]["recall"]) == (1.0, 1.0)
    assert dev["default"]["clean_flagged"] == 0.0
    assert dev["mild_on"]["per_kind"]["clean/mild"]["flagged"] == 1
    assert dev["disguises"]["leet"] == {"lines": 2, "caught": 2, "ratio": 1.0}
    assert summary["chat_corpus"]["lines"] == 300
    assert summary["test_phrases"]["innocent_flagged"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("label\ttext\n", "expected the header label, kind, text"),
        ("label\tkind\ttext\nrude\tinsult\tx\n", "dev.tsv:2: expected label, kind, text"),
    ],
)
def test_a_bad_corpus_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / "dev.tsv").write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        quality.main(["--data", str(tmp_path), "--splits", "dev", "--chat-lines", "0"])
    error = capsys.readouterr().err
    assert stopped.value.code == 2 and message in error and error.count("\n") == 1


def test_the_own_set_of_senses_is_measured_like_a_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [("clean", "animal", "anjing saya sakit"), ("abusive", "animal", "dasar anjing lu")]
    senses = tmp_path / "senses.tsv"
    senses.write_text("label\tkind\ttext\n" + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "dev.tsv").write_text("label\tkind\ttext\n", encoding="utf-8")
    argv = ["--data", str(tmp_path), "--splits", "dev", "--chat-lines", "0"]
    measured = quality.main([*argv, "--senses", str(senses), "--errors", "senses"])["senses"]["default"]
    assert (measured["clean_flagged_lines"], measured["recall"]) == (0, 1.0)
    assert capsys.readouterr().err == ""  # no mistakes to print
    assert "senses" not in quality.main([*argv, "--senses", ""])
