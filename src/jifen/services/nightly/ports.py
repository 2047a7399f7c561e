"""The nightly pipeline's set-based steps, its checkpoints, and the job locks."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from jifen.domain.nightly import ReminderWindow
from jifen.services.access.ports import DoorsWork
from jifen.services.leaderboards import LeaderboardWork
from jifen.services.redemption.ports import RedemptionWork
from jifen.services.tiers.ports import TierWork


class DueWork(enum.StrEnum):
    """What a settlement step looks for, due by a cut-off."""

    HOLDS = "holds"  # active holds past their expiry
    PENDING = "pending"  # pending lots past their available_at
    EXPIRY = "expiry"  # open lots past their expires_at


@dataclass(frozen=True)
class Staged:
    """The members of one chunk, locked in id order for this transaction."""

    members: int
    last_member_id: int  # 0 when there were none
    debtors: tuple[int, ...]  # members with a negative available balance: settled one by one


@dataclass(frozen=True)
class Applied:
    """What one set-based statement batch wrote."""

    members: int = 0
    entries: int = 0
    lots: int = 0
    points: int = 0
    holds: int = 0


@dataclass(frozen=True)
class Reminded:
    members: int
    last_member_id: int
    events: int


class Nightly(Protocol):
    """Set-based settlement and reminders, one chunk of members per call.

    ``stage`` locks the chunk; the other settlement calls then write, for the
    staged members whose available balance is not negative, exactly the rows
    the per-member path (``services.ledger.settled``) would write at ``cutoff``.
    """

    def stage(
        self, program_id: int, due: DueWork, cutoff: datetime, after: int, limit: int, until: int
    ) -> Staged:
        """Lock the next ``limit`` members with ids in (after, until] with ``due`` work by
        ``cutoff``."""

    def last_member_id(self, program_id: int) -> int:
        """The highest member id of the programme: how far a walk by id has to go."""

    def release_holds(self, program_id: int, cutoff: datetime, grace: timedelta) -> Applied: ...
    def mature(self, program_id: int, cutoff: datetime) -> Applied: ...
    def expire(self, program_id: int, cutoff: datetime) -> Applied: ...
    def remind(
        self,
        program_id: int,
        windows: Sequence[ReminderWindow],
        after: int,
        limit: int,
        now: datetime,
        until: int,
    ) -> Reminded:
        """Record and emit ``points.expiry_approached`` for the next ``limit`` members with
        points in ``windows``, once per member, last day and horizon."""

    def forget_reminders(self, program_id: int, before: date) -> int:
        """Drop the record of reminders for last days before ``before``."""


@dataclass(frozen=True)
class StepState:
    cursor: int  # every member up to this id is done
    counts: Mapping[str, int] = field(default_factory=dict)
    finished: bool = False
    fresh: bool = False  # this call created the row


class PipelineRuns(Protocol):
    def begin(
        self, program_id: int, day: date, step: str, cutoff: datetime, now: datetime
    ) -> StepState:
        """The step's checkpoint, created if new, locked until the transaction ends."""

    def advance(
        self,
        program_id: int,
        day: date,
        step: str,
        cursor: int,
        counts: Mapping[str, int],
        now: datetime,
        *,
        finished: bool,
    ) -> None: ...
    def of_day(self, program_id: int, day: date) -> dict[str, StepState]: ...


class JobLocks(Protocol):
    """At most one holder per (programme, job) across processes and machines."""

    def hold(self, program_id: int, job: str) -> AbstractContextManager[bool]:
        """Try to take the lock without waiting; yield whether it was taken."""


class NightlyWork(LeaderboardWork, TierWork, RedemptionWork, DoorsWork, Protocol):
    """What the night's steps and the worker's rounds need: settlement, tier reviews, gifts,
    reminders, lapsed holds, the doors' stale secrets and attempts, finished leaderboards."""

    nightly: Nightly
    pipeline_runs: PipelineRuns
