"""The command line: `bot run`, `bot chat`, `bot db ...`, `bot sop ...`, `bot roles ...`, `bot outbox ...`.

Every command reads settings the same way (environment, then `--config FILE`) and
turns any configuration or input problem into one clear line and exit code 2.
"""

from bot.cli.main import app, main

__all__ = ["app", "main"]
