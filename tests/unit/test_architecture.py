"""The layering contracts of pyproject.toml hold (entrypoints -> services -> domain)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_layering_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is a dev dependency"
    result = subprocess.run([lint_imports], check=False, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_domain_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"jifen", "__future__"}
    for path in (ROOT / "src" / "jifen" / "domain").rglob("*.py"):
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("import", "from"):
                top = words[1].split(".")[0]
                assert top in allowed, f"{path.name} imports {top}"
