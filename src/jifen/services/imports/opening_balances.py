"""Opening balances: the points members bring from the system a brand leaves.

Each opening balance is one ``earn`` entry with one lot of source ``import``,
its reference recorded, no rule. Its idempotency key is its member and its
reference (``balance:{member}/{reference}``; a member id never holds a ``/``),
so the same row twice credits once, and a second row for a member under a
reference already used for different points is refused (``reference_reused``).
A member who has not joined yet joins with their balance; a blocked or erased
member is refused. Without an ``expires_at``, the lot expires as the points the
programme awards do (its expiry policy, the member's tier included), counted
from ``earned_at`` or, without it, from the import; a lot whose end has passed
is refused (``already_expired``). Opening points are available at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from jifen.domain.error_codes import ImportCode
from jifen.domain.errors import Conflict, IdempotencyConflict, RuleViolation
from jifen.domain.ledger import LotSource
from jifen.domain.programs import Program
from jifen.services.idempotency import Keyed, once
from jifen.services.imports.balance_records import opening_from
from jifen.services.imports.commands import OpenBalance
from jifen.services.imports.ports import ImportWork
from jifen.services.ledger import Earn, Receipt, earn_in
from jifen.services.members import join
from jifen.services.ports import KeyScope, NewMember
from jifen.services.rulebooks import Rulebooks


def balance_key(cmd: OpenBalance) -> str:
    return f"balance:{cmd.member}/{cmd.reference}"


def open_balance_in(
    uow: ImportWork,
    rulebooks: Rulebooks,
    program: Program,
    cmd: OpenBalance,
    now: datetime,
    *,
    commit: bool = True,
) -> Receipt:
    """Credit one opening balance, once, inside an open unit of work.

    ``cmd`` is ``opening_from(...)``, checked by the caller; ``commit=False``
    leaves the unit of work open (a batch).
    """
    call = Keyed(program, cmd, balance_key(cmd), now, scope=KeyScope.JIFEN)
    try:
        return once(uow, call, partial(_open, rulebooks=rulebooks), commit=commit)
    except IdempotencyConflict:
        raise Conflict(
            f"member {cmd.member} already has an opening balance with reference "
            f"{cmd.reference!r} and other details; give each of a member's lots its own reference",
            code=ImportCode.REFERENCE_REUSED,
            member=cmd.member,
            reference=cmd.reference,
        ) from None


def _open(uow: ImportWork, call: Keyed[OpenBalance], *, rulebooks: Rulebooks) -> Receipt:
    program, cmd, now = call.program, call.command, call.now
    member = uow.members.get(program.id, cmd.member) or join(
        uow, program, NewMember(cmd.member), now
    )
    member.require_active()
    earning = rulebooks.current(uow, program).earning
    earned = cmd.earned_at or now
    expires = cmd.expires_at or earning.expires_at(earned, member.tier)
    if expires is not None and expires <= now:
        raise RuleViolation(
            _expired(cmd, expires.astimezone(program.tz)), code=ImportCode.ALREADY_EXPIRED
        )
    earn = Earn(
        cmd.member,
        cmd.points,
        source=LotSource.IMPORT.value,
        reference=cmd.reference,
        expires_at=expires,
    )
    meta = {"opening_balance": cmd.reference, "earned_at": earned.isoformat()}
    return earn_in(uow, program, earn, now, meta=meta)


def _expired(cmd: OpenBalance, expires: datetime) -> str:
    """``expires`` in the programme's timezone, as operators read dates."""
    if cmd.expires_at is not None:
        return f"these points expired at {expires.isoformat()}, before they were imported"
    return (
        f"under the programme's expiry policy these points expired at {expires.isoformat()}, "
        "before they were imported"
    )


@dataclass(frozen=True)
class BalanceRows:
    """The rows of a balance file, for ``imports.import_balances``: one lot a row."""

    rulebooks: Rulebooks
    program: Program

    def start(self, uow: ImportWork) -> None:
        self.rulebooks.current(uow, self.program)  # its expiry policy: published rules

    def subject(self, record: object) -> str | None:
        return self.member(record)

    def member(self, record: object) -> str | None:
        member = record.get("member") if isinstance(record, dict) else None
        return member if isinstance(member, str) else None

    def check(self, record: object, now: datetime) -> OpenBalance:
        return opening_from(record, self.program.tz, now)

    def write(self, uow: ImportWork, item: OpenBalance, now: datetime) -> Receipt:
        return open_balance_in(uow, self.rulebooks, self.program, item, now, commit=False)
