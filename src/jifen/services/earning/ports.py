"""Everything earning keeps besides the ledger: caps, streaks, budgets, orders."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Protocol

from jifen.domain.earning import Usage
from jifen.domain.ledger import Posting
from jifen.domain.members import Member
from jifen.domain.tiers import Stats, TierState
from jifen.services.challenges.ports import ChallengeWork, Progress
from jifen.services.leaderboards.ports import LeaderboardWork
from jifen.services.ports import StoredResponse
from jifen.services.tiers.ports import TierChange, TierWork

Span = tuple[int, datetime, datetime]  # a member's orders placed in [start, end)


@dataclass(frozen=True, kw_only=True)
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
    #: recorded after its points would have expired: it credits nothing and is never
    #: its week's first (``first_in`` does not see it)
    arrived_expired: bool = False
    #: what it added to challenges, for a refund to take back: {id: [round, tally]}
    challenges: dict[str, Any] | None = None


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
    challenges: dict[str, Any] = field(default_factory=dict)  # what it added, as it stands
    created_at: datetime | None = None  # when it was recorded


@dataclass(frozen=True)
class RefundRecord:
    refund_id: str
    amount: int
    lines: list[tuple[str, int]]
    entry_id: int | None


@dataclass(frozen=True, kw_only=True)
class ConditionErrors:
    """How often a rule's condition failed to evaluate on a local day, and the latest."""

    rule_id: str
    day: date
    errors: int
    last_at: datetime
    last_reference: str  # the order id or activity type
    last_error: str  # the evaluator's text
    last_problem: str  # its stable code: wrong_types, missing_field, ...
    last_params: dict[str, str]


class ReferralStatus(enum.StrEnum):
    JOINED = "joined"  # linked; waiting for what pays it (the friend's qualifying purchase)
    CONVERTED = "converted"  # paid (pending until ``available_at``)
    VOIDED = "voided"  # an operator voided it: its points taken back, never paid again


@dataclass(frozen=True, kw_only=True)
class ReferralPaid:
    """What a referral paid: each side's points and credit, and for which purchase."""

    rule_id: str
    order_id: str | None  # the friend's purchase that converted it (None: an activity)
    friend_entry_id: int | None
    referrer_entry_id: int | None
    friend_points: int
    referrer_points: int
    available_at: datetime  # pending until then: the purchase's return window


@dataclass(frozen=True, kw_only=True)
class Referral:
    """Who referred a member (one referrer per referee, ever), and what it paid."""

    referee_id: int
    referrer_id: int
    status: ReferralStatus
    created_at: datetime
    converted_at: datetime | None = None
    paid: ReferralPaid | None = None
    voided_at: datetime | None = None
    void_reason: str | None = None

    @property
    def converted(self) -> bool:
        """Paid, or voided: either way it pays nothing more."""
        return self.status is not ReferralStatus.JOINED


@dataclass(frozen=True, kw_only=True)
class BatchAsk:
    """What a batch of orders reads before it decides anything (``start_batch``).

    Members are named by their external ids: the reads that need a member's id find it
    by joining the members they lock, so that none waits for another's answer.
    """

    program_id: int
    #: idempotency keys (jifen's scope) to look up, each with what may claim it: the
    #: fingerprint and member of its first order whose member is active; a key is
    #: claimed only if it is not stored yet and that member is active
    keys: Mapping[str, tuple[str, str]]
    members: Collection[str]  # to lock, in id order
    usage: Collection[tuple[str, str, str]]  # (member, rule id, period) of capped rules
    spans: Collection[tuple[str, datetime, datetime]]  # (member, start, end): first orders
    months: bool  # read the members' months of activity (the programme has tiers)
    entries: int  # entry ids to reserve
    now: datetime
    #: the members' rounds of these (challenge, round), and scores on these (board, period)
    challenges: Collection[tuple[str, str]] = ()
    boards: Collection[tuple[str, str]] = ()


@dataclass(frozen=True, kw_only=True)
class BatchStart:
    """What ``start_batch`` found, as of one moment, with the members locked."""

    stored: dict[str, StoredResponse]  # keys stored before the batch
    members: dict[str, Member]  # by external id, locked
    claimed: set[str]  # keys this transaction has claimed
    version: int | None  # the programme's current version
    usage: dict[tuple[int, str, str], Usage]  # by (member id, rule, period); unused left out
    firsts: dict[Span, tuple[datetime, str] | None]  # every span asked, by member id
    months: dict[int, dict[int, Stats]]  # every member asked (if asked), month by month
    entry_ids: list[int]
    #: the locked members' rounds and scores asked (None: not read here, ask again)
    progress: dict[tuple[int, str, str], Progress] | None = None
    scores: dict[tuple[int, str, str, str], int] | None = None


@dataclass
class BatchWrites:
    """What a batch has decided to write and not yet written (``write_batch``), in the
    order it was decided.

    Empty when every field is: derived from the fields themselves, so a field added here
    is never taken for empty (and its rows never dropped) by a flush.
    """

    credits: list[tuple[int, Posting, datetime]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any], datetime]] = field(default_factory=list)
    orders: list[NewOrderRecord] = field(default_factory=list)
    spends: list[tuple[int, str, str, int, int]] = field(default_factory=list)
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    # summed per key: (member, month) and (member, rule, period) and member
    months: dict[tuple[int, int], Stats] = field(default_factory=dict)
    usage: dict[tuple[int, str, str], Usage] = field(default_factory=dict)
    counted: dict[int, tuple[int, int, datetime]] = field(default_factory=dict)
    tiers: dict[int, tuple[str | None, TierState, datetime]] = field(default_factory=dict)
    tier_changes: list[tuple[int, TierChange]] = field(default_factory=list)
    # the latest of each round of a challenge: (member, challenge, round) -> (program, it)
    progress: dict[tuple[int, str, str], tuple[int, Progress]] = field(default_factory=dict)
    # leaderboards: (member, board, period, scope) -> (program, score, hidden, at); and the
    # counts' deltas, summed: (program, board, period, scope, level, key) -> delta
    scores: dict[tuple[int, str, str, str], tuple[int, int, bool, datetime]] = field(
        default_factory=dict
    )
    counts: dict[tuple[int, str, str, str, int, int], int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


class EarningStore(Protocol):
    """Everything earning keeps besides the ledger: caps, streaks, budgets, orders,
    referrals."""

    def start_batch(self, ask: BatchAsk) -> BatchStart:
        """Everything a batch of orders reads first, and its claims and locks, in one
        round trip where the database allows it (see ``BatchAsk``)."""

    def write_batch(self, program_id: int, writes: BatchWrites) -> None:
        """Everything a batch kept, every table, in as few statements as the database
        allows (on PostgreSQL: safe in ``commit_with``). ``counted``: (orders, paid,
        latest placed_at) per member, as ``count_orders``; ``tiers``: (tier, state, at)."""

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
        self, program_id: int, campaign_id: str, points: int, hint: int, *, in_order: bool = False
    ) -> list[tuple[int, int]]:
        """Take ``points``, or what is left of them, as [(shard, points taken)].

        ``in_order``: the transaction may take from this campaign again (a batch of
        orders): its shards are locked in shard order from the first time, never one
        shard out of order, which a later wait for the others would deadlock on."""

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
    def first_in(
        self, member_id: int, start: datetime, end: datetime
    ) -> tuple[datetime, str] | None:
        """(placed_at, order_id) of the member's first order placed in [start, end), by
        placed_at then order_id (one indexed read); None: no order then."""

    def firsts_in(self, spans: Collection[Span]) -> dict[Span, tuple[datetime, str]]:
        """``first_in`` for many (member id, start, end) spans in one read; a span
        without an order is left out."""

    def set_order_challenges(self, order_pk: int, added: dict[str, Any]) -> None:
        """What the order adds to challenges now (after a refund)."""

    def replace_snapshot(self, order_pk: int, snapshot: dict[str, Any]) -> None:
        """What the rules are to see of the order from now on (refunds evaluate on it)."""

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

    def referral_of(self, referee_id: int) -> Referral | None:
        """Who referred the member, if anyone did."""

    def add_referral(
        self, program_id: int, referee_id: int, referrer_id: int, now: datetime
    ) -> None:
        """Link the referee to the referrer, for ever; the referral waits for what pays it
        (``members.referral_open``)."""

    def convert_referral(self, referee_id: int, paid: ReferralPaid, now: datetime) -> None:
        """The member's referral has converted: what it paid."""

    def reopen_referral(self, referee_id: int) -> None:
        """The purchase that converted it was refunded in its return window: it waits again."""

    def void_referral(self, referee_id: int, reason: str, now: datetime) -> None:
        """An operator voided the referral: it never pays again."""

    def referrer_tally(self, referrer_id: int, since: datetime | None) -> Usage:
        """The referrals that paid the referrer since ``since`` (None: ever): their points
        and how many."""

    def has_kept_order(self, member_id: int) -> bool:
        """Whether the member has an order not wholly refunded (a qualifying purchase)."""

    def count_condition_errors(
        self, program_id: int, shard: int, rows: Sequence[ConditionErrors]
    ) -> None:
        """Add each row's ``errors`` to its rule and day (on ``shard``, any small int),
        and make it the latest failure there."""

    def condition_errors(self, program_id: int, since: date) -> list[ConditionErrors]:
        """Each rule's condition errors per day from ``since``, summed over shards, with
        the latest failure; by day, then rule."""


class EarningWork(ChallengeWork, LeaderboardWork, TierWork, Protocol):
    """What orders, refunds and activities need: they credit points, count for tiers, move
    challenges along and score on leaderboards."""

    earning: EarningStore
