"""Programmes: registered, published as versions, found.

- ``parts``: Tasks, challenges, badges and leaderboards edited one entry at a time.
- ``ports``: Edits of a programme's text.
- ``publishing``: Publishing a programme file as the next version; the versions kept.
- ``registry``: Programmes: registered from their file, found by code or id.
"""

from jifen.services.programs.parts import (
    PARTS,
    Parts,
    current_source,
    parts_of,
    put_part,
    remove_part,
)
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
    "PARTS",
    "Parts",
    "Versions",
    "current_source",
    "find_program",
    "find_program_count",
    "parts_of",
    "program_by_id",
    "publish_program",
    "put_part",
    "register_program",
    "remove_part",
    "rules_of",
    "version_source",
    "versions",
]
