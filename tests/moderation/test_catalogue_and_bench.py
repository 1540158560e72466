"""The message catalogue is complete in both languages; the benchmark survives odd files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench import automod
from bench.make_chat_corpus import main as make_corpus
from bot.moderation.i18n import CATALOGUE, LANGUAGES, language_of, placeholders, translate
from bot.moderation.terms import CATEGORIES, WordListError, load_default_wordlists, parse_wordlist

MODERATION = Path(__file__).parents[2] / "bot" / "moderation"


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_string_exists_in_both_languages_with_the_same_placeholders(key: str) -> None:
    texts = CATALOGUE[key]
    assert set(texts) == set(LANGUAGES)
    assert placeholders(texts["id"]) == placeholders(texts["en"])


def test_every_key_the_code_uses_is_in_the_catalogue() -> None:
    source = "\n".join(path.read_text("utf-8") for path in MODERATION.glob("*.py"))
    used = set(re.findall(r'"((?:reason|limit|setting|describe|word)\.[a-z_.]+)"', source))
    used |= {f"reason.words.{category}" for category in (*CATEGORIES, "custom")}
    used |= {
        f"limit.{what}_{how}"
        for what in ("restriction", "ban")
        for how in ("too_short", "too_long")
    }
    assert used - set(CATALOGUE) == set()


def test_language_codes() -> None:
    assert [language_of(code) for code in ("id", "id-ID", "in", "en_US", None, "fr")] == [
        "id", "id", "id", "en", "en", "en",
    ]  # fmt: skip
    assert translate("no.such.key", "id") == "no.such.key"
    assert translate("reason.flood", "id", count=3) == "spam pesan (3 pesan dalam {window})"


def test_shipped_lists_parse_and_are_substantial() -> None:
    lists = load_default_wordlists()
    assert len(lists.entries) >= 300
    assert {entry.category for entry in lists.entries} == set(CATEGORIES)
    assert load_default_wordlists(["id"]).entries != load_default_wordlists(["en"]).entries


def test_word_list_errors_name_the_line() -> None:
    with pytest.raises(WordListError, match=r"x\.txt:3: unknown section \[rude\]"):
        parse_wordlist("# comment\nfoo\n[rude]\n", "x.txt")
    with pytest.raises(WordListError, match=r"x\.txt:2: not a term"):
        parse_wordlist("[profanity]\nfu*ck\n", "x.txt")


def test_benchmark_on_an_awkward_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = tmp_path / "messages.txt"
    lines = [
        b"halo kak",
        b"",
        "dasar 4nj1ng 🔥".encode(),
        b"\xff\xfe binary \x00 junk \xc3",
        ("panjang " * 5000).encode(),
        b"join t.me/+Spam123",
        b"\r",
    ]
    messages.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "verdicts.jsonl"
    summary = automod.main(
        ["--messages", str(messages), "--out", str(out), "--terms", "800", "--repeat", "1"]
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed == summary
    assert summary["messages"] == 7 and summary["flagged"] == 2 and summary["terms"] >= 800
    verdicts = [json.loads(line) for line in out.read_text().splitlines()]
    assert [v["line"] for v in verdicts] == list(range(1, 8))
    assert verdicts[2] == {"line": 3, "rule": "words", "action": "delete+warn"}
    assert verdicts[5] == {"line": 6, "rule": "invites", "action": "delete+warn"}
    assert verdicts[0] == {"line": 1, "rule": None, "action": None}


def test_corpus_generator_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    make_corpus(["--out", str(first), "--lines", "300", "--seed", "3"])
    make_corpus(["--out", str(second), "--lines", "300", "--seed", "3"])
    assert first.read_bytes() == second.read_bytes()
    assert len(first.read_text("utf-8").split("\n")) == 301
