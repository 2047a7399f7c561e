"""The programme's lotteries as members see them (odds, prizes left), and a member's draws."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from jifen.domain.errors import MemberNotFound
from jifen.domain.programs import Program
from jifen.domain.redemption import (
    ODDS,
    Lottery,
    Prize,
    Voucher,
)
from jifen.services.ports import Clock
from jifen.services.redemption.issuing import voucher_view
from jifen.services.redemption.ports import DrawRecord, RedemptionWork, StockLevel
from jifen.services.redemption.views import DrawOutcome, LotteryView, PrizeView
from jifen.services.rulebooks import Rulebooks


def lotteries(
    uow: RedemptionWork, clock: Clock, rulebooks: Rulebooks, program: Program
) -> list[LotteryView]:
    """The programme's lotteries with their odds and what is left of each prize."""
    now = clock.now()
    with uow:
        rules = rulebooks.current(uow, program)
        stock = uow.redemptions.stock(program.id)
    return [_lottery_view(lot, stock, now) for lot in rules.redemption.lotteries.values()]


def _lottery_view(lot: Lottery, stock: dict[str, StockLevel], now: datetime) -> LotteryView:
    return LotteryView(
        lot.code,
        dict(lot.name),
        dict(lot.description),
        lot.points,
        lot.version,
        tuple(_prize_view(p, stock.get(lot.stock_key(p))) for p in lot.prizes),
        percent(lot.no_prize_chance),
        lot.starts,
        lot.ends,
        _open(lot, now),
        tuple(sorted(lot.tiers)),
        tuple({"per": x.per.value, "max_times": x.max_times} for x in lot.limits),
    )


def _prize_view(p: Prize, level: StockLevel | None) -> PrizeView:
    """A prize with its odds, and what is left of it (None: unlimited)."""
    remaining = None
    if p.stock is not None:
        remaining = p.stock if level is None else level.remaining_for(p.stock)
    return PrizeView(
        p.code,
        p.kind.value,
        dict(p.name),
        percent(p.chance),
        p.points,
        p.reward,
        p.stock,
        remaining,
        p.fallback,
    )


def draws_of(
    uow: RedemptionWork, rulebooks: Rulebooks, program: Program, member_ref: str, limit: int = 50
) -> list[DrawOutcome]:
    """The member's latest draws, newest first."""
    with uow:
        member = uow.members.get(program.id, member_ref)
        if member is None:
            raise MemberNotFound(member_ref)
        rules = rulebooks.current(uow, program)
        records = uow.draws.of_member(member.id, limit)
        issued = uow.redemptions.vouchers_of_redemptions(
            [r.redemption_id for r in records if r.redemption_id is not None]
        )
        return [
            outcome_of(
                r,
                _known(rules.redemption.lotteries.get(r.lottery), r.prize),
                issued.get(r.redemption_id or 0, []),
            )
            for r in records
        ]


def percent(parts_per_million: int) -> str:
    """``5000`` -> ``"0.5%"``."""
    value = Decimal(parts_per_million) / (ODDS // 100)
    return f"{value.normalize():f}%"


def outcome_of(record: DrawRecord, prize: Prize | None, vouchers: list[Voucher]) -> DrawOutcome:
    """A recorded draw as the member sees it; ``prize`` only lends its name."""
    return DrawOutcome(
        record.id,
        record.roll,
        record.out_of,
        record.drawn,
        record.prize,
        record.prize_kind,
        dict(prize.name) if prize else {},
        record.won,
        record.reward,
        record.redemption_id,
        tuple(voucher_view(v) for v in vouchers),
        record.created_at,
    )


def _known(lottery: Lottery | None, code: str | None) -> Prize | None:
    if lottery is None or code is None:
        return None
    return next((p for p in lottery.prizes if p.code == code), None)


def _open(lottery: Lottery, now: datetime) -> bool:
    return (lottery.starts is None or now >= lottery.starts) and (
        lottery.ends is None or now < lottery.ends
    )
