"""Requests released together from many threads: the races the concurrency tests provoke."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

PARALLEL = 20


def all_at_once(call: Callable[[], Any], times: int = PARALLEL) -> list[Any]:
    """`call` from `times` threads released together by a barrier; their results, in submission order."""
    start = threading.Barrier(times)

    def released() -> Any:
        start.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(times) as pool:
        return [future.result(timeout=180) for future in [pool.submit(released) for _ in range(times)]]
