"""A throwaway PostgreSQL cluster for the test session, on loopback.

Started with initdb/pg_ctl in a temporary folder (as the ``postgres`` user
when we run as root, since initdb refuses root) and removed afterwards. No
system service or pre-existing database is assumed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    explicit = os.environ.get("JIFEN_PG_BINDIR")
    candidates = [explicit] if explicit else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for found in (shutil.which("pg_ctl"), shutil.which("initdb")):
        if found:
            candidates.append(str(Path(found).resolve().parent))
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; "
        "install the Debian package postgresql"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bindir: Path
    root: Path
    port: int
    as_user: list[str]
    options: str = ""

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str, check: bool = True) -> None:
        subprocess.run([*self.as_user, *args], check=check, capture_output=True, text=True)

    def start(self, *, durable: bool = False) -> None:
        initdb = str(self.bindir / "initdb")
        self.run(
            initdb,
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        # Tests trade durability for speed; benchmarks keep PostgreSQL's defaults.
        fast = (
            "" if durable else ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off ")
        )
        self.options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            f"{fast}-c max_connections=200 -c shared_buffers=128MB"
        )
        self.resume()

    def halt(self) -> None:
        """Stop the server as an outage would (its sessions cut), keeping its data."""
        self.run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start the server (again) on its data, port and options."""
        self.run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            self.options,
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            self.run(  # not checked: a halted cluster has nothing to stop
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "-w",
                "stop",
                check=False,
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(*, durable: bool = False) -> Cluster:
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="jifen-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            raise PostgresUnavailable("running as root without runuser")
        os.chmod(root, 0o777)
        as_user = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(bindir, root, free_port(), as_user)
    try:
        cluster.start(durable=durable)
    except subprocess.CalledProcessError as exc:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(f"could not start PostgreSQL: {exc.stderr}{log}") from exc
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", cluster.port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return cluster
