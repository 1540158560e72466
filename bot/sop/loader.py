"""Read SOP files into entries, and report every problem with the file and line to fix.

The loader never raises on bad content: staff edit these files by hand, so
`bot sop check` must list all problems at once (`sop/refunds.yaml:12: answer is
empty`) rather than stop at the first. Line numbers come from the YAML node tree
(`yaml.compose`), which keeps the position of every key and value.

Entries that cannot be built (a missing id, an answer that is not text, a
repeated id) are left out of `SopLoad.entries`; entries with softer problems (a
missing language, an unknown link) are kept, so a running bot keeps answering
while `problems` tells staff what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.sop.model import LANGUAGES, SopEntry, SopLink

ENTRY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ENTRY_FIELDS = frozenset(
    {"id", "title", "tags", "owner", "updated", "handoff", "questions", "answer", "links"}
)
LINK_FIELDS = frozenset({"label", "url", "entry"})
SOP_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class SopProblem:
    """One thing to fix, printed the way editors and CI logs link to it: `file:line: problem`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class SopLoad:
    """What a directory held: the usable entries, and the problems found on the way."""

    entries: tuple[SopEntry, ...] = ()
    problems: tuple[SopProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def normalise_question(text: str) -> str:
    """The form under which two questions count as the same: case and spacing ignored."""
    return " ".join(text.casefold().split())


def sop_files(path: Path) -> list[Path]:
    """The YAML files of an SOP directory in name order (sub-folders included, hidden ones not)."""
    if path.is_file():
        return [path]
    found = [
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SOP_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(path).as_posix())


def load_sop(path: Path, languages: Sequence[str] = LANGUAGES) -> SopLoad:
    """Load a directory (or one file) of SOP YAML files and check them as a whole."""
    path = Path(path)
    if not path.exists():
        return SopLoad(problems=(SopProblem(str(path), 0, "no such file or directory"),))
    files = sop_files(path)
    if not files:
        return SopLoad(problems=(SopProblem(str(path), 0, "no SOP files (*.yaml, *.yml)"),))
    entries: list[SopEntry] = []
    problems: list[SopProblem] = []
    links: list[tuple[SopEntry, str, int]] = []
    question_lines: QuestionLines = {}
    for file in files:
        reader = _read_file(file, tuple(languages))
        entries.extend(reader.entries)
        problems.extend(reader.problems)
        links.extend(reader.links)
        question_lines.update(reader.entry_question_lines)
    kept, cross_problems = _check_across_files(entries, links, question_lines)
    problems.extend(cross_problems)
    return SopLoad(entries=tuple(kept), problems=tuple(problems))


# (file, entry id, question) -> line of that question, so that a question repeated
# in another entry is reported on its own line rather than on its entry's.
QuestionLines = dict[tuple[str, str, str], int]


def _check_across_files(
    entries: list[SopEntry],
    link_targets: list[tuple[SopEntry, str, int]],
    question_lines: QuestionLines,
) -> tuple[list[SopEntry], list[SopProblem]]:
    problems: list[SopProblem] = []
    first_by_id: dict[str, SopEntry] = {}
    kept: list[SopEntry] = []
    for entry in entries:
        first = first_by_id.get(entry.id)
        if first is not None:
            problems.append(
                SopProblem(
                    entry.source,
                    entry.line,
                    f"duplicate id '{entry.id}' (first defined at {first.source}:{first.line})",
                )
            )
            continue
        first_by_id[entry.id] = entry
        kept.append(entry)

    owner_of_question: dict[str, SopEntry] = {}
    for entry in kept:
        for questions in entry.questions.values():
            for question in questions:
                key = normalise_question(question)
                owner = owner_of_question.setdefault(key, entry)
                if owner.id != entry.id:
                    problems.append(
                        SopProblem(
                            entry.source,
                            question_lines.get((entry.source, entry.id, question), entry.line),
                            f"question '{question}' is also in entry '{owner.id}' "
                            f"({owner.source}:{owner.line})",
                        )
                    )

    for entry, target, line in link_targets:
        if target not in first_by_id:
            problems.append(SopProblem(entry.source, line, f"link to unknown entry '{target}'"))
    problems.sort(key=lambda p: (p.file, p.line))
    return kept, problems


@dataclass
class _FileReader:
    """Walks one file's node tree, collecting entries and problems."""

    file: str
    languages: tuple[str, ...]
    entries: list[SopEntry] = field(default_factory=list)
    problems: list[SopProblem] = field(default_factory=list)
    links: list[tuple[SopEntry, str, int]] = field(default_factory=list)
    entry_question_lines: QuestionLines = field(default_factory=dict)
    question_lines: dict[str, int] = field(default_factory=dict)  # of the entry being read

    def problem(self, node: Node | int, message: str) -> None:
        line = node if isinstance(node, int) else node.start_mark.line + 1
        self.problems.append(SopProblem(self.file, line, message))

    def read(self, root: Node | None) -> list[SopEntry]:
        if root is None:
            self.problem(1, "file is empty (expected a top-level 'entries:' list)")
            return []
        if not isinstance(root, MappingNode):
            self.problem(root, "expected a mapping with an 'entries:' list at the top")
            return []
        top = self.mapping(root)
        for key, (key_node, _) in top.items():
            if key != "entries":
                self.problem(key_node, f"unknown top-level key '{key}' (expected 'entries')")
        if "entries" not in top:
            self.problem(root, "missing top-level 'entries:' list")
            return []
        entries_node = top["entries"][1]
        if _is_null(entries_node):
            return []
        if not isinstance(entries_node, SequenceNode):
            self.problem(entries_node, "'entries' must be a list")
            return []
        entries = []
        for item in entries_node.value:
            entry = self.entry(item)
            if entry is not None:
                entries.append(entry)
        return entries

    def mapping(self, node: MappingNode) -> dict[str, tuple[Node, Node]]:
        """Keys as text, each with its key node and value node; repeated keys are reported."""
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if key in out:
                self.problem(key_node, f"key '{key}' appears twice")
            out[key] = (key_node, value_node)
        return out

    def text(self, node: Node, what: str, *, allow_empty: bool = False) -> str | None:
        value = _construct(node)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(node.value)  # `title: 404` is still text
        if not isinstance(value, str):
            self.problem(node, f"{what} must be text")
            return None
        value = value.strip()
        if not value and not allow_empty:
            self.problem(node, f"{what} is empty")
            return None
        return value

    def entry(self, node: Node) -> SopEntry | None:
        self.question_lines = {}
        if not isinstance(node, MappingNode):
            self.problem(node, "each entry must be a mapping (id, title, questions, answer, ...)")
            return None
        fields = self.mapping(node)
        for key, (key_node, _) in fields.items():
            if key not in ENTRY_FIELDS:
                self.problem(key_node, f"unknown field '{key}'")
        id_node = fields["id"][1] if "id" in fields else None
        which = f" in entry '{id_node.value}'" if isinstance(id_node, ScalarNode) else ""
        for name in ("id", "title", "questions", "answer"):
            if name not in fields:
                self.problem(node, f"missing required field '{name}'{which}")

        entry_id = self.entry_id(fields["id"][1]) if "id" in fields else None
        title = self.text(fields["title"][1], "title") if "title" in fields else None
        questions = self.questions(fields["questions"][1]) if "questions" in fields else None
        answers = self.answers(fields["answer"][1]) if "answer" in fields else None
        tags = self.tags(fields["tags"][1]) if "tags" in fields else ()
        owner = self.optional_text(fields, "owner")
        updated = self.updated(fields["updated"][1]) if "updated" in fields else None
        handoff = self.handoff(fields["handoff"][1]) if "handoff" in fields else False
        links_node = fields["links"][1] if "links" in fields else None
        links, targets = self.link_list(links_node) if links_node is not None else ((), [])

        if entry_id is None or title is None or questions is None or answers is None:
            return None
        entry = SopEntry(
            id=entry_id,
            title=title,
            questions=questions,
            answers=answers,
            tags=tags,
            links=links,
            handoff=handoff,
            owner=owner,
            updated=updated,
            source=self.file,
            line=node.start_mark.line + 1,
        )
        for question, line in self.question_lines.items():
            self.entry_question_lines[(self.file, entry_id, question)] = line
        self.links.extend((entry, target, line) for target, line in targets)
        return entry

    def entry_id(self, node: Node) -> str | None:
        value = self.text(node, "id")
        if value is None:
            return None
        if not ENTRY_ID.match(value):
            self.problem(node, f"id '{value}' must be lowercase letters, digits and dashes")
            return None
        return value

    def optional_text(self, fields: dict[str, tuple[Node, Node]], name: str) -> str | None:
        if name not in fields or _is_null(fields[name][1]):
            return None
        return self.text(fields[name][1], name)

    def per_language(self, node: Node, what: str) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.problem(
                node,
                f"{what} must map each language ({', '.join(self.languages)}) to "
                + ("a list of questions" if what == "questions" else "its text"),
            )
            return None
        out: dict[str, Node] = {}
        for language, (key_node, value_node) in self.mapping(node).items():
            if language not in self.languages:
                self.problem(
                    key_node,
                    f"unknown language '{language}' in {what} "
                    f"(configured: {', '.join(self.languages)})",
                )
                continue
            out[language] = value_node
        for language in self.languages:
            if language not in out:
                self.problem(node, f"{what} missing language '{language}'")
        return out

    def questions(self, node: Node) -> dict[str, tuple[str, ...]] | None:
        by_language = self.per_language(node, "questions")
        if by_language is None:
            return None
        out: dict[str, tuple[str, ...]] = {}
        for language, list_node in by_language.items():
            if isinstance(list_node, ScalarNode) and not _is_null(list_node):
                items: list[Node] = [list_node]  # a single question written without a dash
            elif isinstance(list_node, SequenceNode):
                items = list(list_node.value)
            else:
                self.problem(list_node, f"questions in '{language}' must be a list")
                continue
            texts = []
            for item in items:
                question = self.text(item, f"a question in '{language}'")
                if question is not None:
                    texts.append(question)
                    self.question_lines.setdefault(question, item.start_mark.line + 1)
            if not texts:
                self.problem(list_node, f"no questions in '{language}'")
                continue
            out[language] = tuple(texts)
        return out if out else None

    def answers(self, node: Node) -> dict[str, str] | None:
        if isinstance(node, ScalarNode) and not _is_null(node):
            self.problem(
                node, f"answer must map each language ({', '.join(self.languages)}) to its text"
            )
            return None
        by_language = self.per_language(node, "answer")
        if by_language is None:
            return None
        out: dict[str, str] = {}
        for language, text_node in by_language.items():
            if _is_null(text_node):
                self.problem(text_node, f"answer in '{language}' is empty")
                continue
            text = self.text(text_node, f"answer in '{language}'", allow_empty=True)
            if text is None:
                continue
            if not text:
                self.problem(text_node, f"answer in '{language}' is empty")
                continue
            out[language] = text
        return out if out else None

    def tags(self, node: Node) -> tuple[str, ...]:
        if _is_null(node):
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, "tags must be a list")
            return ()
        tags = []
        for item in node.value:
            tag = self.text(item, "a tag")
            if tag is not None:
                tags.append(tag)
        return tuple(tags)

    def updated(self, node: Node) -> date | None:
        if _is_null(node):
            return None
        value = _construct(node)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(node, f"updated '{node.value}' is not a date (YYYY-MM-DD)")
        return None

    def handoff(self, node: Node) -> bool:
        value = _construct(node)
        if not isinstance(value, bool):
            self.problem(node, "handoff must be true or false")
            return False
        return value

    def link_list(self, node: Node) -> tuple[tuple[SopLink, ...], list[tuple[str, int]]]:
        if _is_null(node):
            return (), []
        if not isinstance(node, SequenceNode):
            self.problem(node, "links must be a list")
            return (), []
        links: list[SopLink] = []
        targets: list[tuple[str, int]] = []
        for item in node.value:
            link = self.link(item)
            if link is None:
                continue
            links.append(link)
            if link.entry_id is not None:
                targets.append((link.entry_id, item.start_mark.line + 1))
        return tuple(links), targets

    def link(self, node: Node) -> SopLink | None:
        if not isinstance(node, MappingNode):
            self.problem(node, "each link must be a mapping with 'label' and 'url' or 'entry'")
            return None
        fields = self.mapping(node)
        for key, (key_node, _) in fields.items():
            if key not in LINK_FIELDS:
                self.problem(key_node, f"unknown link field '{key}'")
        if "label" not in fields:
            self.problem(node, "link is missing 'label'")
            return None
        label = self.link_label(fields["label"][1])
        url = self.text(fields["url"][1], "link url") if "url" in fields else None
        target = self.text(fields["entry"][1], "link entry") if "entry" in fields else None
        if ("url" in fields) == ("entry" in fields):
            self.problem(node, "a link needs exactly one of 'url' or 'entry'")
            return None
        if label is None or (url is None and target is None):
            return None
        return SopLink(label=label, url=url, entry_id=target)

    def link_label(self, node: Node) -> dict[str, str] | None:
        if isinstance(node, ScalarNode):
            text = self.text(node, "link label")
            return None if text is None else {language: text for language in self.languages}
        by_language = self.per_language(node, "link label")
        if by_language is None:
            return None
        out = {}
        for language, text_node in by_language.items():
            text = self.text(text_node, f"link label in '{language}'")
            if text is not None:
                out[language] = text
        return out or None


def _construct(node: Node) -> Any:
    try:
        return SafeConstructor().construct_object(node, deep=True)
    except (ConstructorError, ValueError):
        return node.value if isinstance(node, ScalarNode) else None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _read_file(file: Path, languages: tuple[str, ...]) -> _FileReader:
    reader = _FileReader(str(file), languages)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        reader.problem(0, f"not UTF-8 text ({error.reason})")
        return reader
    except OSError as error:
        reader.problem(0, f"cannot read: {error.strerror}")
        return reader
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 0
        reason = error.problem or error.context or "not valid YAML"
        reader.problem(line, f"invalid YAML: {reason}")
        return reader
    except yaml.YAMLError as error:
        reader.problem(0, f"invalid YAML: {error}")
        return reader
    reader.entries = reader.read(root)
    return reader


# --- writing ---------------------------------------------------------------------------


class _SopDumper(yaml.SafeDumper):  # type: ignore[misc]
    """Writes multi-line answers as `|` blocks, the way staff write them by hand."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_SopDumper.add_representer(str, _represent_text)


def entry_to_mapping(entry: SopEntry) -> dict[str, Any]:
    """An entry as the plain mapping the SOP format describes (optional fields left out)."""
    out: dict[str, Any] = {"id": entry.id, "title": entry.title}
    if entry.tags:
        out["tags"] = list(entry.tags)
    if entry.owner:
        out["owner"] = entry.owner
    if entry.updated:
        out["updated"] = entry.updated
    if entry.handoff:
        out["handoff"] = True
    out["questions"] = {language: list(qs) for language, qs in entry.questions.items()}
    out["answer"] = dict(entry.answers)
    if entry.links:
        links = []
        for link in entry.links:
            item: dict[str, Any] = {"label": dict(link.label)}
            if link.url is not None:
                item["url"] = link.url
            if link.entry_id is not None:
                item["entry"] = link.entry_id
            links.append(item)
        out["links"] = links
    return out


def dumps_entries(entries: Iterable[SopEntry]) -> str:
    """SOP YAML text for the given entries, loadable by `load_sop` into equal entries."""
    document = {"entries": [entry_to_mapping(entry) for entry in entries]}
    return str(
        yaml.dump(
            document,
            Dumper=_SopDumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=100,
        )
    )


def _file_name_for(entry: SopEntry) -> str:
    name = Path(entry.source).name if entry.source else ""
    return name if name.lower().endswith(SOP_SUFFIXES) else "sop.yaml"


def dump_entries(entries: Iterable[SopEntry], directory: Path) -> list[Path]:
    """Write entries as SOP files into `directory` (created if needed) and return the files.

    Entries keep the file name they were loaded from, so an exported SOP looks like
    the one staff wrote; entries approved in the bot (no source) go to `sop.yaml`.
    Existing files of the same name are overwritten.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[SopEntry]] = {}
    for entry in entries:
        groups.setdefault(_file_name_for(entry), []).append(entry)
    written = []
    for name, group in sorted(groups.items()):
        target = directory / name
        target.write_text(dumps_entries(group), encoding="utf-8")
        written.append(target)
    return written


def iter_problems(load: SopLoad) -> Iterator[str]:
    """Problems as the lines `bot sop check` prints."""
    return (str(problem) for problem in load.problems)
