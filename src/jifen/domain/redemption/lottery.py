"""Lottery draws: a few points for a chance at a prize.

A :class:`Lottery` costs ``points`` per draw and has a prize table: each
:class:`Prize` has a chance in parts per million, and what the chances leave
over is "no prize this time". A draw is a number below :data:`ODDS` from a
cryptographic source; :meth:`Lottery.pick` maps it to a prize by walking the
table in its declared order, so anyone holding the recorded number and the
table's version can check the outcome. A prize with a stock that has run out
gives its declared ``fallback`` instead (or nothing), and so on down the chain.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import NotFound, RewardNotAvailable, TierTooLow
from jifen.domain.redemption.catalogue import Limit, enforce_limits

ODDS = 1_000_000  # chances are parts per million


class PrizeKind(enum.StrEnum):
    POINTS = "points"  # points credited as a new lot
    REWARD = "reward"  # one of a catalogue reward (a voucher reward issues its code)


@dataclass(frozen=True)
class Prize:
    code: str
    kind: PrizeKind
    name: Mapping[str, str]
    chance: int  # parts per million
    points: int = 0  # a points prize
    reward: str | None = None  # a reward prize: the catalogue reward's code
    stock: int | None = None  # how many this lottery gives; None: as many as are won
    fallback: str | None = None  # given instead when out of stock; None: no prize


@dataclass(frozen=True)
class Lottery:
    code: str
    name: Mapping[str, str]
    points: int  # per draw
    prizes: tuple[Prize, ...]
    description: Mapping[str, str] = field(default_factory=dict)
    starts: datetime | None = None
    ends: datetime | None = None
    tiers: frozenset[str] = frozenset()
    limits: tuple[Limit, ...] = ()  # draws per member per period

    @property
    def version(self) -> str:
        """A digest of the cost and the prize table: what a recorded draw was drawn against."""
        table = {
            "points": self.points,
            "odds": ODDS,
            "prizes": [
                [p.code, p.kind.value, p.chance, p.points, p.reward, p.stock, p.fallback]
                for p in self.prizes
            ],
        }
        text = json.dumps(table, separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def no_prize_chance(self) -> int:
        return ODDS - sum(p.chance for p in self.prizes)

    def prize(self, code: str) -> Prize:
        for p in self.prizes:
            if p.code == code:
                return p
        raise NotFound(
            f"lottery {self.code!r} has no prize {code!r}",
            code=RedemptionCode.PRIZE_NOT_FOUND,
            prize=code,
        )

    def pick(self, roll: int) -> Prize | None:
        """The prize a number in ``[0, ODDS)`` wins, or None."""
        if not 0 <= roll < ODDS:
            raise ValueError(f"a roll is 0 to {ODDS - 1}, not {roll}")
        edge = 0
        for p in self.prizes:
            edge += p.chance
            if roll < edge:
                return p
        return None

    def chain(self, prize: Prize | None) -> Iterator[Prize]:
        """The prize, then its fallbacks in turn (the builder refuses cycles)."""
        while prize is not None:
            yield prize
            prize = self.prize(prize.fallback) if prize.fallback else None

    def stock_key(self, prize: Prize) -> str:
        """Where a prize's own stock is counted, beside the catalogue's rewards."""
        return f"{self.code}/{prize.code}"

    def check_limits(self, local: datetime, used: Mapping[str, int], draws: int) -> None:
        """``used`` counts this member's draws of the lottery by period key."""
        enforce_limits(self.limits, local, used, draws, f"lottery {self.code!r}", lottery=self.code)

    def check(self, when: datetime, tier: str | None) -> None:
        if (self.starts is not None and when < self.starts) or (
            self.ends is not None and when >= self.ends
        ):
            raise RewardNotAvailable(
                f"lottery {self.code!r} is not open now",
                code=RedemptionCode.LOTTERY_NOT_OPEN,
                lottery=self.code,
                starts=self.starts.isoformat() if self.starts else None,
                ends=self.ends.isoformat() if self.ends else None,
            )
        if self.tiers and tier not in self.tiers:
            raise TierTooLow(
                f"lottery {self.code!r} is for members of tiers {', '.join(sorted(self.tiers))}",
                lottery=self.code,
                tiers=sorted(self.tiers),
            )
