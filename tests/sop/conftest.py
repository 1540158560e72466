from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SAMPLE_SOP_DIR
from bot.sop.encoders import configured_encoder
from bot.sop.knowledge import KnowledgeBase
from bot.sop.loader import load_sop
from bot.sop.model import SopEntry
from bot.sop.semantic import Encoder

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def default_encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder | None:
    """The encoder a plain install answers with (multilingual USE), shared by the session."""
    return configured_encoder("auto", cache_dir=tmp_path_factory.mktemp("vectors"))


@pytest.fixture(scope="session")
def sample_hybrid_kb(default_encoder: Encoder | None) -> KnowledgeBase:
    """The sample SOP as `bot chat` answers from it by default."""
    load = load_sop(SAMPLE_SOP_DIR)
    assert load.ok
    kb = KnowledgeBase.build(load.entries, encoder=default_encoder)
    assert kb.semantic, "the default install answers with the multilingual encoder"
    return kb


@pytest.fixture(scope="session")
def shop_entries() -> tuple[SopEntry, ...]:
    load = load_sop(FIXTURES / "shop")
    assert load.problems == ()
    return load.entries


@pytest.fixture(scope="session")
def shop_kb(shop_entries: tuple[SopEntry, ...], default_encoder: Encoder | None) -> KnowledgeBase:
    """The shop SOP as the bot answers from it by default: words and the multilingual encoder."""
    return KnowledgeBase.build(shop_entries, encoder=default_encoder)


@pytest.fixture(scope="session")
def shop_lexical_kb(shop_entries: tuple[SopEntry, ...]) -> KnowledgeBase:
    """The shop SOP answered from words alone (`support.encoder = "lexical"`, or no encoder)."""
    return KnowledgeBase.build(shop_entries)
