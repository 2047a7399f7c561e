"""The CLI says an unreachable database plainly, with an exit code of its own (8)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_api_server import CLI, free_port, jifen_env

pytestmark = pytest.mark.e2e


def test_an_unreachable_database_is_exit_code_8_with_one_readable_line(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/jifen"  # nothing listens there
    done = subprocess.run(
        [*CLI, "verify"],
        env=jifen_env(url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 8, done.stderr
    assert "error: database_unavailable: the database cannot be reached" in done.stderr
    assert "Traceback" not in done.stderr
