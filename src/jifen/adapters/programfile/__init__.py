"""Programme files: YAML that declares a programme, validated with line numbers.

- ``load_program_file``: the programme part of a file (a :class:`Program`).
- ``read_program_definition``: the whole file, compiled (a :class:`ProgramDefinition`).
- ``compile_program``: the same from a programme's text.
"""

from jifen.adapters.programfile.loader import (
    ProgramFileError,
    compile_program,
    load_program_file,
    read_program_definition,
)

__all__ = ["ProgramFileError", "compile_program", "load_program_file", "read_program_definition"]
