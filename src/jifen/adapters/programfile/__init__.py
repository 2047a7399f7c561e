"""Programme files: YAML that declares a programme, validated with line numbers."""

from jifen.adapters.programfile.loader import (
    ProgramFileError,
    load_program_file,
    parse_program,
    read_program_file,
)

__all__ = ["ProgramFileError", "load_program_file", "parse_program", "read_program_file"]
