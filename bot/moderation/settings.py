"""Admins change the policy by typing `settings KEY VALUE`; this module reads that.

`apply_setting(policy, "flood", "5/10s")` returns a new policy or raises
`SettingError`, whose text (in Indonesian or English) says what was expected:
`flood: expected COUNT/WINDOW such as 5/10s, got "5-10"`. `describe(policy, lang)`
is the text the bare `settings` command shows. Keys and values are case-insensitive;
on/off also accept ya/tidak, aktif/nonaktif, nyala/mati.

Keys (VALUE examples):
    words on|off             words.add kata1, kata2     words.remove anjing
    words.allow shitake      words.unallow shitake      words.categories +mild / profanity,slur
    invites on|off           links on|off               links.allow example.com, t.me/+Ours
    links.unallow x.com      newlinks 30m|off           mentions 5|off
    flood 5/10s|off          repeat 3/60s|off           caps 70%|off    caps.min 12
    RULE.action delete|warn|delete+warn|mute 1h|delete+mute 10m|kick|ban|log
    ladder 3:mute 1h, 4:mute 24h, 5:ban               warn.expiry 30d|never
    dryrun on|off            log CHAT_ID|off            captcha on|off|2m   captcha.time 2m
    exempt.admins on|off     exempt.bots on|off
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.moderation.activity import DEFAULT_WINDOW
from bot.moderation.durations import (
    DURATION_EXAMPLES,
    DurationError,
    format_duration,
    parse_duration,
)
from bot.moderation.i18n import translate
from bot.moderation.ladder import LADDER_EXAMPLE, LadderError, format_ladder, parse_ladder
from bot.moderation.links import AllowlistError, normalise_allow_entry
from bot.moderation.policy import ModerationPolicy
from bot.moderation.sanctions import ACTION_EXAMPLES, RuleAction, SanctionError
from bot.moderation.terms import CATEGORIES, CUSTOM_CATEGORY, WordListError, parse_entry

MAX_CHAT_TERMS = 2000
MAX_TERM_LENGTH = 100

_ON = frozenset({"on", "yes", "true", "1", "enable", "enabled", "ya", "aktif", "nyala", "hidup"})
_OFF = frozenset({"off", "no", "false", "0", "disable", "disabled", "tidak", "nonaktif", "mati"})


class SettingError(ValueError):
    """A setting that cannot be applied. `str()` is English; `text(lang)` any catalogue language."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = {name: str(value) for name, value in params.items()}
        super().__init__(translate(key, "en", **self.params))

    def text(self, lang: str | None) -> str:
        return translate(self.key, lang, **self.params)


_Setter = Callable[[ModerationPolicy, str, str], ModerationPolicy]


def apply_setting(policy: ModerationPolicy, key: str, value: str) -> ModerationPolicy:
    """The policy with one setting changed, as typed after `settings`.

    Raises SettingError for an unknown key or a value of the wrong form.
    """
    name = _canonical(key)
    setter = _SETTERS.get(name)
    if setter is None:
        raise SettingError("setting.unknown", setting=key.strip(), known=", ".join(_KNOWN))
    return setter(policy, name, value.strip())


def apply_setting_text(policy: ModerationPolicy, text: str) -> ModerationPolicy:
    """`apply_setting` for the whole argument text: `"flood 5/10s"`."""
    key, _, value = text.strip().partition(" ")
    if not key:
        raise SettingError("setting.missing", known=", ".join(_KNOWN))
    return apply_setting(policy, key, value)


_ALIASES = {
    "word": "words", "kata": "words", "link": "links", "invite": "invites",
    "newcomers": "newlinks", "newcomer_links": "newlinks", "newcomer.links": "newlinks",
    "mention": "mentions", "spam": "flood", "repeats": "repeat", "shouting": "caps",
    "warn.ladder": "ladder", "warnings.ladder": "ladder", "expiry": "warn.expiry",
    "warnings.expiry": "warn.expiry", "dry_run": "dryrun", "dry-run": "dryrun",
    "log_chat": "log", "logchat": "log", "captcha.timeout": "captcha.time",
}  # fmt: skip
_RULE_KEYS = {"words": "words", "invites": "invites", "links": "links",
              "newlinks": "newcomer_links", "mentions": "mentions", "flood": "flood",
              "repeat": "repeat", "caps": "caps"}  # fmt: skip


def _canonical(key: str) -> str:
    name = key.strip().lower()
    name = _ALIASES.get(name, name)
    if name.endswith(".action"):
        rule = name.removesuffix(".action")
        name = _ALIASES.get(rule, rule) + ".action"
    return name


def _switch(value: str) -> bool | None:
    lowered = value.lower()
    if lowered in _ON:
        return True
    if lowered in _OFF:
        return False
    return None


def _require_switch(setting: str, value: str) -> bool:
    state = _switch(value)
    if state is None:
        raise SettingError("setting.expected_switch", setting=setting, got=value)
    return state


def _replace_rule(policy: ModerationPolicy, setting: str, **changes: Any) -> ModerationPolicy:
    field_name = _RULE_KEYS[setting]
    rule = dataclasses.replace(getattr(policy, field_name), **changes)
    return dataclasses.replace(policy, **{field_name: rule})


def _set_switch_only(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    return _replace_rule(policy, setting, enabled=_require_switch(setting, value))


def _set_action(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    rule = setting.removesuffix(".action")
    try:
        action = RuleAction.parse(value)
    except SanctionError:
        raise SettingError(
            "setting.expected_action", setting=setting, got=value, examples=ACTION_EXAMPLES
        ) from None
    return _replace_rule(policy, rule, action=action)


_RATE_RE = re.compile(r"^(\d{1,4})\s*(?:/|in|per|dalam|tiap)?\s*(\d+\s*[a-z]*)$", re.IGNORECASE)


def _parse_rate(setting: str, value: str, low: int, high: int) -> tuple[int, timedelta]:
    match = _RATE_RE.match(value)
    if match is None:
        raise SettingError("setting.expected_rate", setting=setting, got=value,
                           example=_RATE_EXAMPLES[setting])  # fmt: skip
    count = int(match.group(1))
    window_text = match.group(2)
    if window_text.strip().isdigit():
        window_text += "s"
    window = _duration(setting, window_text)
    if not low <= count <= high:
        raise SettingError("setting.out_of_range", setting=setting, got=count, low=low, high=high)
    if window > DEFAULT_WINDOW:
        raise SettingError("setting.window_too_long", setting=setting, got=value,
                           high=format_duration(DEFAULT_WINDOW))  # fmt: skip
    return count, window


_RATE_EXAMPLES = {"flood": "5/10s", "repeat": "3/60s"}


def _duration(setting: str, value: str) -> timedelta:
    try:
        return parse_duration(value)
    except DurationError:
        raise SettingError(
            "setting.expected_duration", setting=setting, got=value, examples=DURATION_EXAMPLES
        ) from None


def _set_rate(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    state = _switch(value)
    if state is not None:
        return _replace_rule(policy, setting, enabled=state)
    low, high = (2, 100) if setting == "flood" else (2, 50)
    count, window = _parse_rate(setting, value, low, high)
    return _replace_rule(policy, setting, enabled=True, count=count, window=window)


def _int_in(setting: str, value: str, low: int, high: int) -> int:
    if not value.isdigit():
        raise SettingError("setting.expected_count", setting=setting, got=value, low=low, high=high)
    number = int(value)
    if not low <= number <= high:
        raise SettingError("setting.out_of_range", setting=setting, got=number, low=low, high=high)
    return number


def _set_mentions(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    state = _switch(value) if not value.isdigit() else None
    if state is not None:
        return _replace_rule(policy, setting, enabled=state)
    return _replace_rule(policy, setting, enabled=True, count=_int_in(setting, value, 2, 100))


def _set_caps(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    state = _switch(value)
    if state is not None:
        return _replace_rule(policy, setting, enabled=state)
    text = value.replace(" ", "")
    try:
        ratio = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise SettingError("setting.expected_ratio", setting=setting, got=value) from None
    if ratio > 1 and not text.endswith("%"):
        ratio /= 100  # "caps 70" means 70%
    if not 0.5 <= ratio <= 1.0:
        raise SettingError(
            "setting.out_of_range", setting=setting, got=value, low="50%", high="100%"
        )
    return _replace_rule(policy, setting, enabled=True, ratio=round(ratio, 4))


def _set_caps_min(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    return _replace_rule(policy, "caps", min_letters=_int_in(setting, value, 5, 500))


def _set_newlinks(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    state = _switch(value)
    if state is not None:
        return _replace_rule(policy, setting, enabled=state)
    within = _duration(setting, value)
    if within > timedelta(days=30):
        raise SettingError("setting.out_of_range", setting=setting, got=value, low="1m", high="30d")
    return _replace_rule(policy, setting, enabled=True, within=within)


def _split_items(value: str) -> list[str]:
    separator = "," if "," in value else "\n" if "\n" in value else None
    items = value.split(separator) if separator else [value]
    return [item.strip() for item in items if item.strip()]


def _terms(setting: str, value: str) -> list[str]:
    items = _split_items(value)
    if not items:
        raise SettingError("setting.expected_terms", setting=setting, got=value, detail="")
    cleaned = []
    for item in items:
        if len(item) > MAX_TERM_LENGTH:
            raise SettingError("setting.term_too_long", setting=setting, got=item[:30] + "…",
                               high=MAX_TERM_LENGTH)  # fmt: skip
        try:
            entry = parse_entry(item, CUSTOM_CATEGORY)
        except WordListError as error:
            raise SettingError("setting.expected_terms", setting=setting, got=item,
                               detail=str(error)) from None  # fmt: skip
        written = entry.spelled()
        if entry.category != CUSTOM_CATEGORY:
            written = f"{entry.category}: {written}"
        cleaned.append(written.lower())
    return cleaned


def _added(current: tuple[str, ...], items: list[str], setting: str) -> tuple[str, ...]:
    result = current + tuple(item for item in items if item not in current)
    result = tuple(dict.fromkeys(result))
    if len(result) > MAX_CHAT_TERMS:
        raise SettingError("setting.too_many", setting=setting, high=MAX_CHAT_TERMS)
    return result


def _without(current: tuple[str, ...], items: list[str]) -> tuple[str, ...]:
    return tuple(item for item in current if item not in items)


def _set_words_list(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    words = policy.words
    if setting in ("words.allow", "words.unallow"):
        items = [item.lower() for item in _split_items(value)]
        if not items:
            raise SettingError("setting.expected_terms", setting=setting, got=value, detail="")
        allow = (_added(words.allow, items, setting) if setting == "words.allow"
                 else _without(words.allow, items))  # fmt: skip
        return dataclasses.replace(policy, words=dataclasses.replace(words, allow=allow))
    items = _terms(setting, value)
    if setting == "words.add":
        add, remove = _added(words.add, items, setting), _without(words.remove, items)
    else:
        bare = [item.split(":", 1)[-1].strip() for item in items]
        add = tuple(item for item in words.add if item.split(":", 1)[-1].strip() not in bare)
        remove = _added(words.remove, bare, setting)
    new_words = dataclasses.replace(words, add=add, remove=remove)
    return dataclasses.replace(policy, words=new_words)


def _set_categories(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    items = [item.lower() for item in re.split(r"[,\s]+", value) if item]
    bare = [item.lstrip("+-") for item in items]
    if not items or any(name not in CATEGORIES for name in bare):
        raise SettingError("setting.expected_categories", setting=setting, got=value,
                           known=", ".join(CATEGORIES))  # fmt: skip
    if all(item[0] in "+-" for item in items):
        chosen = set(policy.words.categories)
        for item in items:
            (chosen.add if item[0] == "+" else chosen.discard)(item[1:])
    elif any(item[0] in "+-" for item in items):
        raise SettingError("setting.expected_categories", setting=setting, got=value,
                           known=", ".join(CATEGORIES))  # fmt: skip
    else:
        chosen = set(bare)
    words = dataclasses.replace(policy.words, categories=frozenset(chosen))
    return dataclasses.replace(policy, words=words)


def _set_link_allow(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    items = []
    for item in re.split(r"[,\s]+", value):
        if not item:
            continue
        try:
            host, path = normalise_allow_entry(item)
        except AllowlistError:
            raise SettingError("setting.expected_domain", setting=setting, got=item) from None
        items.append(host + path)
    if not items:
        raise SettingError("setting.expected_domain", setting=setting, got=value)
    links = policy.links
    allow = (_added(links.allow, items, setting) if setting == "links.allow"
             else _without(links.allow, items))  # fmt: skip
    return dataclasses.replace(policy, links=dataclasses.replace(links, allow=allow))


def _set_ladder(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    try:
        ladder = parse_ladder(value)
    except LadderError as error:
        raise SettingError("setting.expected_ladder", setting=setting, got=value,
                           example=LADDER_EXAMPLE, detail=str(error)) from None  # fmt: skip
    return dataclasses.replace(policy, warn_ladder=ladder)


def _set_expiry(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    if value.lower() in ("never", "off", "none", "tidak", "selamanya"):
        return dataclasses.replace(policy, warning_expiry=None)
    return dataclasses.replace(policy, warning_expiry=_duration(setting, value))


def _set_flag(field_name: str) -> _Setter:
    def setter(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
        changes: dict[str, Any] = {field_name: _require_switch(setting, value)}
        return dataclasses.replace(policy, **changes)

    return setter


_CHAT_ID_RE = re.compile(r"^[\w:@.\-]{1,100}$")


def _set_log(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    if value.lower() in _OFF or value.lower() == "none":
        return dataclasses.replace(policy, log_chat=None)
    if not _CHAT_ID_RE.match(value):
        raise SettingError("setting.expected_chat", setting=setting, got=value)
    return dataclasses.replace(policy, log_chat=value)


def _captcha_time(setting: str, value: str) -> timedelta:
    timeout = _duration(setting, value)
    if not timedelta(seconds=15) <= timeout <= timedelta(hours=1):
        raise SettingError("setting.out_of_range", setting=setting, got=value, low="15s", high="1h")
    return timeout


def _set_captcha(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    state = _switch(value)
    if state is not None:
        return dataclasses.replace(policy, captcha=state)
    return dataclasses.replace(policy, captcha=True, captcha_timeout=_captcha_time(setting, value))


def _set_captcha_time(policy: ModerationPolicy, setting: str, value: str) -> ModerationPolicy:
    return dataclasses.replace(policy, captcha_timeout=_captcha_time(setting, value))


_SETTERS: dict[str, _Setter] = {
    "words": _set_switch_only,
    "words.add": _set_words_list,
    "words.remove": _set_words_list,
    "words.allow": _set_words_list,
    "words.unallow": _set_words_list,
    "words.categories": _set_categories,
    "invites": _set_switch_only,
    "links": _set_switch_only,
    "links.allow": _set_link_allow,
    "links.unallow": _set_link_allow,
    "newlinks": _set_newlinks,
    "mentions": _set_mentions,
    "flood": _set_rate,
    "repeat": _set_rate,
    "caps": _set_caps,
    "caps.min": _set_caps_min,
    **{f"{rule}.action": _set_action for rule in _RULE_KEYS},
    "ladder": _set_ladder,
    "warn.expiry": _set_expiry,
    "dryrun": _set_flag("dry_run"),
    "log": _set_log,
    "captcha": _set_captcha,
    "captcha.time": _set_captcha_time,
    "exempt.admins": _set_flag("exempt_admins"),
    "exempt.bots": _set_flag("exempt_bots"),
}
_KNOWN = (*(name for name in _SETTERS if not name.endswith(".action")), "RULE.action")


# ---------------------------------------------------------------------------------------
# The `settings` overview


def describe(policy: ModerationPolicy, lang: str | None) -> str:
    """What the bare `settings` command shows: every setting, in the chat's language."""

    def t(key: str, **params: Any) -> str:
        return translate(key, lang, **params)

    def state(enabled: bool) -> str:
        return t("word.on") if enabled else t("word.off")

    def yes_no(flag: bool) -> str:
        return t("word.yes") if flag else t("word.no")

    words = policy.words
    lines = [
        t("describe.title"),
        t("describe.words", state=state(words.enabled),
          categories=", ".join(c for c in CATEGORIES if c in words.categories) or "-",
          added=len(words.add), removed=len(words.remove), allowed=len(words.allow),
          action=words.action),
        t("describe.invites", state=state(policy.invites.enabled), action=policy.invites.action),
        t("describe.links", state=state(policy.links.enabled),
          allowed=", ".join(policy.links.allow) or "-", action=policy.links.action),
        t("describe.newlinks", state=state(policy.newcomer_links.enabled),
          within=format_duration(policy.newcomer_links.within),
          action=policy.newcomer_links.action),
        t("describe.mentions", state=state(policy.mentions.enabled),
          count=policy.mentions.count, action=policy.mentions.action),
        t("describe.flood", state=state(policy.flood.enabled), count=policy.flood.count,
          window=format_duration(policy.flood.window), action=policy.flood.action),
        t("describe.repeat", state=state(policy.repeat.enabled), count=policy.repeat.count,
          window=format_duration(policy.repeat.window), action=policy.repeat.action),
        t("describe.caps", state=state(policy.caps.enabled),
          percent=round(policy.caps.ratio * 100), min_letters=policy.caps.min_letters,
          action=policy.caps.action),
        t("describe.warnings", ladder=format_ladder(policy.warn_ladder),
          expiry=(format_duration(policy.warning_expiry) if policy.warning_expiry
                  else t("word.never"))),
        t("describe.misc", dry_run=state(policy.dry_run),
          log_chat=policy.log_chat or t("word.none"), captcha=state(policy.captcha),
          captcha_time=format_duration(policy.captcha_timeout)),
        t("describe.exempt", admins=yes_no(policy.exempt_admins), bots=yes_no(policy.exempt_bots)),
        t("describe.howto"),
    ]  # fmt: skip
    return "\n".join(lines)
