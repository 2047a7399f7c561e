"""Lottery draws: pay the points, draw, deliver the prize, record everything.

One request pays for all its draws in one debit, then draws them one by one
from the injected :class:`~jifen.services.ports.Chance` (the operating
system's cryptographic source in production, a seeded one in tests). A prize
with a stock takes it the way a catalogue redemption does, on its own row,
and falls back down its declared chain when none is left. Every draw is
recorded with the number drawn and the prize table's version, so that an
auditor can check each outcome against the table it was drawn on.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from jifen.domain import ledger
from jifen.domain.definition import ProgramDefinition
from jifen.domain.errors import InvalidInput, NotFound
from jifen.domain.ledger import EntryKind, LotSource
from jifen.domain.programs import Program
from jifen.domain.redemption import (
    ODDS,
    Lottery,
    Prize,
    PrizeKind,
    RedemptionKind,
    RedemptionStatus,
)
from jifen.services.idempotency import once
from jifen.services.ledger import Book, lock_member, settled
from jifen.services.ports import Chance, Clock
from jifen.services.redemption.commands import DrawLottery
from jifen.services.redemption.issuing import issue_vouchers
from jifen.services.redemption.lottery_odds import outcome_of
from jifen.services.redemption.ports import NewDraw, NewRedemption, RedemptionWork
from jifen.services.redemption.views import DrawOutcome, DrawsView
from jifen.services.rulebooks import Rulebooks

MAX_DRAWS = 10


def draw(
    uow: RedemptionWork,
    clock: Clock,
    chance: Chance,
    rulebooks: Rulebooks,
    program: Program,
    cmd: DrawLottery,
    key: str,
) -> DrawsView:
    if isinstance(cmd.draws, bool) or not 1 <= cmd.draws <= MAX_DRAWS:
        raise InvalidInput(f"draws is 1 to {MAX_DRAWS}", field="draws")
    now = clock.now()
    with uow:

        def work() -> DrawsView:
            rules = rulebooks.current(uow, program)
            lottery = _lottery(rules, cmd.lottery)
            book = Book(program, lock_member(uow, program, cmd.member))
            book.member.require_active()
            tier = (
                rules.tiers.effective(book.member.tiering, now).code if rules.tiers.levels else None
            )
            lottery.check(now, tier)
            used: Counter[str] = Counter()
            for when in uow.draws.since(book.member.id, lottery.code):
                for limit in lottery.limits:
                    used[limit.key(when.astimezone(program.tz))] += 1
            lottery.check_limits(now.astimezone(program.tz), used, cmd.draws)
            cost = lottery.points * cmd.draws
            account = settled(uow, book, now)
            book.apply(
                uow,
                ledger.debit(
                    account,
                    cost,
                    kind=EntryKind.REDEEM,
                    now=now,
                    reference=f"lottery:{lottery.code}",
                ),
                now,
            )
            paid_by = book.entry_ids[-1]
            outcomes = tuple(
                _draw_one(uow, chance, program, rules, lottery, book, paid_by, now)
                for _ in range(cmd.draws)
            )
            b = book.member.balances
            uow.outbox.add(
                program.id,
                "lottery.drawn",
                {
                    "member": book.member.external_id,
                    "lottery": lottery.code,
                    "version": lottery.version,
                    "cost": cost,
                    "draws": [
                        {"id": o.id, "roll": o.roll, "drawn": o.drawn, "prize": o.prize}
                        for o in outcomes
                    ],
                },
                now,
            )
            return DrawsView(
                book.member.external_id,
                lottery.code,
                lottery.version,
                cost,
                outcomes,
                b.available,
                b.pending,
                b.held,
            )

        return once(uow, program.id, key, cmd, now, DrawsView, work)


def _draw_one(
    uow: RedemptionWork,
    chance: Chance,
    program: Program,
    rules: ProgramDefinition,
    lottery: Lottery,
    book: Book,
    paid_by: int,
    now: datetime,
) -> DrawOutcome:
    roll = chance.below(ODDS)
    drawn = lottery.pick(roll)
    prize = _in_stock(uow, program, rules, lottery, drawn, now)
    prize_entry = redemption_id = None
    vouchers = []
    if prize is not None and prize.kind is PrizeKind.POINTS:
        book.apply(
            uow,
            ledger.credit(
                ledger.Account(book.member, ()),
                prize.points,
                kind=EntryKind.EARN,
                source=LotSource.PRIZE,
                now=now,
                expires_at=rules.earning.expires_at(now, book.member.tier),
                reference=f"lottery:{lottery.code}/{prize.code}",
            ),
            now,
        )
        prize_entry = book.entry_ids[-1]
    elif prize is not None:
        assert prize.reward is not None
        reward = rules.redemption.catalogue.get(prize.reward)
        redemption = uow.redemptions.add(
            program.id,
            NewRedemption(
                member_id=book.member.id,
                kind=RedemptionKind.PRIZE.value,
                reward=reward.code,
                quantity=1,
                points=0,
                cash=0,
                status=RedemptionStatus.COMPLETED.value,
                hold_id=None,
                entry_id=None,
                reference=f"lottery:{lottery.code}/{prize.code}",
                program_version=rules.earning.version,
                detail={"name": dict(reward.name), "kind": reward.kind.value},
            ),
            now,
        )
        redemption_id = redemption.id
        vouchers = issue_vouchers(uow, program, reward, redemption, now)
    record = uow.draws.add(
        program.id,
        NewDraw(
            member_id=book.member.id,
            lottery=lottery.code,
            table_version=lottery.version,
            program_version=rules.earning.version,
            roll=roll,
            out_of=ODDS,
            drawn=drawn.code if drawn else None,
            prize=prize.code if prize else None,
            prize_kind=prize.kind.value if prize else None,
            won=prize.points if prize and prize.kind is PrizeKind.POINTS else 0,
            reward=prize.reward if prize else None,
            points=lottery.points,
            entry_id=paid_by,
            prize_entry_id=prize_entry,
            redemption_id=redemption_id,
        ),
        now,
    )
    return outcome_of(record, prize, vouchers)


def _in_stock(
    uow: RedemptionWork,
    program: Program,
    rules: ProgramDefinition,
    lottery: Lottery,
    drawn: Prize | None,
    now: datetime,
) -> Prize | None:
    """The first prize down the chain that is in stock (its own and its reward's)."""
    for candidate in lottery.chain(drawn):
        own = lottery.stock_key(candidate)
        if candidate.stock is not None and not uow.redemptions.take_stock(
            program.id, own, candidate.stock, 1, now
        ):
            continue
        if candidate.kind is PrizeKind.REWARD:
            assert candidate.reward is not None
            reward = rules.redemption.catalogue.get(candidate.reward)
            if reward.stock is not None and not uow.redemptions.take_stock(
                program.id, reward.code, reward.stock, 1, now
            ):
                if candidate.stock is not None:
                    uow.redemptions.return_stock(program.id, own, 1, now)
                continue
        return candidate
    return None


def _lottery(rules: ProgramDefinition, code: str) -> Lottery:
    found = rules.redemption.lotteries.get(code)
    if found is None:
        raise NotFound(f"no lottery {code!r}", code="lottery_not_found", lottery=code)
    return found
