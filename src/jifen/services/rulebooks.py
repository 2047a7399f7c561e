"""Compiled programme versions, cached: compiling is done once per version.

Published versions never change, so the cache never needs invalidating; the
*current* version of a programme is looked up in the same transaction as the
work that uses it.
"""

from __future__ import annotations

import threading

from jifen.domain.definition import ProgramDefinition
from jifen.domain.error_codes import ProgramCode
from jifen.domain.errors import NotFound
from jifen.domain.programs import Program
from jifen.services.ports import Compiler, SharedWork


class Rulebooks:
    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler
        self._cache: dict[tuple[int, int], ProgramDefinition] = {}
        self._lock = threading.Lock()
        self._last: dict[int, ProgramDefinition] = {}  # by programme: the current one last read

    def last(self, program: Program) -> ProgramDefinition | None:
        """The programme's current version as last read here, if any: what a batch takes
        its rules to be before it has read the current version (and then checks)."""
        return self._last.get(program.id)

    def version(self, uow: SharedWork, program: Program, version: int) -> ProgramDefinition:
        """A published version; call inside ``with uow``."""
        key = (program.id, version)
        found = self._cache.get(key)
        if found is not None:
            return found
        # One compile per version: requests arriving together at a cold start wait for
        # the first one's, rather than each building the same rules under one GIL.
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                return found
            source = uow.versions.source(program.id, version)
            if source is None:
                raise NotFound(
                    f"programme {program.code} has no version {version}",
                    code=ProgramCode.VERSION_NOT_FOUND,
                    version=version,
                )
            compiled = self.compiler(source, f"{program.code} v{version}", version)
            self._cache[key] = compiled
            return compiled

    def current(self, uow: SharedWork, program: Program) -> ProgramDefinition:
        version = uow.versions.current(program.id)
        if version is None:
            raise NotFound(
                f"programme {program.code} has no published rules; publish its programme file",
                code=ProgramCode.NOT_PUBLISHED,
            )
        found = self._last[program.id] = self.version(uow, program, version)
        return found

    def current_or_none(self, uow: SharedWork, program: Program) -> ProgramDefinition | None:
        """The programme's current rules, or None before its first publication."""
        if uow.versions.current(program.id) is None:
            return None
        return self.current(uow, program)
