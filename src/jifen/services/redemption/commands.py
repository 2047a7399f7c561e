"""Redemption's commands: rewards, the cash offset, lotteries, causes, vouchers, stock."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RedeemReward:
    """Points for a catalogue reward; ``hold`` reserves them for a later capture."""

    member: str
    reward: str
    quantity: int = 1
    hold: bool = False
    ttl_seconds: int | None = None


@dataclass(frozen=True)
class PayWithPoints:
    """Points as money off an order (the cash offset): held until the order is paid."""

    member: str
    order_reference: str
    order_total: str  # a decimal string in the programme's currency
    points: int | None = None  # at most this many; default: as many as the order allows
    hold: bool = True
    ttl_seconds: int | None = None


@dataclass(frozen=True)
class DrawLottery:
    """``draws`` draws of a lottery, paid in one debit."""

    member: str
    lottery: str
    draws: int = 1


@dataclass(frozen=True)
class Donate:
    member: str
    cause: str
    points: int


@dataclass(frozen=True)
class SettleRedemption:
    """Capture, release or cancel a redemption."""

    redemption_id: int
    action: str  # capture, release, cancel
    reason: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class ConsumeVoucher:
    code: str
    reference: str | None = None  # the purchase it was used on
    spend: str | None = None  # that purchase's amount, for a minimum spend
    actor: str = "api"  # who took it: an API key, a console operator, the CLI


@dataclass(frozen=True)
class SetStock:
    """An operator's count of a reward: ``remaining`` left from now on."""

    reward: str
    remaining: int
    reason: str
    actor: str
