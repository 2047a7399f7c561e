"""Tasks: what a member can do besides buying, each proven one way (ADR 0033).

A task is declared in the programme file: what to do (``kind``, ``name``, ``how``), what it
pays (``points``, within ``caps`` and a ``window``, as an activity rule), and how jifen
learns it was done (``proof``):

- ``webhook``: a platform or review service says so, in a signed request from one of the
  task's ``sources``;
- ``automatic``: the integrator's own systems say so through the API (a check-in in the
  app, a survey completed);
- ``moderated``: the member sends a link or a photo reference, and an operator approves
  it (it pays then) or rejects it with a reason.

Sharing and reviewing are social: a member who opted out of social tasks is never
recorded for them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

TASK_ACTIVITY = "task."  # a task's activity type: ``task.<id>``


class TaskKind(enum.StrEnum):
    SHARE = "share"  # share to a platform, with a tag
    REVIEW = "review"  # write a review
    CHECK_IN = "check_in"
    SURVEY = "survey"
    VISIT = "visit"  # visit a store


SOCIAL = frozenset({TaskKind.SHARE, TaskKind.REVIEW})


class Proof(enum.StrEnum):
    WEBHOOK = "webhook"
    AUTOMATIC = "automatic"
    MODERATED = "moderated"


class Review(enum.StrEnum):
    """Where a member's submission of a moderated task stands."""

    PENDING = "pending"  # waiting for an operator; its points are not paid yet
    APPROVED = "approved"  # paid as the task's activity
    REJECTED = "rejected"  # with the operator's reason; nothing paid


@dataclass(frozen=True)
class Task:
    id: str
    kind: TaskKind
    name: Mapping[str, str]
    how: Mapping[str, str]
    points: int
    proof: Proof
    sources: frozenset[str] = frozenset()  # webhook: the inbound sources that may say so

    @property
    def activity(self) -> str:
        """The activity a completion records; the task's rule pays on it."""
        return TASK_ACTIVITY + self.id

    @property
    def social(self) -> bool:
        return self.kind in SOCIAL


def task_of(activity: str, tasks: Mapping[str, Task]) -> Task | None:
    """The task whose completion ``activity`` records, if it is one."""
    if not activity.startswith(TASK_ACTIVITY):
        return None
    return tasks.get(activity.removeprefix(TASK_ACTIVITY))
