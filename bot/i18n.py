"""The message catalogue: every user-visible string, in Indonesian and English.

Each capability keeps its strings in `bot/locales/<capability>.toml`, one table per
message with an `id` and an `en` text; the key is `<capability>.<message>`. Handlers
ask for a key and a language, never branch on the language themselves.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).resolve().parent / "locales"


class Translator:
    def __init__(self, catalog: Mapping[str, Mapping[str, str]], default_language: str = "id") -> None:
        self._catalog = catalog
        self.default_language = default_language

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR, default_language: str = "id") -> Translator:
        catalog: dict[str, dict[str, str]] = {}
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as handle:
                tables = tomllib.load(handle)
            for name, texts in tables.items():
                catalog[f"{path.stem}.{name}"] = {lang: str(text) for lang, text in texts.items()}
        return cls(catalog, default_language)

    def __call__(self, key: str, language: str, /, **params: Any) -> str:
        texts = self._catalog[key]
        template = texts.get(language) or texts.get(self.default_language) or next(iter(texts.values()))
        return template.format(**params) if params else template

    def __contains__(self, key: str) -> bool:
        return key in self._catalog

    def keys(self) -> list[str]:
        return list(self._catalog)

    def languages_of(self, key: str) -> set[str]:
        return set(self._catalog[key])
