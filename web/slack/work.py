"""The threads Slack work runs on after the 200: Slack wants its acknowledgement within 3 seconds, and an answer
(the model, the database, Slack's API) may take longer. Bolt hands every listener to this executor; it also
knows when everything handed to it is done, which tests wait for instead of sleeping."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Answering is mostly CPU in this process (the model); more threads would only queue behind each other.
THREADS = 4


class BackgroundWork(ThreadPoolExecutor):
    def __init__(self, threads: int = THREADS) -> None:
        super().__init__(max_workers=threads, thread_name_prefix="answerdesk-slack")
        self._pending: set[Future[object]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)  # type: ignore[arg-type]
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[T]) -> None:
        with self._lock:
            self._pending.discard(future)  # type: ignore[arg-type]

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until nothing is running or queued, work started by work included; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            remaining = deadline - time.monotonic()
            if not pending:
                return True
            if remaining <= 0:
                return False
            wait(pending, timeout=remaining)
