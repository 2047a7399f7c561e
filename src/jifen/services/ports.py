"""The ports the services need; ``adapters`` implement them, tests may fake them."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from jifen.domain.access import SigninCode, WebSession
from jifen.domain.definition import ProgramDefinition
from jifen.domain.earning.award import Usage
from jifen.domain.ledger import Entry, Hold, Lot, Posting
from jifen.domain.members import Member
from jifen.domain.nightly import ReminderWindow
from jifen.domain.operators import Operator
from jifen.domain.programs import Program
from jifen.domain.redemption import Redemption, Voucher
from jifen.domain.tiers import Stats, TierState


class Clock(Protocol):
    def now(self) -> datetime: ...


class Chance(Protocol):
    """Where lottery draws come from: a cryptographic source in production."""

    def below(self, n: int) -> int:
        """A uniform whole number in ``[0, n)``."""


@dataclass(frozen=True)
class NewMember:
    external_id: str
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None
    attributes: dict[str, Any] | None = None


class Members(Protocol):
    def add(self, program_id: int, new: NewMember, now: datetime) -> Member: ...
    def get(self, program_id: int, external_id: str) -> Member | None: ...
    def by_contact(self, program_id: int, contact: str) -> Member | None:
        """By member id, phone or email (the portal's sign-in)."""

    def search(self, program_id: int, text_: str, limit: int) -> list[Member]:
        """Members whose id, phone or email starts with ``text_`` (the console)."""

    def lock(self, program_id: int, external_id: str) -> Member | None: ...
    def lock_many(self, program_id: int, external_ids: Collection[str]) -> dict[str, Member]:
        """Lock the members found, in id order (so two batches never wait in a cycle)."""

    def lock_by_id(self, member_id: int) -> Member: ...
    def by_id(self, member_id: int) -> Member | None: ...
    def update(self, member_id: int, changes: dict[str, Any], now: datetime) -> Member: ...


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_cursor: int | None


class Ledger(Protocol):
    def open_lots(self, member_id: int) -> list[Lot]: ...
    def apply(
        self,
        program_id: int,
        posting: Posting,
        now: datetime,
    ) -> tuple[int, int | None]:
        """Apply atomically; return the new entry's id and a new hold's id."""

    def credit_many(self, program_id: int, postings: Sequence[Posting], now: datetime) -> list[int]:
        """Apply credits (new lots, nothing drawn or held) in a few statements.

        For many members at once, each row already locked; returns the entry ids
        in the order of ``postings``.
        """

    def next_entry_ids(self, count: int) -> list[int]:
        """Reserve ids for entries this transaction is about to write (``write_credits``)."""

    def write_credits(
        self, program_id: int, credits: Sequence[tuple[int, Posting, datetime]]
    ) -> None:
        """Write credits decided earlier, each (reserved entry id, posting, when).

        Credits only: new lots, nothing drawn, repaid or held. The members' rows
        are already locked; each member's balance moves once, by the sum.
        """

    def entry(self, program_id: int, entry_id: int) -> Entry | None: ...
    def reversals_of(self, entry_id: int) -> list[Entry]: ...
    def lots_of(self, entry_id: int) -> list[tuple[Lot, str | None]]:
        """The lots a credit entry created, in order, with the rule of each."""

    def expired_from(self, lot_id: int) -> int: ...
    def net_drawn(
        self,
        *,
        entry_id: int | None = None,
        hold_id: int | None = None,
    ) -> list[tuple[Lot, int]]: ...
    def hold(self, program_id: int, hold_id: int) -> Hold | None: ...
    def due_holds(
        self, program_id: int, now: datetime, limit: int, *, member_id: int | None = None
    ) -> list[Hold]: ...
    def members_due(self, program_id: int, now: datetime, limit: int) -> list[int]: ...
    def history(self, member_id: int, before: int | None, limit: int) -> Page: ...
    def earned_spans(self, entry_ids: list[int]) -> dict[int, tuple[datetime, datetime]]:
        """For each debit entry, when the oldest and newest lots it drew were earned."""

    def expiring_lots(
        self, member_id: int, now: datetime, until: datetime
    ) -> list[tuple[datetime, int]]:
        """Open lots (pending too) expiring in ``(now, until]``: (when, points), soonest first."""

    def expiring(self, member_id: int, now: datetime, until: datetime) -> int: ...


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    response: dict[str, Any] | None


class IdempotencyKeys(Protocol):
    def claim(
        self,
        program_id: int,
        key: str,
        fingerprint: str,
        now: datetime,
    ) -> StoredResponse | None:
        """Reserve ``key`` for this transaction, or return what it already holds.

        Blocks while another transaction holds the same key uncommitted.
        """

    def record(self, program_id: int, key: str, response: dict[str, Any]) -> None: ...
    def claim_many(self, program_id: int, keys: Mapping[str, str], now: datetime) -> set[str]:
        """Reserve the keys (key -> fingerprint) no one holds; return those reserved now.

        For the pipeline's batches, whose keys are its own: a key already taken is
        simply not returned.
        """

    def record_many(self, program_id: int, responses: Mapping[str, dict[str, Any]]) -> None: ...
    def stored_many(self, program_id: int, keys: Collection[str]) -> dict[str, StoredResponse]:
        """What the keys already taken hold (a key no one holds is not returned)."""


class Outbox(Protocol):
    def add(self, program_id: int, topic: str, payload: dict[str, Any], now: datetime) -> None: ...
    def add_many(
        self, program_id: int, topic: str, payloads: Sequence[dict[str, Any]], now: datetime
    ) -> None:
        """Events of one topic, in order, in one statement."""

    def add_events(
        self, program_id: int, events: Sequence[tuple[str, dict[str, Any], datetime]]
    ) -> None:
        """Events (topic, payload, when) of any topics, in order, in one statement."""


class AuditLog(Protocol):
    def record(
        self,
        program_id: int | None,
        actor: str,
        action: str,
        target: str | None,
        detail: dict[str, Any],
        now: datetime,
    ) -> None: ...


@dataclass(frozen=True)
class ApiKeyRecord:
    id: int
    program_id: int
    name: str
    prefix: str
    secret_hash: str
    scopes: frozenset[str]
    revoked: bool


class ApiKeys(Protocol):
    def add(
        self,
        program_id: int,
        name: str,
        prefix: str,
        secret_hash: str,
        scopes: list[str],
        now: datetime,
    ) -> int: ...
    def by_prefix(self, prefix: str) -> ApiKeyRecord | None: ...


class Programs(Protocol):
    def by_code(self, code: str) -> Program | None: ...
    def by_id(self, program_id: int) -> Program | None: ...
    def all(self) -> list[Program]: ...
    def save(self, program: Program, now: datetime) -> Program: ...


class Verifier(Protocol):
    def check(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ImportCounts:
    imported: int = 0
    skipped_existing: int = 0
    rejected: int = 0
    points: int = 0


@dataclass(frozen=True)
class ImportRecord:
    """How far the import of one file has come: rows up to ``last_line`` are done."""

    id: int
    fingerprint: str
    file_name: str
    last_line: int
    counts: ImportCounts
    started_at: datetime
    finished_at: datetime | None


class Imports(Protocol):
    def unfinished(self, program_id: int, fingerprint: str) -> ImportRecord | None:
        """The newest import of this file that has not finished, if any."""

    def start(
        self, program_id: int, fingerprint: str, file_name: str, file_size: int, now: datetime
    ) -> ImportRecord: ...

    def advance(
        self, import_id: int, from_line: int, to_line: int, counts: ImportCounts, now: datetime
    ) -> bool:
        """Move the checkpoint on; False if it is no longer at ``from_line``."""

    def finish(self, import_id: int, now: datetime) -> None: ...


@dataclass(frozen=True)
class Tiered:
    """What a tier review needs of a member: less to read than a whole :class:`Member`."""

    id: int
    external_id: str
    tier: str | None
    tiering: TierState


@dataclass(frozen=True)
class TierChange:
    from_tier: str | None
    to_tier: str | None
    reason: str
    actor: str | None
    detail: dict[str, Any]
    at: datetime


class TierStore(Protocol):
    """Monthly activity for tier qualification, tier state, and every tier change."""

    def add_stats(
        self, member_id: int, month: int, *, spend: int = 0, points: int = 0, orders: int = 0
    ) -> None: ...
    def stats(self, member_id: int, first: int | None, last: int) -> Stats:
        """The member's activity over months ``[first, last]`` (None: from the start)."""

    def add_then_sum(
        self, member_id: int, month: int, added: Stats, first: int | None, last: int
    ) -> Stats:
        """``add_stats`` of ``added`` to ``month``, then ``stats(first, last)``: one write
        and its read, in one round trip where the database allows."""

    def stats_of(self, spans: dict[int, tuple[int | None, int]]) -> dict[int, Stats]:
        """Several members' activity at once, each over its own months."""

    def months_of(self, member_ids: Collection[int]) -> dict[int, dict[int, Stats]]:
        """Each member's activity month by month (yyyymm), every month counted."""

    def add_stats_many(self, rows: Sequence[tuple[int, int, Stats]]) -> None:
        """Add (member id, month, activity) rows, as ``add_stats`` one by one."""

    def save(self, saves: list[tuple[int, str | None, TierState]], now: datetime) -> None:
        """Per member id: the tier in effect and how it was reached."""

    def record_changes(self, program_id: int, changes: list[tuple[int, TierChange]]) -> None: ...
    def changes(self, member_id: int, limit: int) -> list[TierChange]: ...
    def stop_expiry(self, member_id: int) -> int:
        """Open lots of the member stop expiring; how many did."""

    def birthdays(
        self,
        program_id: int,
        days: list[tuple[int, int]],
        after_member_id: int,
        limit: int,
        until: int,
    ) -> list[Member]:
        """Active members born on any of ``days`` (month, day), ids in (after, until], locked."""

    def due_for_review(
        self,
        program_id: int,
        month: int,
        cutoff: datetime,
        after_member_id: int,
        limit: int,
        until: int,
    ) -> list[Tiered]:
        """Members whose review month has come (or whose floor has ended), ids in
        (after, until], locked, by id."""


@dataclass(frozen=True)
class StockLevel:
    reward: str
    declared: int | None
    total: int | None  # None: unlimited
    taken: int

    @property
    def remaining(self) -> int | None:
        return None if self.total is None else self.total - self.taken

    def total_for(self, declared: int) -> int:
        """The total once the file declares ``declared``: a change moves it by the difference."""
        if self.declared == declared and self.total is not None:
            return self.total
        return max((self.total or 0) + declared - (self.declared or 0), self.taken)

    def remaining_for(self, declared: int) -> int:
        """What is left once the file declares ``declared``."""
        return self.total_for(declared) - self.taken


@dataclass(frozen=True)
class NewRedemption:
    member_id: int
    kind: str
    reward: str | None
    quantity: int
    points: int
    cash: int
    status: str
    hold_id: int | None
    entry_id: int | None
    reference: str | None
    program_version: int
    detail: dict[str, Any] = field(default_factory=dict)


class Redemptions(Protocol):
    """Redemptions, the live stock of rewards, and vouchers."""

    def take_stock(
        self, program_id: int, reward: str, declared: int, quantity: int, now: datetime
    ) -> bool:
        """Take ``quantity`` if that many are left; False (and nothing taken) if not.

        The first take creates the count from the file's ``declared`` stock; a
        later file declaring a different stock moves the total by the difference.
        """

    def return_stock(self, program_id: int, reward: str, quantity: int, now: datetime) -> None: ...
    def set_remaining(
        self, program_id: int, reward: str, declared: int | None, remaining: int, now: datetime
    ) -> StockLevel:
        """An operator's count: ``remaining`` left from now on."""

    def stock(self, program_id: int) -> dict[str, StockLevel]: ...
    def stock_of(self, program_id: int, reward: str) -> StockLevel | None:
        """A reward's count as last committed, without waiting for a claim in progress."""

    def add(self, program_id: int, new: NewRedemption, now: datetime) -> Redemption: ...
    def get(self, program_id: int, redemption_id: int) -> Redemption | None: ...
    def settle(
        self, redemption_id: int, status: str, now: datetime, *, entry_id: int | None = None
    ) -> None:
        """Move a held or completed redemption to ``status`` (guarded: it must be live)."""

    def live_since(self, member_id: int, reward: str) -> list[tuple[datetime, int]]:
        """When the member's held and completed redemptions of ``reward`` were made, and
        how many units each took."""

    def of_member(self, member_id: int, limit: int) -> list[Redemption]: ...
    def lapsed(self, program_id: int, now: datetime, limit: int) -> list[Redemption]:
        """Held redemptions whose hold has ended by ``now``, oldest first."""

    def add_voucher(
        self,
        program_id: int,
        redemption: Redemption,
        code: str,
        face_value: int,
        min_spend: int,
        expires_at: datetime,
        now: datetime,
    ) -> Voucher | None:
        """None if ``code`` is taken (draw another)."""

    def voucher(self, program_id: int, code: str, *, lock: bool = False) -> Voucher | None: ...
    def vouchers_of_redemption(self, redemption_id: int) -> list[Voucher]: ...
    def vouchers_of_redemptions(self, redemption_ids: Sequence[int]) -> dict[int, list[Voucher]]:
        """Each redemption's vouchers, in one query."""

    def vouchers_of_member(self, member_id: int) -> list[Voucher]: ...
    def set_voucher(
        self, voucher_id: int, status: str, now: datetime, reference: str | None = None
    ) -> None: ...


@dataclass(frozen=True)
class NewDraw:
    member_id: int
    lottery: str
    table_version: str
    program_version: int
    roll: int
    out_of: int
    drawn: str | None
    prize: str | None
    prize_kind: str | None
    won: int
    reward: str | None
    points: int
    entry_id: int
    prize_entry_id: int | None = None
    redemption_id: int | None = None


@dataclass(frozen=True)
class DrawRecord:
    id: int
    member_id: int
    lottery: str
    table_version: str
    program_version: int
    roll: int
    out_of: int
    drawn: str | None
    prize: str | None
    prize_kind: str | None
    won: int
    reward: str | None
    points: int
    entry_id: int
    prize_entry_id: int | None
    redemption_id: int | None
    created_at: datetime


class Draws(Protocol):
    """Every lottery draw, as it was drawn."""

    def add(self, program_id: int, new: NewDraw, now: datetime) -> DrawRecord: ...
    def since(self, member_id: int, lottery: str) -> list[datetime]:
        """When the member drew ``lottery``: one time per draw."""

    def of_member(self, member_id: int, limit: int) -> list[DrawRecord]: ...


@dataclass(frozen=True)
class CauseTotal:
    cause: str
    points: int
    donors: int
    gifts: int


class Donations(Protocol):
    def add(
        self, program_id: int, member_id: int, cause: str, points: int, entry_id: int, now: datetime
    ) -> int: ...
    def totals(self, program_id: int) -> dict[str, CauseTotal]: ...


class Access(Protocol):
    """Portal sign-in codes and sessions (keyed hashes only)."""

    def add_code(
        self, program_id: int, member_id: int, code_hash: str, expires_at: datetime, now: datetime
    ) -> None: ...
    def latest_code(self, member_id: int) -> SigninCode | None:
        """The member's newest code, its row locked."""

    def try_code(self, code_id: int) -> None:
        """Count one more try of a code."""

    def use_code(self, code_id: int, now: datetime) -> None: ...
    def codes_since(self, member_id: int, since: datetime) -> int: ...
    def add_session(self, session: WebSession, now: datetime) -> None: ...
    def session(self, token_hash: str) -> WebSession | None: ...
    def end_session(self, token_hash: str) -> None: ...


@dataclass(frozen=True)
class ConsoleSession:
    token_hash: str
    operator_id: int
    csrf: str
    expires_at: datetime


class Operators(Protocol):
    def add(
        self, username: str, name: str, role: str, password_hash: str, now: datetime
    ) -> Operator: ...
    def by_username(self, username: str) -> tuple[Operator, str] | None:
        """The operator and their stored password hash."""

    def by_id(self, operator_id: int) -> Operator | None: ...
    def everyone(self) -> list[Operator]:
        """All operators, by username."""

    def change(
        self,
        operator_id: int,
        *,
        role: str | None = None,
        active: bool | None = None,
        password_hash: str | None = None,
    ) -> Operator: ...
    def end_sessions(self, operator_id: int) -> int:
        """End every console session of the operator; how many there were."""

    def signed_in(self, operator_id: int, now: datetime, rehashed: str | None) -> None: ...
    def add_session(self, session: ConsoleSession, now: datetime) -> None: ...
    def session(self, token_hash: str) -> ConsoleSession | None: ...
    def end_session(self, token_hash: str) -> None: ...


class Passwords(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, stored: str | None, password: str) -> bool: ...
    def needs_rehash(self, stored: str) -> bool: ...


@dataclass(frozen=True)
class PeriodFigures:
    members: int
    active: int  # members with any movement in the period
    issued: int
    redeemed: int
    expired: int
    outstanding: int  # available + pending + held, now
    tiers: list[tuple[str, int]]  # active members per tier ('' for none)
    rewards: list[tuple[str, int, int]]  # top rewards: (code, units, points)


@dataclass(frozen=True)
class DayFigures:
    day: int  # days since 1970-01-01 in the programme's local time
    issued: int
    redeemed: int
    expired: int


class Reports(Protocol):
    def period(self, program_id: int, start: datetime, end: datetime) -> PeriodFigures: ...
    def by_day(
        self, program_id: int, start: datetime, end: datetime, offset_seconds: int
    ) -> list[DayFigures]: ...


class UnitOfWork(Protocol):
    members: Members
    ledger: Ledger
    idempotency: IdempotencyKeys
    outbox: Outbox
    audit: AuditLog
    apikeys: ApiKeys
    programs: Programs
    versions: ProgramVersions
    earning: EarningStore
    verifier: Verifier
    imports: Imports
    tiers: TierStore
    nightly: Nightly
    pipeline_runs: PipelineRuns
    outbox_relay: OutboxRelay
    redemptions: Redemptions
    draws: Draws
    donations: Donations
    access: Access
    operators: Operators
    reports: Reports

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an exception inside undoes only what it did."""


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork: ...


@dataclass(frozen=True)
class VersionInfo:
    version: int
    published_at: datetime
    published_by: str


class ProgramVersions(Protocol):
    def add(
        self, program_id: int, version: int, source: str, actor: str, now: datetime
    ) -> None: ...
    def latest(self, program_id: int) -> VersionInfo | None: ...
    def source(self, program_id: int, version: int) -> str | None: ...
    def all(self, program_id: int) -> list[VersionInfo]: ...
    def current(self, program_id: int) -> int | None:
        """The version earning uses now."""

    def set_current(self, program_id: int, version: int) -> None: ...


class Compiler(Protocol):
    """Validates and compiles a programme's text (a programme file)."""

    def __call__(self, source: str, name: str, version: int) -> ProgramDefinition: ...


class ProgramEditor(Protocol):
    """Edits of one part of a programme's text, for a new version."""

    def put_reward(self, source: str, reward: dict[str, Any]) -> str:
        """The text with ``reward`` (a file's catalogue entry) added or replacing its code."""

    def remove_reward(self, source: str, code: str) -> str: ...


@dataclass(frozen=True)
class NewOrderRecord:
    """An order row to write (``add_order``)."""

    program_id: int
    member_id: int
    order_id: str
    version: int
    placed_at: datetime
    paid: int
    entry_id: int | None
    snapshot: dict[str, Any]
    award: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class OrderRecord:
    pk: int
    order_id: str
    member_id: int
    version: int
    placed_at: datetime
    paid: int
    refunded: int
    entry_id: int | None
    snapshot: dict[str, Any]
    award: dict[str, Any]


@dataclass(frozen=True)
class RefundRecord:
    refund_id: str
    amount: int
    lines: list[tuple[str, int]]
    entry_id: int | None


class EarningStore(Protocol):
    """Everything earning keeps besides the ledger: caps, streaks, budgets, orders."""

    def usage(
        self, member_id: int, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], Usage]: ...
    def add_usage(self, member_id: int, rows: list[tuple[str, str, int, int]]) -> None:
        """Add (rule id, period, points, times) to the member's usage."""

    def usage_of(self, keys: Collection[tuple[int, str, str]]) -> dict[tuple[int, str, str], Usage]:
        """Usage by (member id, rule id, period); a key never used is not returned."""

    def add_usage_many(self, rows: Sequence[tuple[int, str, str, int, int]]) -> None:
        """Add (member id, rule id, period, points, times) rows, as ``add_usage``."""

    def streak(self, member_id: int, activity: str) -> tuple[date, int] | None: ...
    def set_streak(self, member_id: int, activity: str, day: date, days: int) -> None: ...
    def ensure_budget(self, program_id: int, campaign_id: str, budget: int) -> None: ...
    def budget_left(self, program_id: int, campaign_id: str) -> int | None: ...
    def reserve(
        self, program_id: int, campaign_id: str, points: int, hint: int
    ) -> list[tuple[int, int]]:
        """Take ``points``, or what is left of them, as [(shard, points taken)]."""

    def give_back(self, program_id: int, campaign_id: str, shard: int, points: int) -> None: ...
    def record_spend(
        self, entry_id: int, campaign_id: str, rule_id: str, shard: int, points: int
    ) -> None: ...
    def record_spends(self, rows: Sequence[tuple[int, str, str, int, int]]) -> None:
        """(entry id, campaign, rule, shard, points) rows, as ``record_spend``."""

    def spends_of(self, entry_id: int) -> list[tuple[str, str, int, int]]:
        """(campaign, rule, shard, net points) spent by an entry's award."""

    def add_order(self, record: NewOrderRecord) -> None:
        """Record an order and count it on its member: orders, spend, the latest order."""

    def add_orders(self, rows: Sequence[NewOrderRecord]) -> None:
        """Order rows alone; their members are counted by ``count_orders``."""

    def order(self, program_id: int, order_id: str) -> OrderRecord | None: ...
    def refunds_of(self, order_pk: int) -> list[RefundRecord]: ...
    def add_refund(
        self, program_id: int, order_pk: int, refund: RefundRecord, now: datetime
    ) -> None: ...
    def add_activity(
        self,
        program_id: int,
        member_id: int,
        kind: str,
        payload: dict[str, Any],
        occurred_at: datetime,
        version: int,
        entry_id: int | None,
        award: dict[str, Any],
        now: datetime,
    ) -> None: ...
    def count_orders(self, rows: Sequence[tuple[int, int, int, datetime]]) -> None:
        """(member id, orders, paid, latest placed_at) rows: what ``add_order`` counts."""


# --- the nightly pipeline -----------------------------------------------------------------


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
    the per-member path (``services.posting.settled``) would write at ``cutoff``.
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
        """Record and emit ``points.expiring`` for the next ``limit`` members with points in
        ``windows``, once per member, last day and horizon."""

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


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    program_id: int
    topic: str
    payload: dict[str, Any]
    created_at: datetime


class OutboxRelay(Protocol):
    def unpublished(self, limit: int) -> list[OutboxEvent]:
        """The oldest events not yet published, by id, locked until the transaction ends."""

    def mark_published(self, ids: Sequence[int], now: datetime) -> int: ...
    def latest(self, program_id: int, topic: str, limit: int) -> list[OutboxEvent]:
        """The newest events of one topic, newest first."""


class Publisher(Protocol):
    """Where outbox events go (notification and webhook sinks plug in here)."""

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        """Deliver ``events`` in order, or raise: nothing is marked published then."""


class JobLocks(Protocol):
    """At most one holder per (programme, job) across processes and machines."""

    def hold(self, program_id: int, job: str) -> AbstractContextManager[bool]:
        """Try to take the lock without waiting; yield whether it was taken."""
