"""Shared builders: the shipped word lists compiled once, and messages in a group chat."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.events import Address, ChatKind, Message, Person, Right
from bot.moderation.policy import DEFAULT_CATEGORIES
from bot.moderation.terms import WordList, load_default_wordlists
from bot.moderation.wordfilter import WordFilter

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CHAT = Address("telegram", "-1001234")


@pytest.fixture(scope="session")
def default_lists() -> WordList:
    return load_default_wordlists()


@pytest.fixture(scope="session")
def words(default_lists: WordList) -> WordFilter:
    """The filter a new chat gets: shipped lists, default categories."""
    return WordFilter.build(default_lists, categories=DEFAULT_CATEGORIES)


MessageFactory = Callable[..., Message]


@pytest.fixture
def message() -> MessageFactory:
    def build(
        text: str = "",
        *,
        at: datetime = NOW,
        user_id: str = "42",
        rights: frozenset[Right] | None = None,
        is_bot: bool = False,
        kind: ChatKind = ChatKind.GROUP,
        **fields: Any,
    ) -> Message:
        return Message(
            update_id=f"u{at.timestamp()}{user_id}",
            address=CHAT,
            at=at,
            sender=Person("telegram", user_id, "Budi", is_bot=is_bot),
            chat_kind=kind,
            sender_rights=rights,
            message_id="m1",
            text=text,
            **fields,
        )

    return build


def terms_found(words: WordFilter, text: str) -> list[str]:
    return [hit.term for hit in words.match(text)]


def own_set_lines(name: str, label: str) -> list[str]:
    """The lines of one label in an own senses set (`tests/moderation/data/<name>.tsv`)."""
    path = Path(__file__).parent / "data" / f"{name}.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [row["text"] for row in rows if row["label"] == label]
