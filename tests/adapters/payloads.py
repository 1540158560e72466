"""Captured platform payloads (the real JSON shapes), kept under tests/data/<platform>/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"


def payload(platform: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / platform / f"{name}.json").read_text(encoding="utf-8"))
    return data
