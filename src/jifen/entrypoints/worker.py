"""``jifen worker``: the outbox drained every few seconds, each programme's night once a day.

Stops on SIGTERM or SIGINT between chunks (the night resumes from its last
committed chunk on the next start). Any number of workers may run against one
database: job locks keep one runner per programme's night and one drainer.
"""

from __future__ import annotations

import signal
import threading
from datetime import time
from pathlib import Path
from types import FrameType

from rich.console import Console

from jifen.bootstrap import Jifen
from jifen.services import nightly
from jifen.services.nightly import StepProgress

log = Console(stderr=True, highlight=False, soft_wrap=True)


class Stopped(Exception):
    """Raised between chunks once a stop was asked for."""


def run_worker(jf: Jifen, run_at: time, *, once: bool = False) -> None:
    stop = threading.Event()

    def ask_stop(signum: int, _frame: FrameType | None) -> None:
        log.print(f"{signal.Signals(signum).name}: stopping after the current chunk")
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, ask_stop)

    def between_chunks(_: StepProgress) -> None:
        if stop.is_set():
            raise Stopped

    log.print(
        f"worker: nights from {run_at:%H:%M} local time, outbox every "
        f"{jf.settings.worker_poll_seconds:g} s"
    )
    while True:
        try:
            done = nightly.tick(
                jf.uow,
                jf.clock,
                jf.locks,
                jf.rulebooks,
                jf.publisher,
                run_at,
                chunk=jf.settings.pipeline_chunk,
                lanes=jf.lanes,
                batch=jf.settings.outbox_batch,
                progress=between_chunks,
            )
        except Stopped:
            log.print("stopped; the night resumes from its last committed chunk")
            return
        except Exception as exc:  # a worker outlives a failed round: the next one retries
            if once:
                raise
            first = (str(exc).strip().splitlines() or [""])[0]
            log.print(f"error: {type(exc).__name__}: {first}; retrying in the next round")
        else:
            _report(done)
            if done.nights and jf.settings.anchor_dir is not None:
                _anchor(jf, jf.settings.anchor_dir)
        if once or stop.wait(jf.settings.worker_poll_seconds):
            return


def _anchor(jf: Jifen, where: Path) -> None:
    """After a night, the chain heads to JIFEN_ANCHOR_DIR; a failure is said, not fatal."""
    try:
        log.print(f"anchor written: {jf.write_anchor(where)}")
    except Exception as exc:  # the night is done; the next one writes an anchor again
        first = (str(exc).strip().splitlines() or [""])[0]
        log.print(f"error: anchor not written to {where}: {type(exc).__name__}: {first}")


def _report(done: nightly.Tick) -> None:
    for night in done.nights:
        entries = sum(s.counts.get("entries", 0) for s in night.steps)
        events = sum(s.counts.get("events", 0) for s in night.steps)
        log.print(
            f"night of {night.day} for {night.program}: {entries:,} entries, {events:,} reminders"
        )
    for code in done.busy:
        log.print(f"night of {code} is being run by another worker")
    if done.published:
        log.print(f"published {done.published:,} outbox events")
    seeds, attempts = done.forgotten
    if seeds or attempts:
        log.print(f"forgot {seeds:,} expired sign-in codes and {attempts:,} day-old door attempts")
