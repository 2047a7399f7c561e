"""Grouped commits: the orders a server process receives together share a transaction.

Each order sent to :meth:`OrderGroups.submit` is checked at once (``to_order``: a bad
order is refused before it queues) and queued; one writer thread takes everything
queued (at most ``max_batch`` orders), records it with ``record_orders`` in one
transaction, commits, and only then answers each order with its own outcome. While
one group commits the next one gathers, so a lone order waits for nothing (and is
written as ``record_order`` writes it), and many concurrent orders pay for one commit
and a few statements per table between them.

- One order's refusal never fails its neighbours (``record_orders``: savepoints).
- An order is answered only after its group is durable: a crash loses only orders not
  yet answered, which their callers send again (the order id is the idempotency key).
- A group that fails whole (the database is gone, the commit fails) answers every
  order of it with that error; none of them was recorded.

The thread starts with the first order and ends after ``idle`` seconds without one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import timedelta

from jifen.domain.bounds import DEFAULT_SKEW
from jifen.domain.programs import Program
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.order_batches import CheckedOrder, record_orders
from jifen.services.earning.order_data import to_order
from jifen.services.earning.orders import order_key, record_order_in
from jifen.services.earning.ports import EarningWork
from jifen.services.earning.views import EarnResult
from jifen.services.idempotency import Keyed
from jifen.services.ports import Clock, KeyScope
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
        if len(group) == 1:
            self._write_alone(group[0])
            return
        try:
            now = self._clock.now()
            with self._uow_factory() as uow:
                outcomes: dict[int, object] = {}
                for program, members in _by_program(group):
                    found = record_orders(
                        uow, self._rulebooks, program, [q.item for q in members], now
                    )
                    outcomes.update(zip(map(id, members), found, strict=True))
                uow.commit()
        except BaseException as exc:  # the whole group failed: say so to each
            for queued in group:
                queued.answer.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for queued in group:
            outcome = outcomes[id(queued)]
            if isinstance(outcome, EarnResult):
                queued.answer.set_result(outcome)
            else:
                assert isinstance(outcome, BaseException)
                queued.answer.set_exception(outcome)

    def _write_alone(self, queued: _Queued) -> None:
        """A lone order: written as ``record_order`` writes it, no batch and no savepoint."""
        cmd, order = queued.item.cmd, queued.item.order
        try:
            now = self._clock.now()
            call = Keyed(queued.program, cmd, order_key(order.order_id), now, scope=KeyScope.JIFEN)
            with self._uow_factory() as uow:
                result = record_order_in(uow, self._rulebooks, call, order)
        except BaseException as exc:  # its outcome
            queued.answer.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        queued.answer.set_result(result)


def _by_program(group: list[_Queued]) -> list[tuple[Program, list[_Queued]]]:
    """The group's orders by programme, in the order each programme first came."""
    found: dict[int, tuple[Program, list[_Queued]]] = {}
    for queued in group:
        found.setdefault(queued.program.id, (queued.program, []))[1].append(queued)
    return list(found.values())
