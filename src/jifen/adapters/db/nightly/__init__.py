"""The nightly pipeline in SQL. ``SqlNightly`` runs each step set-based, a chunk of members
per transaction staged in temporary tables (``pipeline``), with its statements written
once for SQLite and PostgreSQL (``pipeline_sql``); ``SqlPipelineRuns`` keeps each step's
checkpoint, moved on in the same transaction as each chunk (``pipeline_runs``); and
``job_locks_for`` gives one runner per programme and job, by an advisory lock on
PostgreSQL or a file lock for SQLite (``joblocks``).
"""

from jifen.adapters.db.nightly.joblocks import (
    FileJobLocks,
    PostgresJobLocks,
    ProcessJobLocks,
    job_locks_for,
)
from jifen.adapters.db.nightly.pipeline import SqlNightly
from jifen.adapters.db.nightly.pipeline_runs import SqlPipelineRuns

__all__ = [
    "FileJobLocks",
    "PostgresJobLocks",
    "ProcessJobLocks",
    "SqlNightly",
    "SqlPipelineRuns",
    "job_locks_for",
]
