from __future__ import annotations

from pathlib import Path

import pytest

from bot.sop.knowledge import KnowledgeBase
from bot.sop.loader import load_sop
from bot.sop.model import SopEntry

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def shop_entries() -> tuple[SopEntry, ...]:
    load = load_sop(FIXTURES / "shop")
    assert load.problems == ()
    return load.entries


@pytest.fixture(scope="session")
def shop_kb(shop_entries: tuple[SopEntry, ...]) -> KnowledgeBase:
    return KnowledgeBase.build(shop_entries)
