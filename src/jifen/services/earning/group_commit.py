"""Grouped commits: the orders a server process receives together share a transaction.

Each order sent to :meth:`OrderGroups.submit` is checked at once (``to_order``: a bad
order is refused before it queues) and queued; one writer thread takes everything
queued (at most ``max_batch`` orders), records it as one batch (``record_orders_in``:
its reads in one round trip, its writes sent with the commit in another), and only
then answers each order with its own outcome. While one group commits the next one
gathers, so a lone order waits for nothing (it is a batch of one), and many
concurrent orders pay for one commit and a statement or two per table between them.

- One order's refusal never fails its neighbours: an order that cannot be recorded
  (a replay, an unknown member, an order id used for other details) is settled
  without touching the rest; if the batch fails whole, it is undone and every order
  is recorded again alone, in a savepoint of its own (``record_each``).
- An order is answered only after its group is durable: a crash loses only orders not
  yet answered, which their callers send again (the order id is the idempotency key).
- A group that cannot be written at all (the database is gone) answers every order
  of it with that error; none of them was recorded.

The thread starts with the first order and ends after ``idle`` seconds without one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jifen.domain.bounds import DEFAULT_SKEW
from jifen.domain.errors import Unavailable
from jifen.domain.programs import Program
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.order_batches import CheckedOrder, record_each, record_orders_in
from jifen.services.earning.order_data import to_order
from jifen.services.earning.ports import EarningWork
from jifen.services.earning.views import EarnResult
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks

#: The most orders one transaction takes: enough to pay for a commit many times over,
#: few enough that a group's locks are held briefly
MAX_BATCH = 64


@dataclass
class _Queued:
    program: Program
    item: CheckedOrder
    answer: Future[EarnResult] = field(default_factory=Future)


class OrderGroups:
    """Orders recorded in groups by one writer thread; see the module's docstring."""

    def __init__(
        self,
        uow_factory: Callable[[], EarningWork],
        clock: Clock,
        rulebooks: Rulebooks,
        *,
        skew: timedelta = DEFAULT_SKEW,
        max_batch: int = MAX_BATCH,
        idle: float = 5.0,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rulebooks = rulebooks
        self._skew = skew
        self._max_batch = max_batch
        self._idle = idle
        self._queue: deque[_Queued] = deque()
        self._ready = threading.Condition()
        self._writer: threading.Thread | None = None
        #: how many orders each group held, the latest last (kept short): for tests and stats
        self.sizes: deque[int] = deque(maxlen=1024)

    def submit(self, program: Program, cmd: PlaceOrder) -> Future[EarnResult]:
        """The order's answer, to come; ``InvalidInput`` at once if it is not an order."""
        order = to_order(cmd, program.currency, self._clock.now(), self._skew)
        queued = _Queued(program, CheckedOrder(cmd, order))
        with self._ready:
            self._queue.append(queued)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._run, name="jifen-order-groups", daemon=True
                )
                self._writer.start()
            self._ready.notify()
        return queued.answer

    def _run(self) -> None:
        while True:
            with self._ready:
                if not self._queue and not self._ready.wait_for(
                    lambda: bool(self._queue), self._idle
                ):
                    self._writer = None  # the next order starts a new one
                    return
                n = min(len(self._queue), self._max_batch)
                group = [self._queue.popleft() for _ in range(n)]
            self.sizes.append(len(group))
            self._write(group)

    def _write(self, group: list[_Queued]) -> None:
        now = self._clock.now()
        try:
            outcomes = self._together(group, now)
        except Unavailable as exc:  # no database: no order of it was recorded
            self._answer_all(group, exc)
            return
        except Exception as exc:
            if len(group) == 1:  # a lone order's failure is its outcome
                self._answer_all(group, exc)
                return
            try:  # undone whole: each order again, alone, so that one fails alone
                outcomes = self._each(group, now)
            except Exception as again:
                self._answer_all(group, again)
                return
        except BaseException as exc:
            self._answer_all(group, exc)
            raise
        for queued in group:
            outcome = outcomes[id(queued)]
            if isinstance(outcome, EarnResult):
                queued.answer.set_result(outcome)
            else:
                assert isinstance(outcome, BaseException)
                queued.answer.set_exception(outcome)

    def _together(self, group: list[_Queued], now: datetime) -> dict[int, object]:
        """The group as one batch (a batch per programme), its writes sent with the
        commit; any exception: nothing of it was recorded."""
        outcomes: dict[int, object] = {}
        with self._uow_factory() as uow:
            parts = _by_program(group)
            for n, (program, members) in enumerate(parts):
                found = record_orders_in(
                    uow,
                    self._rulebooks,
                    program,
                    [q.item for q in members],
                    now,
                    commit=n == len(parts) - 1,
                )
                outcomes.update(zip(map(id, members), found, strict=True))
        return outcomes

    def _each(self, group: list[_Queued], now: datetime) -> dict[int, object]:
        """Each order of the group alone, in a savepoint of its own, in one transaction."""
        outcomes: dict[int, object] = {}
        with self._uow_factory() as uow:
            for program, members in _by_program(group):
                found = record_each(uow, self._rulebooks, program, [q.item for q in members], now)
                outcomes.update(zip(map(id, members), found, strict=True))
            uow.commit()
        return outcomes

    @staticmethod
    def _answer_all(group: list[_Queued], exc: BaseException) -> None:
        for queued in group:
            queued.answer.set_exception(exc)


def _by_program(group: list[_Queued]) -> list[tuple[Program, list[_Queued]]]:
    """The group's orders by programme, in the order each programme first came."""
    found: dict[int, tuple[Program, list[_Queued]]] = {}
    for queued in group:
        found.setdefault(queued.program.id, (queued.program, []))[1].append(queued)
    return list(found.values())
