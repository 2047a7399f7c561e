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

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from jifen.domain import ledger
from jifen.domain.definition import ProgramDefinition
from jifen.domain.error_codes import RedemptionCode
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
    Voucher,
)
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import Book, settled
from jifen.services.ports import Chance, Clock
from jifen.services.redemption.commands import DrawLottery
from jifen.services.redemption.issuing import issue_vouchers
from jifen.services.redemption.limits import check_allowed
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
    """``cmd.draws`` draws of a lottery, paid in one debit."""
    if isinstance(cmd.draws, bool) or not 1 <= cmd.draws <= MAX_DRAWS:
        raise InvalidInput(f"draws is 1 to {MAX_DRAWS}", field="draws")
    with uow:
        call = Keyed(program, cmd, key, clock.now())
        return once(uow, call, partial(_draw, chance=chance, rulebooks=rulebooks))


def _draw(
    uow: RedemptionWork, call: Keyed[DrawLottery], *, chance: Chance, rulebooks: Rulebooks
) -> DrawsView:
    program, cmd, now = call.program, call.command, call.now
    rules = rulebooks.current(uow, program)
    lottery = _lottery(rules, cmd.lottery)
    book = Book.locked(uow, program, cmd.member)
    taken = ((when, 1) for when in uow.draws.since(book.member.id, lottery.code))
    check_allowed(rules, book, lottery, taken, cmd.draws, now)
    cost = lottery.points * cmd.draws
    account = settled(uow, book, now)
    reference = f"lottery:{lottery.code}"
    book.apply(
        uow, ledger.debit(account, cost, kind=EntryKind.REDEEM, now=now, reference=reference), now
    )
    drawing = _Drawing(uow, rules, lottery, book, book.entry_ids[-1], now)
    outcomes = tuple(drawing.one(chance.below(ODDS)) for _ in range(cmd.draws))
    uow.outbox.add(
        program.id,
        "lottery.drawn",
        {
            "member": book.member.external_id,
            "lottery": lottery.code,
            "version": lottery.version,
            "cost": cost,
            "draws": [
                {"id": o.id, "roll": o.roll, "drawn": o.drawn, "prize": o.prize} for o in outcomes
            ],
        },
        now,
    )
    b = book.member.balances
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


@dataclass
class _Drawing:
    """One paid request's draws: each rolled, its prize delivered, all of it recorded."""

    uow: RedemptionWork
    rules: ProgramDefinition
    lottery: Lottery
    book: Book
    paid_by: int  # the entry that paid for the draws
    now: datetime

    def one(self, roll: int) -> DrawOutcome:
        drawn = self.lottery.pick(roll)
        prize = _in_stock(self.uow, self.book.program, self.rules, self.lottery, drawn, self.now)
        prize_entry: int | None = None
        redemption_id: int | None = None
        vouchers: list[Voucher] = []
        if prize is not None and prize.kind is PrizeKind.POINTS:
            prize_entry = self.credit(prize)
        elif prize is not None:
            redemption_id, vouchers = self.give(prize)
        record = self.uow.draws.add(
            self.book.program.id,
            NewDraw(
                member_id=self.book.member.id,
                lottery=self.lottery.code,
                table_version=self.lottery.version,
                program_version=self.rules.earning.version,
                roll=roll,
                out_of=ODDS,
                drawn=drawn.code if drawn else None,
                prize=prize.code if prize else None,
                prize_kind=prize.kind if prize else None,
                won=prize.points if prize and prize.kind is PrizeKind.POINTS else 0,
                reward=prize.reward if prize else None,
                points=self.lottery.points,
                entry_id=self.paid_by,
                prize_entry_id=prize_entry,
                redemption_id=redemption_id,
            ),
            self.now,
        )
        return outcome_of(record, prize, vouchers)

    def credit(self, prize: Prize) -> int:
        """Points won, credited as a lot of their own; the entry's id."""
        book, now = self.book, self.now
        posting = ledger.credit(
            ledger.Account(book.member, ()),
            prize.points,
            kind=EntryKind.EARN,
            source=LotSource.PRIZE,
            now=now,
            expires_at=self.rules.earning.expires_at(now, book.member.tier),
            reference=f"lottery:{self.lottery.code}/{prize.code}",
        )
        book.apply(self.uow, posting, now)
        return book.entry_ids[-1]

    def give(self, prize: Prize) -> tuple[int, list[Voucher]]:
        """A reward won, as a redemption with its vouchers; the redemption's id."""
        assert prize.reward is not None
        program, now = self.book.program, self.now
        reward = self.rules.redemption.catalogue.get(prize.reward)
        won = NewRedemption(
            member_id=self.book.member.id,
            kind=RedemptionKind.PRIZE,
            reward=reward.code,
            quantity=1,
            points=0,
            cash=0,
            status=RedemptionStatus.COMPLETED,
            hold_id=None,
            entry_id=None,
            reference=f"lottery:{self.lottery.code}/{prize.code}",
            program_version=self.rules.earning.version,
            detail={"name": dict(reward.name), "kind": reward.kind.value},
        )
        redemption = self.uow.redemptions.add(program.id, won, now)
        return redemption.id, issue_vouchers(self.uow, program, reward, redemption, now)


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
        raise NotFound(f"no lottery {code!r}", code=RedemptionCode.LOTTERY_NOT_FOUND, lottery=code)
    return found
