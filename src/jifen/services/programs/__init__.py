"""Programmes: registered, published as versions, found.

- ``ports``: Edits of a programme's text.
- ``publishing``: Publishing a programme file as the next version; the versions kept.
- ``registry``: Programmes: registered from their file, found by code or id.
"""

from jifen.services.programs.publishing import (
    Versions,
    publish_program,
    rules_of,
    version_source,
    versions,
)
from jifen.services.programs.registry import (
    find_program,
    find_program_count,
    program_by_id,
    register_program,
)

__all__ = [
    "Versions",
    "find_program",
    "find_program_count",
    "program_by_id",
    "publish_program",
    "register_program",
    "rules_of",
    "version_source",
    "versions",
]
