"""The base of every repository of a write-behind batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from jifen.services.earning.ports import EarningWork
from jifen.services.earning.write_behind.batch import Batch

R = TypeVar("R")


class Through(Generic[R]):
    """One repository of the wrapped unit of work, as the batch sees it.

    A method the batch keeps works on ``batch``; any other is a pass-through:
    ``self.written().method(...)`` writes what is kept, then calls the wrapped
    repository, so it reads every earlier write and its own write comes after them.
    """

    def __init__(self, batch: Batch, repository: Callable[[EarningWork], R]) -> None:
        self.batch = batch
        self._repository = repository

    @property
    def db(self) -> R:
        """The wrapped repository, with nothing written first (reads the batch may take early)."""
        return self._repository(self.batch.inner)

    def written(self) -> R:
        """The wrapped repository, once everything kept is written (but the counts of
        leaderboards' scores, which nothing reads: they wait for the batch's last write)."""
        self.batch.flush(counts=False)
        return self.db
