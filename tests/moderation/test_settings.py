"""Policy storage and the `settings` command: what admins type, what they read back."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.moderation.ladder import DEFAULT_LADDER, LadderStep
from bot.moderation.policy import ModerationPolicy, from_dict, to_dict
from bot.moderation.sanctions import Punishment, RuleAction
from bot.moderation.settings import SettingError, apply_setting, apply_setting_text, describe


def test_defaults_are_sensible() -> None:
    policy = ModerationPolicy()
    assert policy.words.enabled and policy.invites.enabled and policy.newcomer_links.enabled
    assert not policy.links.enabled and not policy.caps.enabled
    assert policy.warn_ladder == DEFAULT_LADDER
    assert policy.warning_expiry == timedelta(days=30)
    assert not policy.dry_run and policy.log_chat is None and not policy.captcha
    assert policy.exempt_admins and policy.exempt_bots
    assert str(policy.words.action) == "delete+warn"


def test_json_round_trip_of_a_changed_policy() -> None:
    policy = ModerationPolicy()
    for setting in [
        "flood 5/10s", "caps 80%", "links.allow example.com, t.me/+Ours",
        "words.add kucing garong", "words.remove anjing", "words.allow shitake",
        "ladder 2:mute 10m, 4:ban 7d", "warn.expiry never", "dryrun on", "log -100999",
        "captcha 2m", "mentions.action delete+mute 1h",
    ]:  # fmt: skip
        policy = apply_setting_text(policy, setting)
    stored = json.loads(json.dumps(to_dict(policy)))
    assert from_dict(stored) == policy
    assert stored["flood"] == {"enabled": True, "action": "mute 10m", "count": 5, "window": "10s"}


def test_from_dict_tolerates_missing_and_unknown_keys() -> None:
    policy = from_dict({"version": 1, "flood": {"count": 4}, "something_new": True})
    assert policy.flood.count == 4
    assert policy.flood.window == timedelta(seconds=10)
    assert policy.words == ModerationPolicy().words


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"flood": {"count": "lots"}}, "flood.count: expected a whole number"),
        ({"dry_run": "yes"}, "dry_run: expected true or false"),
        ({"words": {"action": "explode"}}, "words.action: expected an action"),
        ({"warning_expiry": "forever"}, "warning_expiry: expected a duration"),
        ({"words": ["a"]}, "words: expected an object"),
    ],
)
def test_from_dict_names_the_broken_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_dict(data)


SHORT_LADDER = (LadderStep(3, Punishment.MUTE, timedelta(hours=1)), LadderStep(5, Punishment.BAN))
EXPECTED_DURATION = "expected a duration such as 30s, 10m, 1h, 2d or 1w"


@pytest.mark.parametrize(
    ("setting", "check"),
    [
        ("flood 5/10s", lambda p: (p.flood.count, p.flood.window) == (5, timedelta(seconds=10))),
        ("flood 6 in 1m", lambda p: (p.flood.count, p.flood.window) == (6, timedelta(minutes=1))),
        ("flood off", lambda p: not p.flood.enabled),
        ("repeat 4/2m", lambda p: (p.repeat.count, p.repeat.window) == (4, timedelta(minutes=2))),
        ("caps off", lambda p: not p.caps.enabled),
        ("caps on", lambda p: p.caps.enabled),
        ("caps 85%", lambda p: p.caps.enabled and p.caps.ratio == 0.85),
        ("caps 0.9", lambda p: p.caps.ratio == 0.9),
        ("caps.min 20", lambda p: p.caps.min_letters == 20),
        ("mentions 8", lambda p: p.mentions.enabled and p.mentions.count == 8),
        ("mentions nonaktif", lambda p: not p.mentions.enabled),
        ("newlinks 2h", lambda p: p.newcomer_links.within == timedelta(hours=2)),
        ("links ya", lambda p: p.links.enabled),
        ("links.allow Example.com", lambda p: p.links.allow == ("example.com",)),
        ("links.allow https://t.me/+Abc", lambda p: p.links.allow == ("t.me/+Abc",)),
        ("invites mati", lambda p: not p.invites.enabled),
        ("words.add Kucing Garong, scam*", lambda p: p.words.add == ("kucing garong", "scam*")),
        ("words.add slur: xyz", lambda p: p.words.add == ("slur: xyz",)),
        ("words.remove anjing", lambda p: p.words.remove == ("anjing",)),
        ("words.allow shitake", lambda p: p.words.allow == ("shitake",)),
        ("words.categories +mild", lambda p: "mild" in p.words.categories),
        ("words.categories -insult", lambda p: "insult" not in p.words.categories),
        ("words.categories slur, hate", lambda p: p.words.categories == {"slur", "hate"}),
        ("words.action mute 1h", lambda p: p.words.action == RuleAction.parse("mute 1h")),
        ("flood.action delete+mute 30m", lambda p: str(p.flood.action) == "delete+mute 30m"),
        ("caps.action warn", lambda p: str(p.caps.action) == "warn"),
        ("newcomers.action ban", lambda p: str(p.newcomer_links.action) == "ban"),
        ("ladder 3:mute 1h, 5:ban", lambda p: p.warn_ladder == SHORT_LADDER),
        ("ladder off", lambda p: p.warn_ladder == ()),
        ("warn.expiry 7d", lambda p: p.warning_expiry == timedelta(days=7)),
        ("expiry never", lambda p: p.warning_expiry is None),
        ("dryrun on", lambda p: p.dry_run),
        ("DRY_RUN on", lambda p: p.dry_run),
        ("log -1001234567", lambda p: p.log_chat == "-1001234567"),
        ("log off", lambda p: p.log_chat is None),
        ("captcha on", lambda p: p.captcha),
        ("captcha 90s", lambda p: p.captcha and p.captcha_timeout == timedelta(seconds=90)),
        ("captcha.time 5m", lambda p: p.captcha_timeout == timedelta(minutes=5)),
        ("exempt.admins off", lambda p: not p.exempt_admins),
        ("exempt.bots tidak", lambda p: not p.exempt_bots),
    ],
)  # fmt: skip
def test_settings_change_the_policy(setting: str, check: object) -> None:
    policy = apply_setting_text(ModerationPolicy(), setting)
    assert callable(check) and check(policy)


def test_words_add_and_remove_undo_each_other() -> None:
    policy = apply_setting(ModerationPolicy(), "words.remove", "anjing")
    policy = apply_setting(policy, "words.add", "anjing")
    assert (policy.words.add, policy.words.remove) == (("anjing",), ())
    policy = apply_setting(policy, "words.remove", "anjing")
    assert (policy.words.add, policy.words.remove) == ((), ("anjing",))


def test_unallow_and_unallow_links() -> None:
    policy = apply_setting_text(ModerationPolicy(), "words.allow a, b")
    policy = apply_setting_text(policy, "words.unallow a")
    assert policy.words.allow == ("b",)
    policy = apply_setting_text(policy, "links.allow x.com y.com")
    policy = apply_setting_text(policy, "links.unallow https://www.x.com/")
    assert policy.links.allow == ("y.com",)


def test_settings_do_not_mutate_the_old_policy() -> None:
    policy = ModerationPolicy()
    apply_setting_text(policy, "flood 3/5s")
    assert policy.flood.count == 8


@pytest.mark.parametrize(
    ("setting", "english", "indonesian"),
    [
        ("flood 5-10", 'flood: expected COUNT/WINDOW such as 5/10s, got "5-10"',
         'flood: harus JUMLAH/WAKTU seperti 5/10s, bukan "5-10"'),
        ("flood 500/10s", 'flood: "500" is out of range; use 2 to 100', None),
        ("flood 5/2h", 'flood: the time window in "5/2h" is too long; at most 1h', None),
        ("repeat 3/soon", 'repeat: expected COUNT/WINDOW such as 3/60s, got "3/soon"', None),
        ("caps loud", 'caps: expected a percentage such as 70%, got "loud"',
         'caps: harus persentase seperti 70%, bukan "loud"'),
        ("caps 20%", 'caps: "20%" is out of range; use 50% to 100%', None),
        ("mentions many", 'mentions: expected a whole number from 2 to 100, got "many"', None),
        ("dryrun maybe", 'dryrun: expected on or off, got "maybe"',
         'dryrun: harus on atau off, bukan "maybe"'),
        ("newlinks soon", f'newlinks: {EXPECTED_DURATION}, got "soon"', None),
        ("words.action explode", "words.action: expected an action such as delete, warn, "
         'delete+warn, mute 1h, delete+mute 10m, kick, ban, ban 7d or log, got "explode"', None),
        ("links.allow not a domain!", "links.allow: expected a domain such as example.com or a "
         'link such as t.me/+Code, got "not"', None),
        ("words.categories rude", "words.categories: expected categories from: mild, profanity, "
         'insult, slur, hate (or +name / -name), got "rude"', None),
        ("warn.expiry sometime", f'warn.expiry: {EXPECTED_DURATION}, got "sometime"', None),
        ("captcha 2h", 'captcha: "2h" is out of range; use 15s to 1h', None),
        ("log two words", 'log: expected a chat id such as -1001234567890 or off, got "two words"',
         None),
        ("ladder 3 mute", 'ladder: expected steps such as "3:mute 1h, 4:mute 24h, 5:ban" or off, '
         "got \"3 mute\" (expected steps like '3:mute 1h, 4:mute 24h, 5:ban', got '3 mute')", None),
        ("colour blue", 'There is no setting "colour". Names: ',
         'Tidak ada pengaturan "colour". Nama yang ada: '),
    ],
)  # fmt: skip
def test_setting_errors_say_what_was_expected(
    setting: str, english: str, indonesian: str | None
) -> None:
    with pytest.raises(SettingError) as caught:
        apply_setting_text(ModerationPolicy(), setting)
    assert str(caught.value).startswith(english)
    if indonesian is not None:
        assert caught.value.text("id").startswith(indonesian)


def test_words_add_refuses_regex_like_input() -> None:
    with pytest.raises(SettingError, match="expected words separated by commas"):
        apply_setting_text(ModerationPolicy(), "words.add fu*ck")


def test_missing_setting_name() -> None:
    with pytest.raises(SettingError, match="Which setting"):
        apply_setting_text(ModerationPolicy(), "  ")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_describe_lists_every_setting(lang: str) -> None:
    text = describe(apply_setting_text(ModerationPolicy(), "links.allow example.com"), lang)
    assert "8" in text and "10s" in text and "example.com" in text and "3:mute 1h" in text
    assert len(text.splitlines()) == 13


def test_describe_speaks_the_chat_language() -> None:
    assert describe(ModerationPolicy(), "id").startswith(
        "Pengaturan moderasi\nKata terlarang: aktif"
    )
    assert describe(ModerationPolicy(), "en-US").startswith("Moderation settings\nBanned words: on")
