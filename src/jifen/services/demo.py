"""Synthetic members and history for the demo programme.

Deterministic (a fixed seed) and idempotent: every write carries a key made
from the member and step, so seeding twice changes nothing. Members join,
sign up, shop (through the real earning rules), redeem rewards and give to a cause.
"""

from __future__ import annotations

import random
from contextlib import suppress
from datetime import timedelta
from decimal import Decimal

from jifen.domain.errors import NotFound, RuleViolation
from jifen.domain.programs import Program
from jifen.services import activities, donations, holds, members, orders, redemptions
from jifen.services.commands import (
    CreateMember,
    Donate,
    LineIn,
    PlaceHold,
    PlaceOrder,
    RecordActivity,
    RedeemReward,
)
from jifen.services.ports import Clock, UnitOfWorkFactory
from jifen.services.rulebooks import Rulebooks

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛"]
SHELF = [
    LineIn("eggs-12", 1, "15.00", "dairy", ("daily_special",)),
    LineIn("bok-choy", 2, "6.50", "vegetables"),
    LineIn("pork-500g", 1, "32.00", "meat"),
    LineIn("oil-5l", 1, "79.90", "grocery", ("new",)),
    LineIn("apples-1kg", 1, "18.80", "fruit"),
    LineIn("rice-10kg", 1, "65.00", "grocery"),
    LineIn("milk-1l", 2, "12.50", "dairy"),
]


def seed_demo(
    uow: UnitOfWorkFactory, clock: Clock, rulebooks: Rulebooks, program: Program, count: int = 40
) -> int:
    rng = random.Random(20261123)
    now = clock.now()
    for n in range(1, count + 1):
        ext = f"M{n:05d}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])
        members.create_member(
            uow(),
            clock,
            program,
            CreateMember(
                ext,
                phone=f"138{rng.randrange(10**8):08d}",
                attributes={
                    "name": name,
                    "city": rng.choice(["上海", "杭州", "苏州", "南京"]),
                    "segment": rng.choice(["", "", "vegetable_lover"]),
                },
            ),
            f"demo:{ext}:join",
        )
        activities.record_activity(
            uow(), clock, rulebooks, program, RecordActivity(ext, "sign_up"), f"demo:{ext}:signup"
        )
        for k in range(rng.randrange(1, 7)):
            basket = tuple(rng.sample(SHELF, rng.randrange(1, 4)))
            paid = sum(Decimal(x.unit_price) * x.quantity for x in basket)
            orders.record_order(
                uow(),
                clock,
                rulebooks,
                program,
                PlaceOrder(
                    f"demo-{n}-{k}",
                    ext,
                    f"{paid:.2f}",
                    basket,
                    channel=rng.choice(["store", "store", "app"]),
                    store=f"store-{rng.randrange(1, 4)}",
                    placed_at=now - timedelta(days=rng.randrange(0, 60), hours=rng.randrange(24)),
                ),
            )
        # A member who cannot afford it (or a programme without it) just does not.
        if rng.random() < 0.4:
            reward = rng.choice(["eggs", "eggs", "cooking-oil-5l"])
            with suppress(RuleViolation, NotFound):
                redemptions.redeem_reward(
                    uow(),
                    clock,
                    rulebooks,
                    program,
                    RedeemReward(ext, reward),
                    f"demo:{ext}:redeem",
                )
        if rng.random() < 0.2:
            gift = Donate(ext, "food-bank", 100)
            with suppress(RuleViolation, NotFound):
                donations.donate(uow(), clock, rulebooks, program, gift, f"demo:{ext}:give")
        if rng.random() < 0.15:
            holds.place_hold(
                uow(), clock, program, PlaceHold(ext, 50, 3600, f"cart-{n}"), f"demo:{ext}:hold"
            )
    return count
