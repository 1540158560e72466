"""How often are customers told "I only speak Indonesian or English", rightly and wrongly?

    python -m bench.other_language_flags [--cases FILE ...]

`bot/sop/other_language.py` decides whether a message the SOP did not cover is
clearly in another language. This counts, on held-out customer messages, how many
it flags: those written in regional styles (`regional:` in the case files:
Javanese, Sundanese, Malay, Betawi, Medan) and, the figure that matters, all
the others, which must almost never be flagged. One JSON object per file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from bot.config import PROJECT_ROOT
from bot.sop.other_language import other_language

DEFAULT_CASES = (
    *sorted((PROJECT_ROOT / "bench" / "datasets").glob("*/messages.yaml")),
    PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml",
)


def cases_of(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = data.get("cases", []) if isinstance(data, dict) else data
    return [case for case in cases if isinstance(case, dict) and isinstance(case.get("text"), str)]


def flags(path: Path) -> dict[str, Any]:
    regional = other = regional_flagged = 0
    wrongly: list[str] = []
    for case in cases_of(path):
        flagged = other_language(case["text"]) is not None
        if case.get("regional"):
            regional += 1
            regional_flagged += flagged
        else:
            other += 1
            if flagged:
                wrongly.append(case["text"])
    return {
        "cases": str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path),
        "regional": regional,
        "regional_flagged": regional_flagged,
        "others": other,
        "others_flagged": len(wrongly),
        "others_flagged_examples": wrongly[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=Path, nargs="*", default=list(DEFAULT_CASES))
    for path in parser.parse_args().cases:
        print(json.dumps(flags(path), ensure_ascii=False))


if __name__ == "__main__":
    main()
