"""``jifen import`` in lanes: one process a lane, forked from the command (``imports.lanes``).

Each lane process runs the import service on its own rows and tells the command
what it did through a pipe of its own: its progress and rejected rows after every
committed batch, then its summary or its error. The command writes the rejects
file, draws the progress bar, and, once every lane is through, finishes the
lanes' checkpoints together.

A lane's pipe has one writer, the lane (the command and the other lanes close their
copies of its writing end), and one reader, the command. So a lane that dies, even
in the middle of a report, ends its pipe: the command reads the end at once (a
shared queue's pipe would have been held open by the others, and half a report in
it would have stalled the command for ever). And a lane whose command is gone finds
its pipe broken at its next report.

- Ctrl-C stops the command's lanes after their current batch (the lanes
  themselves ignore it: the command tells them), and the command says how to
  resume.
- A lane that fails stops the others after their current batch; its error is
  the command's.
- A lane whose command is gone (killed) stops after its current batch.
- A lane that dies without its last words (kill -9) fails the import.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from jifen.domain.errors import JifenError, Unavailable
from jifen.domain.programs import Program
from jifen.services import imports
from jifen.services.imports import ImportSummary, Lane, Rejected

if TYPE_CHECKING:
    from jifen.bootstrap import Jifen
    from jifen.entrypoints.cli.imports import Kind, Source

#: how often the command looks at a Ctrl-C while its lanes say nothing
TICK = 0.2
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
class _Flag:
    """A flag the command sets and its lanes read, with no lock."""

    value: Any  # multiprocessing.RawValue(c_bool)

    def set(self) -> None:
        self.value.value = True

    def is_set(self) -> bool:
        return bool(self.value.value)


@dataclass(frozen=True)
class _Pipe:
    """A lane's pipe: the command reads, the lane writes."""

    reader: Connection
    writer: Connection


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
    pipes = {lane.index: _Pipe(*context.Pipe(duplex=False)) for lane in imports.lanes(count)}
    # a flag in shared memory, read and written without a lock: a lane killed while it
    # looks at it leaves nothing held (an Event's lock would be held for ever)
    state = _Lanes({}, _Flag(context.RawValue(ctypes.c_bool, False)))
    job.jf.engine.dispose()  # no connection of the command's is handed down to a lane
    # Ctrl-C only raises a flag, from before the first fork on: never a KeyboardInterrupt
    # in the middle of reading a message, nor of starting the lanes
    asked = signal.signal(signal.SIGINT, state.interrupt)
    try:
        try:
            for lane in imports.lanes(count):
                args = (job, lane, pipes, state.stop, os.getpid())
                child: BaseProcess = context.Process(target=_lane, args=args)
                child.start()  # if a fork fails, the lanes started so far are read out
                state.children[lane.index] = child
                state.readers[lane.index] = pipes[lane.index].reader
        finally:
            for pipe in pipes.values():
                pipe.writer.close()  # each lane's own is the only one left
        while len(state.ended) < count:
            _listen(state, progress, rejects, started)
    except BaseException:
        # the command cannot go on (its rejects file cannot be written, its terminal is
        # gone): the lanes stop after their batch, and their reports are read to the end,
        # or a lane would wait for ever to write a report into a full pipe
        state.stop.set()
        _drain(state)
        raise
    finally:
        signal.signal(signal.SIGINT, asked)
        for child in state.children.values():
            child.join()
        for reader in pipes.values():
            reader.reader.close()
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
    readers: dict[int, Connection]  # by lane, until its pipe ends: (what, payload) messages
    stop: _Flag  # set: every lane stops after its current batch
    children: dict[int, BaseProcess] = field(default_factory=dict)
    summaries: dict[int, ImportSummary] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)
    ended: dict[int, str] = field(default_factory=dict)  # lane -> done, interrupted, failed
    error: BaseException | None = None
    interrupted: bool = False

    def interrupt(self, signum: int, frame: object) -> None:
        self.interrupted = True
        self.stop.set()  # no lock: safe in a signal handler, between any two statements

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
    """Read what the lanes have said, waiting at most a tick for it."""
    for index in _ready(state, TICK):
        message = _read(state, index)
        if message is None:
            continue
        what, payload = message
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


def _ready(state: _Lanes, timeout: float | None) -> list[int]:
    """The lanes whose pipes have something to read (a message, or their end)."""
    by_reader = {id(r): i for i, r in state.readers.items()}
    return [by_reader[id(r)] for r in wait(list(state.readers.values()), timeout)]


def _read(state: _Lanes, index: int) -> tuple[str, Any] | None:
    """Lane ``index``'s next message; None at the end of its pipe (the lane has exited),
    which fails the import if the lane had not said how it ended (it was killed)."""
    try:
        message: tuple[str, Any] = state.readers[index].recv()
    except (EOFError, OSError):  # OSError: the pipe ended in the middle of a message
        del state.readers[index]
        if index not in state.ended:
            child = state.children[index]
            child.join()
            state.fail(
                index,
                Unavailable(
                    f"lane {index} of the import stopped (exit status {child.exitcode}); "
                    "every committed batch is kept: run the same command again to resume"
                ),
            )
        return None
    return message


def _drain(state: _Lanes) -> None:
    """Read and drop the lanes' reports until every lane's pipe has ended."""
    while state.readers:
        for index in _ready(state, None):
            _read(state, index)


def _lane(job: Job, lane: Lane, pipes: dict[int, _Pipe], stop: _Flag, parent: int) -> None:
    """One lane's process: the import service on this lane's rows."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command says when to stop
    job.jf.engine.dispose(close=False)  # the command's pool is its own (none is open)
    for index, pipe in pipes.items():  # only the command may hold a lane's pipe open
        pipe.reader.close()
        if index != lane.index:
            pipe.writer.close()
    out, pending = pipes[lane.index].writer, list[Rejected]()

    def say(what: str, payload: object) -> None:
        try:
            out.send((what, payload))
        except OSError as exc:  # the pipe is broken: the command is gone
            raise _Orphaned from exc

    def each_batch(summary: ImportSummary) -> None:
        say("batch", (job.source.position, summary, list(pending)))
        pending.clear()
        if os.getppid() != parent:
            raise _Orphaned
        if stop.is_set():
            raise _Stopped

    kwargs: dict[str, Any] = {"skew": job.jf.clock_skew} if job.kind.takes_skew else {}
    try:
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
            return  # nobody is there to tell
        except _Stopped:
            say("interrupted", None)
        except (JifenError, Unavailable) as exc:
            say("failed", exc)
        except Exception as exc:
            say("failed", RuntimeError(f"lane {lane.index}: {exc!r}"))
        else:
            say("done", summary)
    except _Orphaned:
        pass
    finally:
        out.close()
