"""Text built to make patterns re-read themselves: the engine reads it once and answers.

Each input made a pattern of the engine backtrack from every position (`$$$…` took
two minutes at 100,000 characters; a long word with no capital-free path made the
caps rule quadratic). These tests assert what the engine returns for them.
"""

from __future__ import annotations

import pytest

from bot.moderation.normalise import fast_readings, full_readings, full_readings_tracked
from bot.moderation.policy import ModerationPolicy
from bot.moderation.rules import PolicyCompiler
from bot.moderation.settings import apply_setting_text

from .conftest import MessageFactory
from .test_rules import verdict

_LONG = 100_000


@pytest.mark.parametrize(
    ("text", "full", "fast"),
    [
        ("$" * _LONG, "  ", ("  ", 2)),
        ("$" * _LONG + "a", " a | ssa ", (" a | " + "s" * _LONG + "a ", 3)),
        ("a" + "$" * _LONG, " a | ass ", (" a | a" + "s" * _LONG + " ", 3)),
    ],
)
def test_a_run_of_dollar_signs_is_read_once(text: str, full: str, fast: tuple[str, int]) -> None:
    assert full_readings(text) == full  # `$` read as "s" where it touches a word
    assert full_readings_tracked(text).text == full
    assert fast_readings(text) == fast


@pytest.mark.parametrize(
    "text",
    ["A" * _LONG, "A." * (_LONG // 2), "AB.CD" * (_LONG // 5), "A" * _LONG + ".com/x"],
)
def test_shouting_is_judged_on_any_length(compiler: PolicyCompiler, message: MessageFactory, text: str) -> None:
    policy: ModerationPolicy = apply_setting_text(ModerationPolicy(), "caps 70%")
    result = verdict(compiler, message(text), policy)
    if text.endswith("/x"):
        assert result is None  # one long link-like word: not shouting
    else:
        assert result is not None and result.rule == "caps"


@pytest.fixture(scope="module")
def compiler() -> PolicyCompiler:
    return PolicyCompiler()
