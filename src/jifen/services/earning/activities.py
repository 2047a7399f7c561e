"""Non-purchase activities: sign-up, profile, survey, share, check-in, referral."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from jifen.domain import ledger
from jifen.domain.bounds import DEFAULT_SKEW, require_moment
from jifen.domain.definition import ProgramDefinition
from jifen.domain.earning import (
    Award,
    Context,
    EarningProgram,
    RuleKind,
    evaluate_activity,
    member_vars,
)
from jifen.domain.engagement.tasks import TASK_ACTIVITY
from jifen.domain.error_codes import EarningCode
from jifen.domain.errors import InvalidInput, MemberNotFound
from jifen.domain.ledger import EntryKind, LotSource
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services import challenges, leaderboards
from jifen.services.earning import awards
from jifen.services.earning.commands import RecordActivity
from jifen.services.earning.ports import EarningWork
from jifen.services.earning.referrals import (
    CONVERTED,
    SIGNED_UP,
    Paid,
    cap_referrer,
    check_referral,
    record_paid,
)
from jifen.services.earning.rule_errors import count_condition_errors
from jifen.services.earning.views import EarnResult, earn_result
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import Book
from jifen.services.ports import Clock
from jifen.services.rulebooks import Rulebooks
from jifen.services.tiers import count_activity

TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


def record_activity(
    uow: EarningWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: RecordActivity,
    key: str,
    *,
    skew: timedelta = DEFAULT_SKEW,
) -> EarnResult:
    """``skew``: how far ahead of ``clock`` the sender's ``occurred_at`` may be."""
    now = clock.now()
    when = require_moment(cmd.occurred_at or now, now=now, skew=skew, field="occurred_at")
    if cmd.type.startswith(TASK_ACTIVITY):  # each task is proven its own way (ADR 0033)
        raise InvalidInput(
            f"{cmd.type!r} is a task's: complete it with POST /v1/tasks/{{task}}/completions"
            " or its platform's signed webhook",
            code=EarningCode.UNKNOWN_ACTIVITY_TYPE,
            field="type",
        )
    with uow:
        call = Keyed(program, cmd, key, now)
        return once(uow, call, partial(record_activity_in, rulebooks=rulebooks, when=when))


def record_activity_in(
    uow: EarningWork, call: Keyed[RecordActivity], *, rulebooks: Rulebooks, when: datetime
) -> EarnResult:
    """``record_activity``'s work inside a transaction that is already keyed: an
    enrolment pays its sign-up with it, once with the member's creation."""
    program, cmd, now = call.program, call.command, call.now
    definition = rulebooks.current(uow, program)
    _check_payload(definition.earning, cmd.type, cmd.payload)
    book, referrer = _lock(uow, program, cmd.member, cmd.payload.get("referrer"))
    book.member.require_active()
    if referrer is not None:
        check_referral(uow, program, definition.earning, cmd.type, book, referrer, now)
    paid = pay_activity(uow, definition, book, referrer, cmd, when, now)
    award = paid.award
    paying = any(x.kind == RuleKind.REFERRAL.value for x in award.lines)
    if referrer is not None and (cmd.type == CONVERTED or (cmd.type == SIGNED_UP and paying)):
        record_paid(uow, book.member.id, paid, order_id=None, now=now)
    meta = {"challenges": [r.told() for r in paid.reached]} if paid.reached else None
    leaderboards.on_scored(  # last: after every member row the activity locks
        uow, definition, program, book.member, now,
        points=book.points + sum(r.points for r in paid.reached),
        challenges=len(paid.reached), activity=cmd.type,
    )  # fmt: skip
    score_referrer(uow, definition, program, paid, now)
    return earn_result(book, cmd.type, awards.view(award, definition.earning.version), now, meta)


def score_referrer(
    uow: EarningWork, definition: ProgramDefinition, program: Program, paid: Paid, now: datetime
) -> None:
    """The referrer's side of a referral is points they earned: it counts on the boards
    as their own (their row is locked already, by its credit)."""
    if paid.referrer is not None and paid.referrer_points:
        leaderboards.on_scored(
            uow, definition, program, paid.referrer, now, points=paid.referrer_points
        )


def pay_activity(
    uow: EarningWork,
    definition: ProgramDefinition,
    book: Book,
    referrer: Book | None,
    cmd: RecordActivity,
    when: datetime,
    now: datetime,
    *,
    available_at: datetime | None = None,
) -> Paid:
    """Evaluate and pay an activity of ``book``'s member (and the referrer's side, if any),
    both locked, and record it. ``available_at``: when its points become available (a
    referral held through its purchase's return window)."""
    earning, program = definition.earning, book.program
    award, variables = _evaluate(uow, earning, book, cmd, when)
    count_condition_errors(uow, earning, program.id, book.member.id, award, cmd.type, now)
    if referrer is not None:
        award = cap_referrer(uow, earning, award, referrer.member.id, now)
    expires = awards.expiry_of(earning, min(when, now), book.member.tier)
    if expires is not None and expires <= now:  # dated so long ago its points are gone
        award = awards.expired_before_recorded(award)
    award, spends = awards.take_budgets(uow, program, earning, award, book.member.id)
    available = max(available_at or now, now)
    entry_id = _credit(uow, book, award, earning, cmd.type, when, now, "member", available)
    referred = None
    if referrer is not None:
        referred = _credit(
            uow, referrer, award, earning, cmd.type, when, now, "referrer", available
        )
    for campaign, rule, shard, points in spends:
        spent_by = entry_id or referred  # a referrer-only line spends the referrer's
        assert spent_by is not None, "a budget is only taken for points credited"
        uow.earning.record_spend(spent_by, campaign, rule, shard, points)
    uow.earning.add_usage(book.member.id, awards.usage_rows(award))
    rewarded = Book(program, book.member)  # what it adds to challenges: a reward of its own
    reached = challenges.on_activity(
        uow, definition, rewarded, cmd.type, cmd.payload, variables, when, now
    )
    book.member = rewarded.member
    for counted, more in ((book, rewarded.points), (referrer, 0)):
        if counted is not None:
            count_activity(uow, definition.tiers, counted, when, now, points=counted.points + more)
    uow.earning.add_activity(
        program.id,
        book.member.id,
        cmd.type,
        dict(cmd.payload),
        when,
        earning.version,
        entry_id,
        awards.award_json(award),
        now,
    )
    credited = referrer.member if referrer is not None and referred is not None else None
    return Paid(award, entry_id, referred, available, tuple(reached), credited)


def _evaluate(
    uow: EarningWork, earning: EarningProgram, book: Book, cmd: RecordActivity, when: datetime
) -> tuple[Award, dict[str, Any]]:
    """The activity's award, and the member's variables it was judged with."""
    local = when.astimezone(earning.tz)
    ctx = Context(
        now=local,
        member=member_vars(book.member, local, earning.currency),
        tier=book.member.tier,
        usage=uow.earning.usage(book.member.id, awards.cap_keys(earning, local)),
        streaks=_streaks(uow, earning, book.member, cmd.type, local.date()),
    )
    return evaluate_activity(earning, cmd.type, cmd.payload, ctx), dict(ctx.member)


def _check_payload(earning: EarningProgram, kind: str, payload: Mapping[str, Any]) -> None:
    fields = earning.activity_types.get(kind)
    if fields is None:
        known = ", ".join(
            sorted(t for t in earning.activity_types if not t.startswith(TASK_ACTIVITY))
        )
        raise InvalidInput(
            f"unknown activity type {kind!r}; this programme knows {known}",
            code=EarningCode.UNKNOWN_ACTIVITY_TYPE,
            field="type",
        )
    for name, kind_name in fields.items():
        value = payload.get(name)
        expected = TYPES[kind_name]
        if (
            value is None
            or isinstance(value, bool) is not (kind_name == "boolean")
            or (not isinstance(value, expected))
        ):
            raise InvalidInput(f"payload.{name} must be a {kind_name}", field=f"payload.{name}")
    extra = set(payload) - set(fields)
    if extra:
        raise InvalidInput(
            f"payload has unknown fields: {', '.join(sorted(extra))}", field="payload"
        )


def _lock(
    uow: EarningWork, program: Program, member: str, referrer: object
) -> tuple[Book, Book | None]:
    """Lock the member, then the referrer if any: every path that locks both locks the
    referred member first, and referrals make no cycle (ADR 0032), so none waits on
    another the other way round."""
    found = uow.members.get(program.id, member)
    if found is None:
        raise MemberNotFound(member)
    if not isinstance(referrer, str):
        return Book(program, uow.members.lock_by_id(found.id)), None
    other = uow.members.get(program.id, referrer)
    if other is None or other.id == found.id:
        raise InvalidInput(
            f"referrer {referrer} is not another member of this programme",
            code=EarningCode.REFERRER_NOT_FOUND,
            field="payload.referrer",
        )
    referred = uow.members.lock_by_id(found.id)
    return Book(program, referred), Book(program, uow.members.lock_by_id(other.id))


def _streaks(
    uow: EarningWork, earning: EarningProgram, member: Member, kind: str, today: date
) -> dict[str, int]:
    """Advance the member's run of days for ``kind``; streak rules see its length.

    A second activity on the same day does not advance the run, and no streak
    rule pays for it (they see 0).
    """
    if not any(r.kind is RuleKind.STREAK and r.activity == kind for r in earning.rules):
        return {}
    last = uow.earning.streak(member.id, kind)
    if last is not None and last[0] == today:
        return {}
    days = last[1] + 1 if last is not None and last[0] == today - timedelta(days=1) else 1
    uow.earning.set_streak(member.id, kind, today, days)
    return {r.id: days for r in earning.rules if r.kind is RuleKind.STREAK and r.activity == kind}


def _credit(
    uow: EarningWork,
    book: Book,
    award: Award,
    earning: EarningProgram,
    kind: str,
    when: datetime,
    now: datetime,
    beneficiary: str,
    available_at: datetime,
) -> int | None:
    lines = [x for x in award.lines if x.beneficiary == beneficiary and x.points > 0]
    if not lines:
        return None
    book.apply(
        uow,
        ledger.credit_parts(
            ledger.Account(book.member, ()),
            [(x.points, x.rule_id) for x in lines],
            kind=EntryKind.EARN,
            source=LotSource.ACTIVITY,
            now=now,
            available_at=available_at,  # pending only for a referral's return window
            expires_at=awards.expiry_of(earning, min(when, now), book.member.tier),
            reference=kind,
            version=earning.version,
            earned_at=min(when, now),  # a backdated activity's lots carry its date
            meta={"activity": kind, "beneficiary": beneficiary},
        ),
        now,
    )
    return book.entry_ids[-1]
