"""The layering contracts of pyproject.toml hold (entrypoints -> services -> domain)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
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


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every ``from module import name`` in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name} from {module}"
        for path in (ROOT / "src" / "jifen").rglob("*.py")
        for module, name in _imports(path)
        if module.startswith("jifen") and name.startswith("_") and not name.startswith("__")
    ]
    assert offenders == []


def test_service_areas_reach_each_other_through_what_they_export() -> None:
    """Another area's package (its ``__init__`` exports) or its ``ports``, never a module inside."""
    services = ROOT / "src" / "jifen" / "services"
    areas = {p.name for p in services.iterdir() if (p / "__init__.py").exists()}
    offenders = []
    for path in services.rglob("*.py"):
        parts = path.relative_to(services).parts
        own = parts[0] if len(parts) > 1 else None
        for module, name in _imports(path):
            words = module.split(".")
            if words[:2] != ["jifen", "services"] or len(words) < 3 or words[2] not in areas:
                continue
            if words[2] == own:
                continue
            deep = len(words) > 3 and words[3] != "ports"
            a_module = len(words) == 3 and (services / words[2] / f"{name}.py").exists()
            if deep or (a_module and name != "ports"):
                offenders.append(f"{path.relative_to(services)}: from {module} import {name}")
    assert offenders == []


def test_entrypoints_reach_the_services_through_their_areas_packages() -> None:
    """An area's package (what it exports) or its ``ports``; never a module inside it."""
    services = ROOT / "src" / "jifen" / "services"
    areas = {p.name for p in services.iterdir() if (p / "__init__.py").exists()}
    offenders = []
    for path in (ROOT / "src" / "jifen" / "entrypoints").rglob("*.py"):
        for module, name in _imports(path):
            words = module.split(".")
            if words[:2] != ["jifen", "services"] or len(words) < 3 or words[2] not in areas:
                continue
            deep = len(words) > 3 and words[3] != "ports"
            a_module = len(words) == 3 and (services / words[2] / f"{name}.py").exists()
            if deep or (a_module and name != "ports"):
                offenders.append(f"{path.relative_to(ROOT)}: from {module} import {name}")
    assert offenders == []


def test_every_service_area_has_its_place_in_the_layers() -> None:
    """A new area (``rights``, say) is layered like the others, or import-linter ignores it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c.get("containers") == ["jifen.services"]
    )
    layered = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    services = ROOT / "src" / "jifen" / "services"
    areas = {p.name for p in services.iterdir() if (p / "__init__.py").exists()}
    assert "rights" in areas
    assert sorted(areas - layered) == []
