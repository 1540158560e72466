"""Configuration: environment, TOML file, clear errors with exit code 2, secrets kept secret."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.registry import build_adapters
from bot.clock import SystemClock
from bot.config import ConfigError, load_settings


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin, capture_output=True, text=True, env={**base, **(env or {})}, cwd=cwd, timeout=120,
    )


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.telegram.token is None and settings.default_language == "id"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "bot.toml"
    config.write_text('default_language = "en"\n[http]\nport = 9000\n[telegram]\nmode = "webhook"\n')
    monkeypatch.setenv("BOT_HTTP__PORT", "9100")
    settings = load_settings(config)
    assert settings.default_language == "en"
    assert settings.http.port == 9100
    assert settings.telegram.mode == "webhook"


def test_plain_database_urls_get_the_async_driver() -> None:
    assert load_settings(database_url="postgres://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
    assert load_settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"


def test_invalid_value_names_the_key_and_what_was_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TELEGRAM__MODE", "carrier-pigeon")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "telegram.mode" in message and "BOT_TELEGRAM__MODE" in message
    assert "'polling' or 'webhook'" in message and "carrier-pigeon" in message


def test_the_semantic_runtime_is_onnx_unless_torch_is_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().support.runtime == "onnx" and load_settings().support.model_cache is None
    config = tmp_path / "bot.toml"
    config.write_text(f'[support]\nencoder = "semantic"\nruntime = "torch"\nmodel_cache = "{tmp_path / "cache"}"\n')
    support = load_settings(config).support
    assert support.runtime == "torch" and support.model_cache == tmp_path / "cache"
    monkeypatch.setenv("BOT_SUPPORT__RUNTIME", "tensorflow")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert "support.runtime" in message and "'onnx' or 'torch'" in message and "tensorflow" in message


def test_secrets_never_show_in_repr_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "123456789:AAE-secret-token-value-abcdefghijk"
    settings = load_settings(telegram={"token": token})
    assert token not in repr(settings) and token not in str(settings.model_dump())
    monkeypatch.setenv("BOT_TELEGRAM__TOKEN", "not-a-token-but-still-secret")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "not-a-token-but-still-secret" not in str(caught.value)
    assert "telegram.token" in str(caught.value)


def test_cli_reports_bad_config_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    result = run_cli("db", "current", env={"BOT_HTTP__PORT": "eighty"})
    assert result.returncode == 2
    assert "http.port" in result.stderr and "BOT_HTTP__PORT" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_cli_reports_unknown_key_and_broken_toml(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[telegram]\ntokn = 'x'\n")
    result = run_cli("db", "current", "--config", str(unknown))
    assert result.returncode == 2 and "telegram.tokn" in result.stderr and "unknown setting" in result.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("[telegram\n")
    result = run_cli("db", "current", "--config", str(broken))
    assert result.returncode == 2 and "not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr
    missing = run_cli("db", "current", "--config", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_platforms_without_tokens_are_not_started_and_say_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.adapters"):
        adapters = build_adapters(load_settings(), SystemClock())
    assert adapters == []
    messages = " ".join(record.getMessage() for record in caplog.records)
    for platform in ("telegram", "discord", "whatsapp"):
        assert f"{platform} not started" in messages
