"""Where the time goes, measured: py-spy's samples, summed by what they were doing.

When a target is missed the doc says what the profile shows; this is that
profile, taken in the same run. py-spy samples the process's Python stacks,
CPU only: a thread waiting for the database's reply is idle and not counted. A
server has many threads, most of them waiting; there only the thread holding
the GIL is sampled, which is where the server's Python time goes. Each sample
goes to the innermost frame that belongs to one of ``AREAS``: time in ``json``
called by the idempotency module is the idempotency module's, time in psycopg
called by SQLAlchemy is the driver's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

# (label, patterns): a frame belongs to the first area one of whose patterns it contains.
AREAS: list[tuple[str, tuple[str, ...]]] = [
    (
        "the driver: psycopg or sqlite3 (and SQLite's own work)",
        ("psycopg/", "do_execute (", "do_executemany (", "do_execute_no_params ("),
    ),
    ("SQLAlchemy: building statements, binding parameters, reading rows", ("sqlalchemy/",)),
    ("idempotency: the fingerprint and the stored response", ("jifen/services/idempotency",)),
    ("deciding: rules, award, tiers, ledger postings (jifen.domain)", ("jifen/domain/",)),
    ("writing a batch (the write-behind unit of work)", ("jifen/services/imports/write_behind",)),
    (
        "reading and checking the rows (the file, the CLI, the pre-checks)",
        (
            "jifen/services/imports/",
            "jifen/entrypoints/cli",
            "typer/",
            "click/",
            "rich/",
        ),
    ),
    ("jifen's database adapters: rows to and from the tables", ("jifen/adapters/",)),
    ("jifen's services: the work around the domain", ("jifen/services/",)),
    ("pydantic: validating request models and settings", ("pydantic",)),
    (
        "HTTP: uvicorn, Starlette, FastAPI, the thread pool",
        (
            "uvicorn/",
            "starlette/",
            "fastapi/",
            "anyio/",
            "h11/",
            "httptools",
            "jifen/entrypoints/api",
        ),
    ),
]
OTHER = "other: the standard library, the interpreter"
_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")


def available() -> bool:
    return _py_spy() is not None


def _py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


def record_command(command: Sequence[str], env: dict[str, str]) -> Counter[str]:
    """Run ``command`` under py-spy; its samples, and its child processes', by area."""
    return _record(["--subprocesses", "--", *command], env)


def record_pid(pid: int, seconds: float) -> Counter[str]:
    """Sample a running server and its children for ``seconds``, the threads holding
    the GIL only; samples by area."""
    args = ["--gil", "--pid", str(pid), "--subprocesses", "--duration", str(round(seconds))]
    return _record(args, None)


def _record(target: list[str], env: dict[str, str] | None) -> Counter[str]:
    spy = _py_spy()
    if spy is None:
        raise SystemExit("make bench profiles with py-spy: pip install -e '.[dev]'")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "raw.txt"
        args = [spy, "record", "--format", "raw", "--rate", "200", "--nonblocking",
                "--output", str(out), *target]  # fmt: skip
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        if not out.exists():
            raise SystemExit(f"py-spy wrote no profile:\n{done.stdout}\n{done.stderr}")
        return by_area(out.read_text(encoding="utf-8").splitlines())


def by_area(lines: Sequence[str]) -> Counter[str]:
    """Collapsed stacks (``frame;frame;... count``, root first) summed by area."""
    areas: Counter[str] = Counter()
    for line in lines:
        found = _LINE.match(line.strip())
        if found is None:
            continue
        areas[area_of(found["stack"].split(";"))] += int(found["count"])
    return areas


def area_of(frames: Sequence[str]) -> str:
    for frame in reversed(frames):
        for label, patterns in AREAS:
            if any(p in frame for p in patterns):
                return label
    return OTHER


def shares(areas: Counter[str], least: float = 0.03) -> str:
    """ "label 41%, label 22%, ..." for the areas with at least ``least`` of the samples."""
    total = sum(areas.values())
    if total == 0:
        return "no samples"
    parts = [
        f"{label} {count / total:.0%}"
        for label, count in areas.most_common()
        if count / total >= least
    ]
    return "; ".join(parts) + f" ({total:,} samples)"
