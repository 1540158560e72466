"""Group commit for incoming events: what arrives together is handled in one transaction.

Webhook requests and gateway events arrive concurrently. Each caller submits its
event and waits for its own actions; one worker takes whatever is queued at that
moment and hands it to `Core.handle_batch`. Under light load a batch is one event
and nothing waits; under heavy load batches grow by themselves and the database
sees one transaction per batch instead of one per message.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from bot.actions import Action
from bot.core import Core
from bot.events import Event


@dataclass(slots=True)
class _Pending:
    event: Event
    done: asyncio.Future[list[Action]]


class EventBatcher:
    def __init__(self, core: Core, max_batch: int = 200) -> None:
        self.core = core
        self.max_batch = max_batch
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, event: Event) -> list[Action]:
        """Handle `event` (with whatever else is waiting) and return its actions."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="event-batcher")
        pending = _Pending(event, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(pending)
        return await pending.done

    async def close(self) -> None:
        """Finish what is queued, then stop the worker."""
        if self._worker is not None and not self._worker.done():
            await self._queue.join()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _work(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                results = await self.core.handle_batch([item.event for item in batch])
            except Exception as exc:  # the database is down: every caller hears it, none hangs
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(exc)
                    self._queue.task_done()
                continue
            for item, actions in zip(batch, results, strict=True):
                if not item.done.done():
                    item.done.set_result(actions)
                self._queue.task_done()
