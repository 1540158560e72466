"""A database the bot cannot use is one line on stderr and exit code 2, for every command.

The operator sees what to fix (the URL without its password and the setting that holds
it, the file and why it cannot be written), never a 200-line traceback. Permission
cases run the real command line in a subprocess; as root they drop the capability that
lets root write anywhere, so a read-only folder is read-only for the test too.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.config import PROJECT_ROOT
from tests.conftest import POSTGRES_URL

SECRET = "s3cr3t-pw"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def every_command(tmp_path: Path) -> list[list[str]]:
    """One invocation of each command that touches the database."""
    return [
        ["chat"],
        ["run"],
        ["db", "upgrade"],
        ["db", "downgrade", "base"],
        ["db", "current"],
        ["sop", "reload"],
        ["sop", "gaps"],
        ["sop", "drafts"],
        ["sop", "export", str(tmp_path / "exported")],
        ["roles", "list"],
        ["roles", "grant", "telegram:123456789", "agent"],
        ["roles", "revoke", "telegram:123456789", "agent"],
        ["report"],
        ["outbox", "status"],
        ["outbox", "failed"],
        ["outbox", "retry", "1"],
        ["privacy", "forget", "telegram:123456789"],
        ["privacy", "purge", "--days", "30"],
    ]


def invoke(args: list[str], url: str) -> Result:
    return CliRunner().invoke(app, args, env={"BOT_DATABASE_URL": url}, input="")


def assert_one_line(result: Result, expected: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.stderr.splitlines() == [expected]
    assert "Traceback" not in result.stdout + result.stderr


def test_every_command_names_an_unreachable_postgresql_in_one_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://sopbot:{SECRET}@127.0.0.1:{port}/sopbot"
    expected = (
        f"cannot connect to the database at postgresql://sopbot@127.0.0.1:{port}/sopbot "
        "(database_url / BOT_DATABASE_URL): connection refused"
    )
    for args in every_command(tmp_path):
        result = invoke(args, url)
        assert SECRET not in result.stdout + result.stderr, args
        assert_one_line(result, expected)


@pytest.fixture
def postgres_server() -> tuple[str, int]:
    if not POSTGRES_URL:
        pytest.skip("needs BOT_TEST_POSTGRES_URL")
    parts = urlsplit(POSTGRES_URL.replace("+asyncpg", ""))
    return parts.hostname or "127.0.0.1", parts.port or 5432


def test_a_missing_postgresql_role_or_database_says_what_to_create(postgres_server: tuple[str, int]) -> None:
    host, port = postgres_server
    no_role = invoke(["roles", "list"], f"postgresql://nobody_here:{SECRET}@{host}:{port}/sopbot")
    assert_one_line(
        no_role,
        f"cannot connect to the database at postgresql://nobody_here@{host}:{port}/sopbot "
        '(database_url / BOT_DATABASE_URL): role "nobody_here" does not exist '
        "(create it: createuser --pwprompt nobody_here)",
    )
    admin = urlsplit(POSTGRES_URL.replace("+asyncpg", "") if POSTGRES_URL else "").username
    no_database = invoke(["report"], f"postgresql://{admin}@{host}:{port}/no_such_database")
    assert_one_line(
        no_database,
        f"cannot connect to the database at postgresql://{admin}@{host}:{port}/no_such_database "
        '(database_url / BOT_DATABASE_URL): database "no_such_database" does not exist '
        f"(create it: createdb --owner {admin} no_such_database)",
    )


def migrated(path: Path) -> str:
    url = f"sqlite:///{path}"
    result = invoke(["db", "upgrade"], url)
    assert result.exit_code == 0, result.stderr
    return url


def test_a_sqlite_file_opened_read_only_cannot_be_written(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    migrated(path)
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    assert invoke(["roles", "list"], read_only).exit_code == 0  # reading is fine
    for args in (["roles", "grant", "telegram:123456789", "agent"], ["privacy", "purge", "--days", "30"]):
        assert_one_line(invoke(args, read_only), f"cannot write {path}: read-only")


def test_a_database_path_that_cannot_be_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    assert_one_line(
        invoke(["roles", "list"], f"sqlite:///{tmp_path / 'data' / 'bot.db'}"),
        f"cannot create {tmp_path / 'data' / 'bot.db'}: {tmp_path / 'data'} is a file, not a folder",
    )
    (tmp_path / "folder.db").mkdir()
    assert_one_line(
        invoke(["chat"], f"sqlite:///{tmp_path / 'folder.db'}"),
        f"cannot open {tmp_path / 'folder.db'}: it is a folder, not a database file",
    )


def test_a_database_locked_longer_than_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    migrated(path)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        result = invoke(["roles", "grant", "telegram:123456789", "agent"], f"sqlite:///{path}?timeout=0.2")
    finally:
        holder.close()
    assert_one_line(
        result,
        f"cannot use {path}: locked by another process for longer than the busy timeout; "
        "try again when it has finished",
    )


def test_a_database_from_a_newer_version_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    url = migrated(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    for args in (["chat"], ["db", "upgrade"], ["report"]):
        result = invoke(args, url)
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith(
            f"the database {path} is at revision 0099_future, which this version of sopbot does not know"
        )
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0099_future",)


def test_an_unknown_target_revision_and_a_missing_config_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert_one_line(
        invoke(["db", "upgrade", "nosuchrev"], url),
        "database upgrade failed: Can't locate revision identified by 'nosuchrev'",
    )
    missing = tmp_path / "nowhere.toml"
    for args in (["chat"], ["roles", "list"], ["privacy", "purge"]):
        assert_one_line(invoke([*args, "--config", str(missing)], url), f"config file {missing} does not exist")


# ---- permissions, in a real process ------------------------------------------------------------


def run_cli(args: list[str], cwd: Path, url: str) -> subprocess.CompletedProcess[str]:
    """`bot ARGS` in a subprocess; as root, without the capabilities that ignore file permissions."""
    command = [sys.executable, "-m", "bot", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root needs setpriv to drop CAP_DAC_OVERRIDE")
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    env["BOT_DATABASE_URL"] = url
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def data_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)
    for child in folder.iterdir():
        child.chmod(0o644)


def assert_one_line_from(process: subprocess.CompletedProcess[str], expected: str) -> None:
    assert process.returncode == 2, (process.stdout, process.stderr)
    assert process.stderr.splitlines() == [expected]


def test_a_read_only_data_folder_stops_every_command_with_one_line(tmp_path: Path, data_folder: Path) -> None:
    data_folder.chmod(0o555)
    process = run_cli(["chat"], tmp_path, "sqlite:///data/bot.db")
    assert_one_line_from(process, "cannot write data/bot.db: read-only (the folder data does not allow creating files)")


def test_a_database_in_a_read_only_folder_cannot_keep_its_journal(tmp_path: Path, data_folder: Path) -> None:
    migrated(data_folder / "bot.db")
    for extra in data_folder.glob("bot.db-*"):
        extra.unlink()
    data_folder.chmod(0o555)
    process = run_cli(["roles", "list"], tmp_path, "sqlite:///data/bot.db")
    assert_one_line_from(
        process,
        "cannot write data/bot.db: read-only (the folder data does not allow writing; SQLite also writes "
        "bot.db-wal there)",
    )


def test_a_read_only_database_file_refuses_writes_in_one_line(tmp_path: Path, data_folder: Path) -> None:
    migrated(data_folder / "bot.db")
    (data_folder / "bot.db").chmod(0o444)
    process = run_cli(["roles", "grant", "telegram:123456789", "supervisor"], tmp_path, "sqlite:///data/bot.db")
    assert_one_line_from(process, "cannot write data/bot.db: read-only")


# ---- the example configuration --------------------------------------------------------------


def test_the_example_configuration_chats_as_shipped_and_run_says_what_to_set(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "examples", tmp_path / "examples")
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--config", "examples/bot.toml"],
        cwd=tmp_path, env=env, input="halo\n", capture_output=True, text=True, timeout=120, check=False,
    )
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.startswith("bot> Halo!") and (tmp_path / "data" / "bot.db").is_file()
    run = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", "examples/bot.toml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "examples/bot.toml: telegram.token, telegram.secret_token, discord.token, whatsapp.access_token, "
        "whatsapp.app_secret, whatsapp.verify_token still hold the example's placeholder (replace-…): "
        "set your own (e.g. BOT_TELEGRAM__TOKEN) or remove what you do not use"
    ]
