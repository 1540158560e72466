"""The moderation message catalogue: every user-visible string, keyed, in both languages.

Strings live in `bot/locales/moderation.toml`, English and Indonesian side by side,
so a missing translation is visible in one place (and a test fails on it). Code asks
for `translate(key, lang, **params)`; it never branches on the language.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

LANGUAGES: tuple[str, ...] = ("id", "en")
FALLBACK_LANGUAGE = "en"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    texts = {k: v for k, v in table.items() if isinstance(v, str)}
    if texts:
        result[prefix.rstrip(".")] = texts
    for name, value in table.items():
        if isinstance(value, Mapping):
            result.update(_flatten(value, f"{prefix}{name}."))
    return result


def _load() -> Mapping[str, Mapping[str, str]]:
    raw = resources.files("bot").joinpath("locales", "moderation.toml").read_text("utf-8")
    flat = _flatten(tomllib.loads(raw))
    return MappingProxyType({key: MappingProxyType(texts) for key, texts in flat.items()})


CATALOGUE: Mapping[str, Mapping[str, str]] = _load()


def language_of(code: str | None) -> str:
    """`"id-ID"`, `"in"` → `"id"`; `"en-US"` → `"en"`; anything else → the fallback."""
    base = (code or "").replace("_", "-").split("-")[0].lower()
    if base == "in":  # the old ISO code some platforms still report for Indonesian
        base = "id"
    return base if base in LANGUAGES else FALLBACK_LANGUAGE


def translate(key: str, lang: str | None, **params: Any) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled from `params`.

    An unknown key returns the key itself, so a missing string shows up in the chat
    as something searchable rather than crashing a moderation action.
    """
    texts = CATALOGUE.get(key)
    if texts is None:
        return key
    template = texts.get(language_of(lang)) or texts.get(FALLBACK_LANGUAGE, key)
    return template.format_map(_Params({name: str(value) for name, value in params.items()}))


class _Params(dict[str, str]):
    """Leaves an unfilled placeholder visible instead of raising."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def placeholders(template: str) -> frozenset[str]:
    """The `{names}` a template uses."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)
