"""Challenges, badges and leaderboards, from the validated file to domain objects (ADR 0034,
0035)."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from jifen.adapters.programfile.build import Compile, Path, SpecError, local_time, money, unique
from jifen.adapters.programfile.schema import ChallengeSpec, ProgramFile
from jifen.domain.challenges import AfterDone, Badge, Challenge, Counts
from jifen.domain.challenges.challenges import IN_A_ROW
from jifen.domain.earning import Condition, Match, Period, Window
from jifen.domain.leaderboards import Board, Metric, Prize, Scope

#: shorter first: a run is made of periods shorter than the rounds it is counted in
LENGTH = {Period.DAY: 1, Period.WEEK: 2, Period.MONTH: 3, Period.YEAR: 4}
MAX_GOAL = 10**6


def build_badges(spec: ProgramFile) -> dict[str, Badge]:
    unique([b.id for b in spec.badges], ("badges",), "badge id")
    return {b.id: Badge(b.id, dict(b.name), dict(b.description), b.image) for b in spec.badges}


def build_challenges(
    spec: ProgramFile,
    activities: Mapping[str, Mapping[str, str]],
    badges: dict[str, Badge],
    compile_condition: Compile,
) -> dict[str, Challenge]:
    unique([c.id for c in spec.challenges], ("challenges",), "challenge id")
    tz = ZoneInfo(spec.program.timezone)
    found = {}
    for i, c in enumerate(spec.challenges):
        path: Path = ("challenges", i)
        found[c.id] = _challenge(c, path, spec.program.currency, tz, activities, badges,
                                 compile_condition)  # fmt: skip
    return found


def _challenge(
    c: ChallengeSpec,
    path: Path,
    currency: str,
    tz: ZoneInfo,
    activities: Mapping[str, Mapping[str, str]],
    badges: dict[str, Badge],
    compile_condition: Compile,
) -> Challenge:
    counts = Counts(c.counts)
    _check(c, counts, path, activities, badges)
    in_a_row = Period(c.in_a_row) if c.in_a_row else None
    period = Period(c.period) if c.period else None
    goal = _goal(c, counts, currency, path)
    if in_a_row is not None and c.grace >= goal:
        raise SpecError((*path, "grace"), "grace must be less than the goal")
    starts, ends = local_time(c.starts, tz), local_time(c.ends, tz)
    if starts is not None and ends is not None and ends <= starts:
        raise SpecError((*path, "ends"), "a challenge must end after it starts")
    return Challenge(
        id=c.id,
        name=dict(c.name),
        how=dict(c.how),
        counts=counts,
        goal=goal,
        activity=c.activity,
        match=Match(
            frozenset(c.match.skus), frozenset(c.match.categories), frozenset(c.match.tags)
        ),
        when=_condition(compile_condition, c.when, (*path, "when")),
        who=_condition(compile_condition, c.who, (*path, "who")),
        in_a_row=in_a_row,
        grace=c.grace,
        period=period,
        window=Window(starts, ends),
        points=c.points,
        badge=c.badge,
        after_done=AfterDone(c.after_done),
    )


def _check(
    c: ChallengeSpec,
    counts: Counts,
    path: Path,
    activities: Mapping[str, Mapping[str, str]],
    badges: dict[str, Badge],
) -> None:
    if counts is Counts.ACTIVITIES and c.activity is None:
        raise SpecError((*path, "activity"), "a challenge that counts activities names one")
    if counts is not Counts.ACTIVITIES and c.activity is not None:
        raise SpecError((*path, "activity"), "only a challenge that counts activities names one")
    if c.activity is not None and c.activity not in activities:
        raise SpecError(
            (*path, "activity"),
            f"unknown activity type {c.activity!r}; declare it under activities:",
        )
    if c.activity is not None and (c.match.skus or c.match.categories or c.match.tags):
        raise SpecError((*path, "match"), "an activity has no lines to match")
    if c.in_a_row is not None and counts not in IN_A_ROW:
        raise SpecError(
            (*path, "in_a_row"), "only orders or activities are counted periods in a row"
        )
    if c.in_a_row is None and c.grace:
        raise SpecError((*path, "grace"), "grace is for periods in a row")
    if (
        c.in_a_row is not None
        and c.period is not None
        and LENGTH[Period(c.in_a_row)] >= LENGTH[Period(c.period)]
    ):
        raise SpecError((*path, "period"), "a run is of periods shorter than the round")
    if c.points <= 0 and c.badge is None:
        raise SpecError((*path, "points"), "a challenge gives points, a badge or both")
    if c.badge is not None and c.badge not in badges:
        raise SpecError((*path, "badge"), f"unknown badge {c.badge!r}; declare it under badges:")


def _goal(c: ChallengeSpec, counts: Counts, currency: str, path: Path) -> int:
    if counts is Counts.SPEND:
        goal = money(str(c.goal), currency, (*path, "goal"))
    elif isinstance(c.goal, int) or str(c.goal).isdigit():
        goal = int(c.goal)
    else:
        raise SpecError((*path, "goal"), "the goal is a whole number")
    if not 1 <= goal <= (10**12 if counts is Counts.SPEND else MAX_GOAL):
        raise SpecError((*path, "goal"), "the goal must be at least 1 and at most 1000000")
    return goal


def _condition(compile_condition: Compile, text: str | None, path: Path) -> Condition | None:
    if text is None:
        return None
    try:
        return compile_condition(text)
    except ValueError as exc:
        raise SpecError(path, str(exc)) from exc


def build_leaderboards(
    spec: ProgramFile, activities: Mapping[str, Mapping[str, str]]
) -> dict[str, Board]:
    unique([b.id for b in spec.leaderboards], ("leaderboards",), "leaderboard id")
    boards = {}
    for i, b in enumerate(spec.leaderboards):
        path: Path = ("leaderboards", i)
        metric = Metric(b.metric)
        if (metric is Metric.COUNTER) != (b.counter is not None):
            raise SpecError(
                (*path, "counter"), "a counter board names the activity it counts, and only it"
            )
        if b.counter is not None and b.counter not in activities:
            raise SpecError(
                (*path, "counter"),
                f"unknown activity type {b.counter!r}; declare it under activities:",
            )
        prizes = []
        taken: set[int] = set()
        for j, p in enumerate(b.prizes):
            first, _, last = p.ranks.partition("-")
            prize = Prize(int(first), int(last or first), p.points)
            ranks = set(range(prize.first, prize.last + 1))
            if prize.last < prize.first or prize.last > b.size or ranks & taken:
                raise SpecError(
                    (*path, "prizes", j, "ranks"),
                    f"ranks must run upwards, within the board's size ({b.size}), each once",
                )
            taken |= ranks
            prizes.append(prize)
        boards[b.id] = Board(
            id=b.id,
            name=dict(b.name),
            metric=metric,
            period=Period(b.period),
            scope=Scope(b.scope),
            size=b.size,
            counter=b.counter,
            prizes=tuple(prizes),
            description=dict(b.description),
        )
    return boards
