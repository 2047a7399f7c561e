"""The table of every error code the API answers with, as ``docs/api.md`` shows it.

Made from the enums of :mod:`jifen.domain.error_codes` and the HTTP layer's own
codes, so the document cannot drift from the code: ``python -m
jifen.entrypoints.api.codes docs/api.md`` rewrites the table between its markers,
and a test fails when the document is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jifen.domain.error_codes import AREAS
from jifen.entrypoints.api.errors import HTTP_ONLY, STATUS

START = "<!-- error codes: made by `python -m jifen.entrypoints.api.codes docs/api.md` -->"
END = "<!-- end of error codes -->"


def table() -> str:
    rows = [
        (STATUS[code.family], code.value, area.__name__.removesuffix("Code").lower(), code.meaning)
        for area in AREAS
        for code in area
    ]
    rows += [(status, code, "http", meaning) for code, status, meaning in HTTP_ONLY]
    lines = ["| status | code | area | meaning |", "|---|---|---|---|"]
    lines += [
        f"| {status} | `{code}` | {area} | {meaning} |"
        for status, code, area, meaning in sorted(rows)
    ]
    return "\n".join(lines)


def rewritten(document: str) -> str:
    """``document`` with the table between its markers made anew."""
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> None:
    path = Path(argv[0])
    path.write_text(rewritten(path.read_text()))


if __name__ == "__main__":
    main(sys.argv[1:])
