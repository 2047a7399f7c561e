"""Programmes in SQL. ``SqlPrograms`` saves a programme's settings from its file and finds
it by code or id (``registry``); ``SqlProgramVersions`` keeps the text of every version
published, forever, and which one earning uses now (``versions``).
"""

from jifen.adapters.db.programs.registry import SqlPrograms
from jifen.adapters.db.programs.versions import SqlProgramVersions

__all__ = ["SqlProgramVersions", "SqlPrograms"]
