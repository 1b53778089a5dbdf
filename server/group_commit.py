"""Group commit: requests that arrive together are written together, in one transaction.

A commit is the slow part of storing a submission (a disk flush, a lock). While one batch
is being written, in a worker thread, the requests that arrive meanwhile queue up here and
go into the next transaction together. Under load the batches grow; when it is quiet each
request still gets its own transaction at once, with no waiting for others. Every request
is answered only after the transaction holding it committed, as before.

One writer per process: SQLite has one writer at a time anyway, and on PostgreSQL one
commit of many rows costs about what one row costs (bench/submissions.py).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

import anyio

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Queue:
    """The requests one event loop has waiting, and the task writing them."""

    def __init__(self):
        self.waiting: list[tuple[object, asyncio.Future]] = []
        self.writer: asyncio.Task | None = None


class GroupCommit(Generic[Item, Result]):
    """``await group(item)`` is ``write([item])[0]``, sharing ``write`` calls with the other
    requests waiting at the same time. ``write`` takes a list of items and returns one result
    per item; an Exception as a result is raised to that item's caller only.

    A server process has one event loop; tests may run several, one after another or at
    once, so each loop gets its own queue and writer."""

    def __init__(self, write: Callable[[list[Item]], list[Result | Exception]], max_batch: int = 100):
        self._write = write
        self._max_batch = max_batch
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()

    async def __call__(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future = loop.create_future()
        queue.waiting.append((item, future))
        if queue.writer is None or queue.writer.done():
            queue.writer = loop.create_task(self._write_all(queue))
        # if this request goes away (the client hung up), its item is still written: the
        # client's retry then gets the usual replay answer
        result = await future
        if isinstance(result, Exception):
            raise result
        return result

    async def _write_all(self, queue: _Queue) -> None:
        while queue.waiting:
            batch = queue.waiting[:self._max_batch]
            del queue.waiting[:self._max_batch]
            try:
                results = await anyio.to_thread.run_sync(self._write, [item for item, _ in batch])
            except BaseException as exc:  # the whole write failed (or the server is stopping)
                fault = exc if isinstance(exc, Exception) else RuntimeError("the server stopped while writing")
                self._settle(batch, [fault] * len(batch))
                if not isinstance(exc, Exception):
                    for _, future in queue.waiting:  # nobody is left to write these
                        if not future.done():
                            future.set_result(fault)
                    queue.waiting.clear()
                    raise
                continue
            self._settle(batch, results)

    @staticmethod
    def _settle(batch: list[tuple[object, asyncio.Future]], results: list) -> None:
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
