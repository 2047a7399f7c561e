"""``jifen import`` in lanes: one process a lane, forked from the command (``imports.lanes``).

Each lane process runs the import service on its own rows and tells the command
what it did through a queue: its progress and rejected rows after every
committed batch, then its summary or its error. The command writes the rejects
file, draws the progress bar, and, once every lane is through, finishes the
lanes' checkpoints together.

- Ctrl-C stops the command's lanes after their current batch (the lanes
  themselves ignore it: the command tells them), and the command says how to
  resume.
- A lane that fails stops the others after their current batch; its error is
  the command's.
- A lane whose command is gone (killed) stops after its current batch.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from jifen.domain.errors import JifenError, Unavailable
from jifen.domain.programs import Program
from jifen.services import imports
from jifen.services.imports import ImportSummary, Lane, Rejected

if TYPE_CHECKING:
    from jifen.bootstrap import Jifen
    from jifen.entrypoints.cli.imports import Kind, Source

#: how long the command waits for a lane's last words once its process has ended
LAST_WORDS = 5.0
Progress = Callable[[int, int, float], None]  # (mean position in the file, rows, seconds)


class LaneInterrupted(Exception):
    """Ctrl-C: every lane stopped after its current batch; the summary of them all, if
    every lane had reported one."""

    def __init__(self, summary: ImportSummary | None) -> None:
        super().__init__("interrupted")
        self.summary = summary


class _Stopped(Exception):
    """Asked to stop (Ctrl-C, another lane failed)."""


class _Orphaned(_Stopped):
    """The command is gone."""


@dataclass(frozen=True)
class Job:
    jf: Jifen
    kind: Kind
    program: Program
    source: Source
    batch_size: int


def run_in_lanes(
    job: Job,
    count: int,
    progress: Progress,
    rejects: Callable[[Sequence[Rejected]], None] | None,
) -> ImportSummary:
    """Import ``job``'s file in ``count`` lane processes; see the module's docstring."""
    started = time.monotonic()
    context = multiprocessing.get_context("fork")  # the lanes share the command's setup
    state = _Lanes(context.Queue(), context.Event())
    job.jf.engine.dispose()  # no connection of the command's is handed down to a lane
    # Ctrl-C only raises a flag, from before the first fork on: never a KeyboardInterrupt
    # in the middle of reading a message, nor of starting the lanes
    asked = signal.signal(signal.SIGINT, state.interrupt)
    try:
        for lane in imports.lanes(count):
            child: BaseProcess = context.Process(target=_lane, args=(job, lane, state, os.getpid()))
            state.children[lane.index] = child
            child.start()
        while len(state.ended) < count:
            if state.interrupted:
                state.stop.set()
            _listen(state, progress, rejects, started)
    except BaseException:
        # the command cannot go on (its rejects file cannot be written, its terminal is
        # gone): the lanes stop after their batch, and their reports are read to the end,
        # or a lane would wait at its exit for a full pipe to empty
        state.stop.set()
        _drain(state)
        raise
    finally:
        signal.signal(signal.SIGINT, asked)
        for child in state.children.values():
            child.join()
    summary = imports.merged(list(state.summaries.values()), time.monotonic() - started)
    if state.error is not None:
        raise state.error
    if state.interrupted or "interrupted" in state.ended.values():
        # how far every lane is, if every lane has said so (one that had committed
        # nothing, and said nothing, may have resumed from an earlier run's checkpoint)
        raise LaneInterrupted(summary if len(state.summaries) == count else None)
    imports.finish_lanes(job.jf.uow, job.jf.clock, job.program, job.source.identity, count)
    return summary


@dataclass
class _Lanes:
    messages: Any  # (what, lane, payload): batch, done, interrupted, failed
    stop: Any  # set: every lane stops after its current batch
    children: dict[int, BaseProcess] = field(default_factory=dict)
    summaries: dict[int, ImportSummary] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)
    ended: dict[int, str] = field(default_factory=dict)  # lane -> done, interrupted, failed
    silent_since: dict[int, float] = field(default_factory=dict)
    error: BaseException | None = None
    interrupted: bool = False

    def interrupt(self, signum: int, frame: object) -> None:
        self.interrupted = True  # the loop tells the lanes (an Event's lock is not reentrant)

    def fail(self, index: int, error: BaseException) -> None:
        self.ended[index] = "failed"
        if self.error is None:
            self.error = error
        self.stop.set()


def _listen(
    state: _Lanes,
    progress: Progress,
    rejects: Callable[[Sequence[Rejected]], None] | None,
    started: float,
) -> None:
    try:
        what, index, payload = state.messages.get(timeout=0.2)
    except queue.Empty:
        _notice_silent_ends(state)
        return
    if what == "batch":
        position, summary, rejected = payload
        state.positions[index], state.summaries[index] = position, summary
        if rejected and rejects is not None:
            rejects(rejected)
        rows = sum(s.rows for s in state.summaries.values())
        position = sum(state.positions.values()) // len(state.children)
        progress(position, rows, time.monotonic() - started)
    elif what == "failed":
        state.fail(index, payload)
    else:
        state.ended[index] = what
        if payload is not None:
            state.summaries[index] = payload


def _drain(state: _Lanes) -> None:
    """Read and drop the lanes' reports until every lane process has ended."""
    while any(child.is_alive() for child in state.children.values()):
        with contextlib.suppress(queue.Empty):
            state.messages.get(timeout=0.2)


def _notice_silent_ends(state: _Lanes) -> None:
    """A lane whose process ended without its last words (killed): the import fails."""
    now = time.monotonic()
    for index, child in state.children.items():
        if index in state.ended or child.exitcode is None:
            continue
        since = state.silent_since.setdefault(index, now)  # its words may be in the pipe yet
        if now - since > LAST_WORDS:
            state.fail(
                index,
                Unavailable(
                    f"lane {index} of the import stopped (exit status {child.exitcode}); "
                    "every committed batch is kept: run the same command again to resume"
                ),
            )


def _lane(job: Job, lane: Lane, state: _Lanes, parent: int) -> None:
    """One lane's process: the import service on this lane's rows."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command says when to stop
    job.jf.engine.dispose(close=False)  # the command's pool is its own (none is open)
    messages, pending = state.messages, list[Rejected]()

    def each_batch(summary: ImportSummary) -> None:
        # a copy: the queue sends it later, from a thread, and the runner goes on with it
        sent = replace(summary, examples=list(summary.examples))
        messages.put(("batch", lane.index, (job.source.position, sent, list(pending))))
        pending.clear()
        if os.getppid() != parent:
            raise _Orphaned
        if state.stop.is_set():
            raise _Stopped

    kwargs: dict[str, Any] = {"skew": job.jf.clock_skew} if job.kind.takes_skew else {}
    try:
        summary = job.kind.run(
            job.jf.uow,
            job.jf.clock,
            job.jf.rulebooks,
            job.program,
            job.source.rows(),
            batch_size=job.batch_size,
            progress=each_batch,
            checkpoint=job.source.identity,
            rejects=pending.extend,
            lane=lane,
            **kwargs,
        )
    except _Orphaned:
        pass  # nobody is there to tell
    except _Stopped:
        messages.put(("interrupted", lane.index, None))
    except (JifenError, Unavailable) as exc:
        messages.put(("failed", lane.index, exc))
    except Exception as exc:
        messages.put(("failed", lane.index, RuntimeError(f"lane {lane.index}: {exc!r}")))
    else:
        messages.put(("done", lane.index, summary))
    if os.getppid() != parent:
        # nobody reads the queue any more: exit without waiting for what is unsent to fit
        # in its pipe (the lanes hold its reading end too, so a full pipe never empties)
        messages.cancel_join_thread()
