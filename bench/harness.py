"""Timing helpers: repeated runs, median with min and max, ratios to a ceiling."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    runs: list[float]
    ceiling_name: str
    ceiling_runs: list[float]
    command: str
    target: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def ceiling(self) -> float:
        return statistics.median(self.ceiling_runs)

    @property
    def ratio(self) -> float:
        return self.median / self.ceiling

    @property
    def noisy(self) -> bool:
        spread = (max(self.runs) - min(self.runs)) / self.median
        return spread > 0.25


def rate(count: int, work: Callable[[int], None], clients: int = 1) -> float:
    """Operations per second of ``work(i)`` for i in range(count), over ``clients`` threads."""
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def client(offset: int) -> None:
        barrier.wait()
        try:
            for i in range(offset, count, clients):
                work(i)
        except BaseException as exc:  # reported below, never hidden
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return count / elapsed


def repeat(times: int, measure: Callable[[int], float]) -> list[float]:
    return [measure(run) for run in range(times)]
