"""File imports in SQL. ``SqlImports`` keeps one checkpoint per file import: the last line
committed and the counts so far, moved on only from the line it expects, so that an
interrupted ``jifen import`` resumes where it stopped (``checkpoints``).
"""

from jifen.adapters.db.imports.checkpoints import SqlImports

__all__ = ["SqlImports"]
