from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.sop.loader import SopProblem, dump_entries, load_sop
from bot.sop.model import SopEntry

from .conftest import FIXTURES

GOOD_ENTRY = """\
  - id: {id}
    title: {title}
    questions:
      id: [{question} (id)]
      en: [{question} (en)]
    answer:
      id: Jawaban.
      en: Answer.
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(directory: Path) -> list[str]:
    return [str(p) for p in load_sop(directory).problems]


def test_problem_prints_as_file_line_message() -> None:
    assert str(SopProblem("sop/refunds.yaml", 12, "answer is empty")) == (
        "sop/refunds.yaml:12: answer is empty"
    )


def test_fixture_sop_loads_cleanly(shop_entries: tuple[SopEntry, ...]) -> None:
    refund = next(e for e in shop_entries if e.id == "refund-how")
    assert refund.title == "Cara mengajukan refund"
    assert refund.questions["id"][2] == "gmn caranya minta refund kak"
    assert refund.updated == date(2026, 10, 1)
    assert refund.links[0].entry_id == "refund-status"
    assert refund.line == 4
    assert next(e for e in shop_entries if e.id == "damaged-item").handoff is True


def test_invalid_yaml_reports_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "entries:\n  - id: a\n    title: [unclosed\n")
    [message] = problems(tmp_path)
    assert message.startswith(f"{path}:")
    assert "invalid YAML" in message
    line = int(message.split(":")[1])
    assert line in (3, 4)


def test_missing_fields_and_empty_answer_point_at_the_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.yaml",
        """\
        entries:
          - id: no-answer
            title: No answer
            questions:
              id: [satu]
              en: [one]
          - id: empty-answer
            title: Empty
            questions:
              id: [dua]
              en: [two]
            answer:
              id: ""
              en: Fine.
        """,
    )
    found = problems(tmp_path)
    assert f"{path}:2: missing required field 'answer' in entry 'no-answer'" in found
    assert f"{path}:13: answer in 'id' is empty" in found


def test_duplicate_id_points_at_the_second_definition(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "entries:\n" + GOOD_ENTRY.format(id="x", title="A", question="q1"))
    second = write(
        tmp_path,
        "b.yaml",
        "entries:\n"
        + GOOD_ENTRY.format(id="y", title="B", question="q2")
        + GOOD_ENTRY.format(id="x", title="C", question="q3"),
    )
    load = load_sop(tmp_path)
    [problem] = load.problems
    assert (problem.file, problem.line) == (str(second), 10)
    assert "duplicate id 'x'" in problem.message and "a.yaml:2" in problem.message
    assert [e.id for e in load.entries] == ["x", "y"]  # the first definition wins


def test_missing_language_bad_date_unknown_link_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.yaml",
        """\
        entries:
          - id: only-english
            title: Only English
            updated: 2026-13-45
            questoins: oops
            questions:
              en: ["How do I pay?"]
            answer:
              id: Bayar di aplikasi.
              en: Pay in the app.
            links:
              - label: {id: Lihat, en: See}
                entry: no-such-entry
        """,
    )
    found = problems(tmp_path)
    assert f"{path}:4: updated '2026-13-45' is not a date (YYYY-MM-DD)" in found
    assert f"{path}:5: unknown field 'questoins'" in found
    assert f"{path}:7: questions missing language 'id'" in found
    assert f"{path}:12: link to unknown entry 'no-such-entry'" in found


def test_same_question_in_two_entries_ignores_case_and_spaces(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.yaml",
        """\
        entries:
          - id: first
            title: First
            questions:
              id: ["Cara bayar?"]
              en: ["How to pay?"]
            answer: {id: Satu., en: One.}
          - id: second
            title: Second
            questions:
              id: [Lain]
              en:
                - Other
                - "how  to PAY?"
            answer: {id: Dua., en: Two.}
        """,
    )
    [message] = problems(tmp_path)
    assert message.startswith(f"{path}:14: question 'how  to PAY?' is also in entry 'first'")


def test_missing_directory_and_empty_directory(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}: no such file or directory"]
    assert problems(tmp_path) == [f"{tmp_path}: no SOP files (*.yaml, *.yml)"]


def test_dump_then_load_gives_the_same_entries(
    tmp_path: Path, shop_entries: tuple[SopEntry, ...]
) -> None:
    approved = SopEntry(
        id="approved-draft",
        title="Jam: 08.00 - 21.00",
        questions={"id": ("yes", "no"), "en": ("2026-01-01", "multi\nline?")},
        answers={"id": "Baris satu\nBaris dua", "en": "Line: one"},
    )
    written = dump_entries([*shop_entries, approved], tmp_path / "export")
    assert sorted(p.name for p in written) == ["orders.yaml", "sop.yaml"]
    reloaded = load_sop(tmp_path / "export")
    assert reloaded.problems == ()

    def content(entry: SopEntry) -> SopEntry:
        return replace(entry, source="", line=0)

    assert [content(e) for e in reloaded.entries] == [content(e) for e in (*shop_entries, approved)]


def test_fixture_directory_constant_points_at_real_files() -> None:
    assert (FIXTURES / "shop" / "orders.yaml").is_file()


def test_example_sop_shipped_with_the_project_is_valid() -> None:
    examples = Path(__file__).parents[2] / "examples" / "sop"
    load = load_sop(examples)
    assert load.problems == ()
    assert len(load.entries) >= 10
