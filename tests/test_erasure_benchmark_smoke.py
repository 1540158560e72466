"""A short run of `bench.erasure`, so it keeps working (its figures come from the real runs)."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.config import PROJECT_ROOT


def run_erasure_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench.erasure", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300)


def test_the_erasure_benchmark_erases_people_and_purges_half_the_history() -> None:
    done = run_erasure_bench("--rows", "200", "--people", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert (result["db"], result["rows"], result["people"], result["purged_lines"]) == ("sqlite", 200, 2, 100)
    assert result["erase_ms"]["max"] >= result["erase_ms"]["p50"] > 0 and result["purge_ms"] > 0


def test_the_erasure_benchmark_refuses_bad_arguments_in_one_line() -> None:
    refused = run_erasure_bench("--people", "0")
    assert refused.returncode == 2 and refused.stderr.strip().splitlines() == [
        "bench.erasure: --rows must be 0 or more and --people at least 1"]
