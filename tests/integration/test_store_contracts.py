"""One contract, two implementations: the SQL repositories and the write-behind batch.

Each test runs on the real unit of work that ``bootstrap`` wires (``jf.uow()``),
on SQLite and on PostgreSQL, once as it is (``sql``) and once wrapped in the
``WriteBehind`` an import runs its orders on (``write_behind``), which first
reads what an import's batch reads beforehand: its members, locked; its
idempotency keys, claimed; their rule usage and months of activity (see
``tests/store_fixtures.py``). Whatever the batch keeps in memory must read
back as the database answers, within the transaction (a read that passes
through writes what is kept first) and after it commits.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.earning import Usage
from jifen.domain.ledger import Account, EntryKind, debit
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.domain.tiers import Stats, TierState
from jifen.services.earning import WriteBehind
from jifen.services.ports import KeyScope, StoredResponse
from jifen.services.tiers.ports import TierChange
from tests.factories import make_member
from tests.store_fixtures import KINDS, Stores, earned, member, order

CALLER, JIFEN = KeyScope.CALLER, KeyScope.JIFEN
pytestmark = [
    pytest.mark.parametrize("kind", KINDS),
    pytest.mark.parametrize(
        "database_url",
        ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres, id="postgres")],
        indirect=True,
    ),
]

TOPICS = ("contract.first", "contract.second")


@pytest.fixture
def stores(kind: str, jf: Jifen, program: Program) -> Stores:
    return Stores(kind, jf, program)


def counts(m: Member) -> tuple[int, int, int, object]:
    """(available points, orders, spend, last order): what a member's row caches."""
    return m.balances.available, m.orders_count, m.spend_total, m.last_order_at


# -- members ---------------------------------------------------------------------------


def test_a_member_reads_back_with_the_credits_and_orders_of_the_transaction(
    stores: Stores, program: Program
) -> None:
    make_member(stores.jf, program, "C-1")
    make_member(stores.jf, program, "C-2")
    now = stores.now
    with stores.batch(members=["C-1"]) as uow:  # C-2 unknown to the batch beforehand
        # given credits to two members, and two orders of one
        for external_id, points in (("C-1", 30), ("C-2", 10)):
            m = uow.members.lock(program.id, external_id)
            assert m is not None
            uow.ledger.apply(program.id, earned(m, points, now), now)
        one = member(uow, program, "C-1")
        uow.earning.add_order(order(program, one, "O-1", 500, now))
        uow.earning.add_order(order(program, one, "O-2", 200, now - timedelta(days=1)))
        # then lock and get show them
        for read in (uow.members.lock, uow.members.get):
            got = read(program.id, "C-1")
            assert got is not None
            assert counts(got) == (30, 2, 700, now)
        assert counts(member(uow, program, "C-2")) == (10, 0, 0, None)
        # and an update keeps them, and the next read sees it
        updated = uow.members.update(one.id, {"email": "c1@example.com"}, now)
        assert (updated.email, counts(updated)) == ("c1@example.com", (30, 2, 700, now))
        again = member(uow, program, "C-1")
        assert (again.email, counts(again)) == ("c1@example.com", (30, 2, 700, now))
    with stores.later() as uow:
        after = member(uow, program, "C-1")
        assert (after.email, counts(after)) == ("c1@example.com", (30, 2, 700, now))


# -- the ledger -------------------------------------------------------------------------


def test_credits_then_a_debit_leave_lots_balances_and_entries_as_a_later_read_sees(
    stores: Stores, program: Program
) -> None:
    make_member(stores.jf, program, "C-1")
    now = stores.now
    with stores.batch(members=["C-1"]) as uow:
        # given two plain credits, the second expiring sooner
        m = member(uow, program, "C-1")
        first, hold = uow.ledger.apply(program.id, earned(m, 50, now), now)
        soon = now + timedelta(days=30)
        second, _ = uow.ledger.apply(
            program.id, earned(member(uow, program, "C-1"), 20, now, expires_at=soon), now
        )
        assert hold is None
        assert second > first
        # then the entry reads back before anything else was written
        entry = uow.ledger.entry(program.id, first)
        assert entry is not None
        assert (entry.kind, entry.amount, entry.delta_available) == (EntryKind.EARN, 50, 50)
        # when 30 points are spent: soonest-expiring first
        m = member(uow, program, "C-1")
        assert m.balances.available == 70
        lots = uow.ledger.open_lots(m.id)
        assert sorted(lot.remaining for lot in lots) == [20, 50]
        spent, _ = uow.ledger.apply(
            program.id, debit(Account(m, tuple(lots)), 30, kind=EntryKind.REDEEM, now=now), now
        )
        # then
        assert spent > second
        assert [lot.remaining for lot in uow.ledger.open_lots(m.id)] == [40]
        assert member(uow, program, "C-1").balances.available == 40
    with stores.later() as uow:
        got = member(uow, program, "C-1")
        assert (got.balances.available, got.balances.pending) == (40, 0)
        spend = uow.ledger.entry(program.id, spent)
        assert spend is not None
        assert (spend.kind, spend.amount, spend.delta_available) == (EntryKind.REDEEM, 30, -30)
        lots = uow.ledger.open_lots(got.id)
        assert [(lot.remaining, lot.expires_at) for lot in lots] == [(40, None)]


# -- idempotency keys -------------------------------------------------------------------


def test_a_claimed_key_replays_the_response_recorded_for_it(
    stores: Stores, program: Program
) -> None:
    now = stores.now
    with stores.batch(keys={"order:O-1": "fp-1"}) as uow:  # order:O-2: not claimed beforehand
        for k, fp in (("order:O-1", "fp-1"), ("order:O-2", "fp-2")):
            # given a key claimed and answered
            assert uow.idempotency.claim(program.id, k, fp, now, JIFEN) is None
            uow.idempotency.record(program.id, k, {"key": k}, JIFEN)
            # then claiming it again replays the response
            replay = uow.idempotency.claim(program.id, k, fp, now, JIFEN)
            assert replay == StoredResponse(fp, {"key": k})
            # and a caller's key of the same text is another key
            assert uow.idempotency.claim(program.id, k, "caller", now, CALLER) is None
            uow.idempotency.record(program.id, k, {"caller": k}, CALLER)
        stored = uow.idempotency.stored_many(program.id, {"order:O-1", "order:O-2", "order:O-3"})
        assert stored == {
            "order:O-1": StoredResponse("fp-1", {"key": "order:O-1"}),
            "order:O-2": StoredResponse("fp-2", {"key": "order:O-2"}),
        }
    with stores.later() as uow:
        assert uow.idempotency.stored_many(program.id, {"order:O-1"}) == {
            "order:O-1": StoredResponse("fp-1", {"key": "order:O-1"})
        }
        callers = uow.idempotency.claim(program.id, "order:O-1", "caller", now, CALLER)
        assert callers == StoredResponse("caller", {"caller": "order:O-1"})


# -- the outbox -------------------------------------------------------------------------


def test_outbox_events_are_relayed_in_the_order_they_were_added(
    stores: Stores, program: Program
) -> None:
    now = stores.now
    first, second = TOPICS
    with stores.batch() as uow:
        # given events added one, many, and of several topics at once
        uow.outbox.add(program.id, first, {"n": 1}, now)
        uow.outbox.add_many(program.id, second, [{"n": 2}, {"n": 3}], now)
        uow.outbox.add_events(program.id, [(first, {"n": 4}, now), (second, {"n": 5}, now)])
        uow.outbox.add(program.id, first, {"n": 6}, now)
        # then the relay sees them in that order, and the newest of a topic first
        relayed = [e for e in uow.outbox_relay.unpublished(1000) if e.topic in TOPICS]
        assert [e.payload["n"] for e in relayed] == [1, 2, 3, 4, 5, 6]
        latest = uow.outbox_relay.latest(program.id, first, 2)
        assert [e.payload["n"] for e in latest] == [6, 4]
    with stores.later() as uow:
        relayed = [e for e in uow.outbox_relay.unpublished(1000) if e.topic in TOPICS]
        topics = [first, second, second, first, second, first]
        assert [(e.topic, e.payload["n"]) for e in relayed] == list(
            zip(topics, range(1, 7), strict=True)
        )


# -- earning ----------------------------------------------------------------------------


def test_rule_usage_adds_up_and_reads_back(stores: Stores, program: Program) -> None:
    make_member(stores.jf, program, "C-1")
    week = "2026-W10"
    with stores.batch(members=["C-1"], usage=[("C-1", "weekly", week)]) as uow:
        m = member(uow, program, "C-1")
        keys = [("weekly", week), ("first-order", week)]  # the second: not read beforehand
        assert uow.earning.usage(m.id, keys) == {}
        # given usage added twice to one rule, once to another
        uow.earning.add_usage(m.id, [("weekly", week, 30, 1), ("first-order", week, 5, 1)])
        uow.earning.add_usage(m.id, [("weekly", week, 30, 1)])
        # then it reads back summed
        expected = {("weekly", week): Usage(60, 2), ("first-order", week): Usage(5, 1)}
        assert uow.earning.usage(m.id, keys) == expected
        assert uow.earning.usage(m.id, [("weekly", week)]) == {("weekly", week): Usage(60, 2)}
    with stores.later() as uow:
        assert uow.earning.usage(m.id, keys) == expected


def test_a_reserved_budget_is_spent_by_the_entry_that_records_it(
    stores: Stores, program: Program
) -> None:
    make_member(stores.jf, program, "C-1")
    now = stores.now
    with stores.batch(members=["C-1"]) as uow:
        uow.earning.ensure_budget(program.id, "spring", 100)
        # given 30 points reserved, then more than what is left
        taken = uow.earning.reserve(program.id, "spring", 30, 0)
        rest = uow.earning.reserve(program.id, "spring", 90, 1)
        assert sum(n for _, n in taken) == 30
        assert sum(n for _, n in rest) == 70
        assert uow.earning.budget_left(program.id, "spring") == 0
        # when an entry records what it spent
        entry_id, _ = uow.ledger.apply(
            program.id, earned(member(uow, program, "C-1"), 100, now), now
        )
        for shard, n in taken + rest:
            uow.earning.record_spend(entry_id, "spring", "spring-bonus", shard, n)
        # then its spends read back, per shard
        spends = uow.earning.spends_of(entry_id)
        assert sum(n for *_, n in spends) == 100
        assert {(c, r) for c, r, _, _ in spends} == {("spring", "spring-bonus")}
    with stores.later() as uow:
        assert sorted(uow.earning.spends_of(entry_id)) == sorted(spends)
        assert uow.earning.budget_left(program.id, "spring") == 0


def test_orders_read_back_and_only_add_order_counts_them_on_the_member(
    stores: Stores, program: Program
) -> None:
    make_member(stores.jf, program, "C-1")
    now = stores.now
    with stores.batch(members=["C-1"]) as uow:
        m = member(uow, program, "C-1")
        # given an order added and counted, one added alone, and an earlier one counted
        uow.earning.add_order(order(program, m, "O-1", 500, now))
        uow.earning.add_orders([order(program, m, "O-2", 300, now + timedelta(hours=1))])
        uow.earning.add_order(order(program, m, "O-3", 200, now - timedelta(days=2)))
        # then each reads back
        for order_id, paid in (("O-1", 500), ("O-2", 300), ("O-3", 200)):
            found = uow.earning.order(program.id, order_id)
            assert found is not None
            assert (found.member_id, found.paid, found.refunded) == (m.id, paid, 0)
            assert found.snapshot == {"lines": 1}
        assert uow.earning.order(program.id, "O-4") is None
        # and the member counts the two added with add_order, its latest placed last
        assert counts(member(uow, program, "C-1")) == (0, 2, 700, now)
    with stores.later() as uow:
        assert counts(member(uow, program, "C-1")) == (0, 2, 700, now)
        assert uow.earning.order(program.id, "O-2") is not None


def test_the_first_order_of_a_span_reads_back_with_the_orders_of_the_transaction(
    stores: Stores, program: Program
) -> None:
    make_member(stores.jf, program, "C-1")
    now = stores.now
    week = (now - timedelta(days=3), now + timedelta(days=4))
    with stores.batch(members=["C-1"]) as uow:
        m = member(uow, program, "C-1")
        span = (m.id, *week)
        if isinstance(uow, WriteBehind):
            uow.know_firsts({span: None})  # read beforehand, as an import's batch does
        assert uow.earning.first_in(*span) is None and uow.earning.firsts_in([span]) == {}
        # given orders of the span added out of time order, and one before it
        uow.earning.add_order(order(program, m, "O-2", 100, now))
        uow.earning.add_order(order(program, m, "O-1", 100, now - timedelta(days=1)))
        uow.earning.add_orders([order(program, m, "O-0", 100, now - timedelta(days=9))])
        uow.earning.add_order(order(program, m, "O-0b", 100, now - timedelta(days=1)))
        # then the span's first is the earliest placed, the smaller id on a tie
        first = (now - timedelta(days=1), "O-0b")
        assert uow.earning.first_in(*span) == first
        assert uow.earning.firsts_in([span]) == {span: first}
    with stores.later() as uow:
        assert uow.earning.first_in(*span) == first


def test_each_span_reads_its_own_first_order_whatever_the_others_hold(
    stores: Stores, program: Program
) -> None:
    make_member(stores.jf, program, "C-1")
    make_member(stores.jf, program, "C-2")
    now = stores.now
    this_week = (now - timedelta(days=3), now + timedelta(days=4))
    last_week = (now - timedelta(days=10), now - timedelta(days=3))
    with stores.jf.uow() as uow:  # the SQL store alone
        one, two = member(uow, program, "C-1"), member(uow, program, "C-2")
        uow.earning.add_order(order(program, one, "A-2", 100, now))
        uow.earning.add_order(order(program, one, "A-1", 100, now - timedelta(days=2)))
        uow.earning.add_order(order(program, one, "A-0", 100, now - timedelta(days=8)))
        uow.earning.add_order(order(program, two, "B-1", 100, now - timedelta(days=1)))
        spans = [(one.id, *this_week), (one.id, *last_week), (two.id, *this_week),
                 (two.id, *last_week)]  # fmt: skip
        assert uow.earning.firsts_in(spans) == {
            spans[0]: (now - timedelta(days=2), "A-1"),
            spans[1]: (now - timedelta(days=8), "A-0"),
            spans[2]: (now - timedelta(days=1), "B-1"),
        }  # C-2 had no order last week: its span is absent
        assert all(uow.earning.first_in(*span) == uow.earning.firsts_in([span]).get(span)
                   for span in spans)  # fmt: skip
        # more spans than SQLite takes terms in a compound select, in one call
        many = [(one.id, now - timedelta(days=d + 1), now + timedelta(days=1)) for d in range(1200)]
        found = uow.earning.firsts_in(many)
        assert len(found) == 1200
        assert found[many[0]] == (now, "A-2")
        assert found[many[1]] == found[many[6]] == (now - timedelta(days=2), "A-1")
        assert found[many[7]] == found[many[1199]] == (now - timedelta(days=8), "A-0")


# -- tiers ------------------------------------------------------------------------------


def test_monthly_activity_sums_over_each_window(stores: Stores, program: Program) -> None:
    make_member(stores.jf, program, "C-1")
    make_member(stores.jf, program, "C-2")
    with stores.batch(members=["C-1"]) as uow:  # C-2's months: not read beforehand
        for external_id in ("C-1", "C-2"):
            m = member(uow, program, external_id)
            # given activity in two months
            uow.tiers.add_stats(m.id, 202603, spend=100, points=5, orders=1)
            uow.tiers.add_stats(m.id, 202604, spend=50)
            uow.tiers.add_stats(m.id, 202604)  # nothing
            # then each window sums its months
            assert uow.tiers.stats(m.id, None, 202604) == Stats(150, 5, 1)
            assert uow.tiers.stats(m.id, 202604, 202604) == Stats(50, 0, 0)
            assert uow.tiers.stats(m.id, 202605, 202612) == Stats()
            # and adding then summing returns the sum with the addition
            total = uow.tiers.add_then_sum(m.id, 202605, Stats(10, 1, 1), 202604, 202605)
            assert total == Stats(60, 1, 1)
        ids = [member(uow, program, x).id for x in ("C-1", "C-2")]
    with stores.later() as uow:
        for member_id in ids:
            assert uow.tiers.stats(member_id, None, 202612) == Stats(160, 6, 2)
            assert uow.tiers.months_of([member_id])[member_id] == {
                202603: Stats(100, 5, 1),
                202604: Stats(50, 0, 0),
                202605: Stats(10, 1, 1),
            }


def test_the_last_tier_saved_holds_and_every_change_reads_back(
    stores: Stores, program: Program
) -> None:
    make_member(stores.jf, program, "C-1")
    now = stores.now
    silver = TierState(earned="silver", review_month=202701)
    gold = TierState(earned="gold", review_month=202701, nudged="diamond")
    changes = [
        (None, "silver", {"spend": 1000}),
        ("silver", "gold", {"spend": 5000}),
    ]
    with stores.batch(members=["C-1"]) as uow:
        m = member(uow, program, "C-1")
        # given two saves of the member's tier, and the two changes
        uow.tiers.save([(m.id, "silver", silver)], now)
        uow.tiers.save([(m.id, "gold", gold)], now)
        uow.tiers.record_changes(
            program.id,
            [(m.id, TierChange(a, b, "qualified", None, d, now)) for a, b, d in changes],
        )
        # then the member has the last, and the changes read newest first
        saved = member(uow, program, "C-1")
        assert (saved.tier, saved.tiering) == ("gold", gold)
        read = uow.tiers.changes(m.id, 10)
        assert [(c.from_tier, c.to_tier, c.detail) for c in read] == changes[::-1]
        assert [(c.from_tier, c.to_tier) for c in uow.tiers.changes(m.id, 1)] == [
            ("silver", "gold")
        ]
    with stores.later() as uow:
        got = member(uow, program, "C-1")
        assert (got.tier, got.tiering) == ("gold", gold)
        assert len(uow.tiers.changes(m.id, 10)) == 2


# -- versions ---------------------------------------------------------------------------


def test_the_current_version_is_the_one_last_set(stores: Stores, program: Program) -> None:
    now = stores.now
    with stores.batch() as uow:
        assert uow.versions.current(program.id) is None  # registered, never published
        for version in (1, 2):
            # given a version published and made current
            uow.versions.add(program.id, version, f"# version {version}", "test", now)
            uow.versions.set_current(program.id, version)
            # then it is the current one
            assert uow.versions.current(program.id) == version
    with stores.later() as uow:
        assert uow.versions.current(program.id) == 2
