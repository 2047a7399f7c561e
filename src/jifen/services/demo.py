"""Synthetic members and history for the demo programme.

Deterministic (a fixed seed) and idempotent: every write carries a key made
from the member and step, so seeding twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta

from jifen.domain.programs import Program
from jifen.services import holds, ledger, members
from jifen.services.commands import CreateMember, Earn, PlaceHold, Redeem
from jifen.services.ports import Clock, UnitOfWorkFactory

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛"]


def seed_demo(uow: UnitOfWorkFactory, clock: Clock, program: Program, count: int = 40) -> int:
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
                email=None,
                attributes={"name": name, "city": rng.choice(["上海", "杭州", "苏州", "南京"])},
            ),
            f"demo:{ext}:join",
        )
        ledger.earn(
            uow(), clock, program, Earn(ext, 100, "activity", "sign-up"), f"demo:{ext}:signup"
        )
        for order in range(rng.randrange(1, 7)):
            paid = rng.randrange(18, 460)
            ledger.earn(
                uow(),
                clock,
                program,
                Earn(
                    ext,
                    paid,
                    "order",
                    f"order-{n}{order:02d}",
                    expires_at=now + timedelta(days=rng.randrange(20, 365)),
                ),
                f"demo:{ext}:order:{order}",
            )
        if rng.random() < 0.3:
            ledger.earn(
                uow(),
                clock,
                program,
                Earn(
                    ext,
                    rng.randrange(20, 200),
                    "order",
                    f"order-{n}-pending",
                    available_at=now + timedelta(days=7),
                ),
                f"demo:{ext}:pending",
            )
        if rng.random() < 0.4:
            ledger.redeem(
                uow(),
                clock,
                program,
                Redeem(ext, 100, "coffee", "500积分兑换咖啡"),
                f"demo:{ext}:redeem",
            )
        if rng.random() < 0.15:
            holds.place_hold(
                uow(), clock, program, PlaceHold(ext, 50, 3600, f"cart-{n}"), f"demo:{ext}:hold"
            )
    return count
