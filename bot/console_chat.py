"""`bot chat`: talk to the bot as a customer, interactively or from piped input."""

from __future__ import annotations

import asyncio
from typing import TextIO

from bot.adapters.console import ConsoleAdapter
from bot.app import Runtime
from bot.delivery import OutboxSender


async def chat(runtime: Runtime, stdin: TextIO, stdout: TextIO, *, user: str, language: str | None) -> None:
    """Read lines until end of input; after each, print every reply before reading on."""
    interactive = stdin.isatty()
    console = ConsoleAdapter(stdout, user=user, language=language, prompt_prefix="bot> ")
    sender = OutboxSender(
        runtime.store, {console.platform: console}, runtime.clock, runtime.settings.outbox,
        feedback=runtime.core.handle,
    )
    await sender.drain()  # replies a previous session left undelivered
    if interactive:
        stdout.write("Ketik pertanyaan Anda (Ctrl-D untuk keluar) / Type your question (Ctrl-D to quit).\n")
    while True:
        if interactive:
            stdout.write("you> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        event = console.parse(line, runtime.clock.now())
        if event is None:
            continue
        await runtime.core.handle(event)
        await sender.drain()
    if interactive:
        stdout.write("\n")
