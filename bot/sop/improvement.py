"""The improvement loop's pure parts: turning approved drafts into SOP entries, and gap keys.

Approved drafts live in the database; the knowledge base is the SOP files plus these
changes. A new-entry draft becomes an entry; a paraphrase draft becomes a copy of
its entry with one more question. Exporting writes the merged result back as files.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.sop.model import SopEntry

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class ApprovedChange:
    draft_id: int
    kind: str  # "entry" | "paraphrase"
    entry_id: str
    title: str
    questions: dict[str, tuple[str, ...]]
    answers: dict[str, str]


def apply_changes(base: Mapping[str, SopEntry], changes: Iterable[ApprovedChange]) -> tuple[SopEntry, ...]:
    """The entries that approved changes add or alter (to lay over the file entries)."""
    changed: dict[str, SopEntry] = {}
    for change in changes:
        current = changed.get(change.entry_id) or base.get(change.entry_id)
        if change.kind == "paraphrase":
            if current is None:
                continue  # its entry was removed from the files since; nothing to attach to
            questions = {lang: tuple(qs) for lang, qs in current.questions.items()}
            for language, extra in change.questions.items():
                known = {q.casefold() for q in questions.get(language, ())}
                questions[language] = questions.get(language, ()) + tuple(
                    q for q in extra if q.casefold() not in known
                )
            changed[change.entry_id] = dataclasses.replace(current, questions=questions)
        else:
            changed[change.entry_id] = SopEntry(
                id=change.entry_id,
                title=change.title,
                questions={lang: tuple(qs) for lang, qs in change.questions.items()},
                answers=dict(change.answers),
                tags=("approved-draft",),
                source="approved.yaml",
            )
    return tuple(changed.values())


def gap_fingerprint(text: str) -> str:
    """A key that groups the same question asked with other casing, punctuation or word order."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = sorted(set(_WORD.findall(folded)))
    return " ".join(words)[:255]


def slug_for(text: str, taken: Iterable[str]) -> str:
    """An entry id from a question: lowercase words joined by dashes, unique among `taken`."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.findall(r"[a-z0-9]+", folded)][:6]
    base = "-".join(words) or "entry"
    taken_set = set(taken)
    candidate, number = base, 2
    while candidate in taken_set:
        candidate, number = f"{base}-{number}", number + 1
    return candidate
