"""Warnings, durations, sanctions and what each platform can actually carry out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.moderation.durations import DurationError, format_duration, parse_duration
from bot.moderation.ladder import (
    DEFAULT_LADDER,
    LadderError,
    LadderStep,
    count_active,
    is_active,
    next_step,
    parse_ladder,
    warning_expires_at,
)
from bot.moderation.limits import (
    can_delete,
    clamp_ban,
    clamp_ban_message_deletion,
    clamp_restriction,
)
from bot.moderation.sanctions import Punishment, RuleAction, SanctionError

from .conftest import NOW

# --- durations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("1h", timedelta(hours=1)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("2 hari", timedelta(days=2)),
        ("15 menit", timedelta(minutes=15)),
        (" 3 JAM ", timedelta(hours=3)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a duration such as 30s, 10m, 1h, 2d or 1w, got nothing"),
        ("10", "expected a duration such as 30s, 10m, 1h, 2d or 1w, got '10'"),
        ("ten minutes", "expected a duration such as 30s, 10m, 1h, 2d or 1w, got 'ten minutes'"),
        ("5y", "expected a duration such as 30s, 10m, 1h, 2d or 1w, got '5y'"),
        ("-5m", "expected a duration such as 30s, 10m, 1h, 2d or 1w, got '-5m'"),
        ("0m", "a duration must be longer than zero, got '0m'"),
        ("9999w", "a duration can be at most 10 years (520w), got '9999w'"),
    ],
)
def test_parse_duration_errors_are_readable(text: str, message: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("duration", "text"),
    [(timedelta(minutes=90), "1h30m"), (timedelta(days=30), "30d"), (timedelta(weeks=2), "2w"),
     (timedelta(seconds=45), "45s"), (timedelta(hours=24), "1d")],
)  # fmt: skip
def test_format_duration_reads_back(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text
    assert parse_duration(text) == duration


# --- sanctions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("delete", RuleAction(True, Punishment.NONE)),
        ("log", RuleAction(False, Punishment.NONE)),
        ("warn", RuleAction(False, Punishment.WARN)),
        ("delete+warn", RuleAction(True, Punishment.WARN)),
        ("hapus+warn", RuleAction(True, Punishment.WARN)),
        ("mute 1h", RuleAction(False, Punishment.MUTE, timedelta(hours=1))),
        ("delete+mute 10m", RuleAction(True, Punishment.MUTE, timedelta(minutes=10))),
        ("ban", RuleAction(False, Punishment.BAN)),
        ("ban 7d", RuleAction(False, Punishment.BAN, timedelta(days=7))),
        ("kick", RuleAction(False, Punishment.KICK)),
    ],
)
def test_actions_read_and_write_back(text: str, action: RuleAction) -> None:
    assert RuleAction.parse(text) == action
    assert RuleAction.parse(str(action)) == action


@pytest.mark.parametrize(
    "text", ["", "explode", "warn 1h", "delete+delete", "mute 1 fortnight", "delete+log"]
)
def test_bad_actions_are_refused(text: str) -> None:
    with pytest.raises(SanctionError):
        RuleAction.parse(text)


def test_severity_orders_actions() -> None:
    order = [
        "log",
        "delete",
        "warn",
        "delete+warn",
        "mute 10m",
        "mute 1h",
        "mute 1d",
        "kick",
        "ban 1d",
        "ban",
    ]
    actions = [RuleAction.parse(text) for text in order]
    assert sorted(actions, key=lambda action: action.severity) == actions


# --- the warning ladder ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("warnings", "step"),
    [
        (1, None),
        (2, None),
        (3, LadderStep(3, Punishment.MUTE, timedelta(hours=1))),
        (4, LadderStep(4, Punishment.MUTE, timedelta(hours=24))),
        (5, LadderStep(5, Punishment.BAN)),
        (9, LadderStep(5, Punishment.BAN)),
    ],
)
def test_default_ladder(warnings: int, step: LadderStep | None) -> None:
    assert next_step(warnings, DEFAULT_LADDER) == step


def test_gaps_in_a_ladder_repeat_the_lower_step() -> None:
    ladder = parse_ladder("3:mute 1h, 6:ban")
    assert next_step(4, ladder) == LadderStep(3, Punishment.MUTE, timedelta(hours=1))
    assert next_step(6, ladder) == LadderStep(6, Punishment.BAN)
    assert next_step(5, ()) is None


def test_parse_ladder_sorts_and_reads_back() -> None:
    ladder = parse_ladder("5:ban; 3:mute 1h, 4:kick")
    assert [step.warnings for step in ladder] == [3, 4, 5]
    assert parse_ladder(", ".join(str(step) for step in DEFAULT_LADDER)) == DEFAULT_LADDER


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3 mute", "expected steps like '3:mute 1h, 4:mute 24h, 5:ban', got '3 mute'"),
        ("x:ban", "expected steps like '3:mute 1h, 4:mute 24h, 5:ban', got 'x:ban'"),
        ("3:explode", "a step is COUNT:mute DURATION, COUNT:kick or COUNT:ban, got '3:explode'"),
        ("0:ban", "a step is COUNT:mute DURATION, COUNT:kick or COUNT:ban, got '0:ban'"),
        ("3:mute", "mute needs a duration such as 1h, got '3:mute'"),
        ("3:kick 1h", "kick takes no duration, got '3:kick 1h'"),
        ("3:mute 1h, 3:ban", "each warning count may appear once, got '3:mute 1h, 3:ban'"),
        ("3:mute soon", "step '3:mute soon': expected a duration"),
        ("", "expected steps like '3:mute 1h, 4:mute 24h, 5:ban' or off, got nothing"),
    ],
)
def test_parse_ladder_errors(text: str, message: str) -> None:
    with pytest.raises(LadderError) as caught:
        parse_ladder(text)
    assert str(caught.value).startswith(message)


def test_warnings_expire() -> None:
    expiry = timedelta(days=30)
    given = [NOW - timedelta(days=40), NOW - timedelta(days=30), NOW - timedelta(days=29), NOW]
    assert warning_expires_at(NOW, expiry) == NOW + expiry
    assert [is_active(moment, NOW, expiry) for moment in given] == [False, False, True, True]
    assert count_active(given, NOW, expiry) == 2
    assert count_active(given, NOW, None) == 4
    assert warning_expires_at(NOW, None) is None
    assert not is_active(NOW + timedelta(seconds=1), NOW, expiry)  # not given yet


# --- platform limits -------------------------------------------------------------------


def test_telegram_restrictions_are_clamped_not_made_permanent() -> None:
    assert clamp_restriction("telegram", timedelta(seconds=10)) == (
        timedelta(seconds=30),
        "limit.restriction_too_short",
    )
    assert clamp_restriction("telegram", timedelta(days=400)) == (
        timedelta(days=366),
        "limit.restriction_too_long",
    )
    assert clamp_restriction("telegram", timedelta(hours=1)) == (timedelta(hours=1), None)
    assert clamp_restriction("telegram", None) == (None, None)
    assert clamp_ban("telegram", timedelta(seconds=5)) == (
        timedelta(seconds=30),
        "limit.ban_too_short",
    )
    assert clamp_ban("telegram", None) == (None, None)


def test_discord_timeouts_end_after_28_days() -> None:
    assert clamp_restriction("discord", timedelta(days=60)) == (
        timedelta(days=28),
        "limit.restriction_too_long",
    )
    assert clamp_restriction("discord", None) == (
        timedelta(days=28),
        "limit.restriction_not_permanent",
    )
    assert clamp_restriction("discord", timedelta(seconds=5)) == (timedelta(seconds=5), None)
    assert clamp_ban("discord", timedelta(days=900)) == (timedelta(days=900), None)


def test_whatsapp_cannot_moderate() -> None:
    assert clamp_restriction("whatsapp", timedelta(hours=1))[1] == "limit.restriction_unsupported"
    assert clamp_ban("whatsapp", None)[1] == "limit.ban_unsupported"
    assert can_delete("whatsapp", NOW, NOW) == (False, "limit.delete_unsupported")


def test_telegram_deletes_only_recent_messages() -> None:
    assert can_delete("telegram", NOW - timedelta(hours=47), NOW) == (True, None)
    assert can_delete("telegram", NOW - timedelta(hours=48), NOW) == (False, "limit.delete_too_old")
    assert can_delete("discord", NOW - timedelta(days=300), NOW) == (True, None)


def test_ban_message_deletion() -> None:
    assert clamp_ban_message_deletion("discord", 30 * 86400) == (
        7 * 86400,
        "limit.ban_deletion_too_long",
    )
    assert clamp_ban_message_deletion("discord", 3600) == (3600, None)
    assert clamp_ban_message_deletion("telegram", 3600) == (3600, "limit.ban_deletes_all")
    assert clamp_ban_message_deletion("telegram", 0) == (0, None)


def test_unknown_platforms_have_no_limits() -> None:
    assert clamp_restriction("matrix", timedelta(seconds=1)) == (timedelta(seconds=1), None)
