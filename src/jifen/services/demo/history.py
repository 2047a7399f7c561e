"""Synthetic members and a year of history for the demo programme.

Deterministic (a fixed seed), and played once: a database that already has the
first demo member is left as it is (a redemption refused for want of points the
first time would otherwise succeed, backdated, the second). The history is
played in time order on a clock that walks from fifteen months ago to
now: members join on their own day, shop through the real earning rules as
weekly, occasional or lapsed customers, redeem, draw and give; the nightly
pipeline runs every Monday night on the way, so pending points settle, the
oldest lots expire, reminders go out and the 1 January tier review happens, each
on its own date. A dashboard of the result has days to chart.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from jifen.domain.errors import Conflict, NotFound, RuleViolation
from jifen.domain.programs import Program
from jifen.services.earning import LineIn, PlaceOrder, RecordActivity, record_activity, record_order
from jifen.services.engagement import Enrol, enrol
from jifen.services.ledger import PlaceHold, place_hold
from jifen.services.nightly import run_night
from jifen.services.nightly.ports import JobLocks
from jifen.services.ports import Chance, Clock
from jifen.services.redemption import Donate, DrawLottery, RedeemReward, donate, draw, redeem_reward
from jifen.services.rulebooks import Rulebooks
from jifen.services.unit_of_work import UnitOfWorkFactory

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
    LineIn("fish-1kg", 1, "46.00", "seafood"),
    LineIn("tofu", 3, "3.50", "vegetables"),
]
#: the share of members who join with a friend's code, and the last few who join with
#: member 2's from one tablet
REFERRED = 0.3
SHARED = 3
HISTORY_DAYS = 460  # fifteen months, so the first months' lots have expired (12 months)

# (share of members, days between visits, items per line, visits before they stop)
HABITS = {
    "weekly": (0.2, (4, 9), (1, 3), None),
    "regular": (0.4, (10, 25), (1, 2), None),
    "occasional": (0.3, (30, 75), (1, 1), None),
    "lapsed": (0.1, (7, 20), (1, 1), 4),
}


class SeededChance:
    """The demo's lottery draws: the same seed gives the same winners."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def below(self, n: int) -> int:
        return self._rng.randrange(n)


class DemoClock:
    """The seeding's own clock: set to each event's moment as history is played."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = max(self._now, when)  # history only moves forward


@dataclass(order=True)
class _Event:
    when: datetime
    seq: int
    act: Callable[[], None] = field(compare=False)


@dataclass
class _Demo:
    uow: UnitOfWorkFactory
    clock: DemoClock
    chance: Chance
    locks: JobLocks
    rulebooks: Rulebooks
    program: Program
    rng: random.Random
    now: datetime
    queue: list[_Event] = field(default_factory=list)
    seq: int = 0

    def at(self, when: datetime, act: Callable[[], None]) -> None:
        if when <= self.now:
            self.seq += 1
            heapq.heappush(self.queue, _Event(when, self.seq, act))

    def play(self) -> None:
        while self.queue:
            event = heapq.heappop(self.queue)
            self.clock.set(event.when)
            event.act()


def seed_demo(
    uow: UnitOfWorkFactory,
    clock: Clock,
    locks: JobLocks,
    rulebooks: Rulebooks,
    program: Program,
    count: int = 40,
) -> int:
    """Seed ``count`` members with fifteen months of history ending at ``clock.now()``.

    Returns the number of members created: 0 when the demo was seeded before.
    """
    with uow(write=False) as reading:
        if reading.members.get(program.id, member_ref(1)) is not None:
            return 0
    now = clock.now()
    demo = _Demo(
        uow, DemoClock(start_of(now)), SeededChance(2026), locks, rulebooks, program,
        random.Random(20261123), now,
    )  # fmt: skip
    for n in range(1, count + 1):
        _member(demo, n, shared=n > max(count - SHARED, 3))  # never member 2 itself
    _nights(demo)
    demo.play()
    return count


def member_ref(n: int) -> str:
    return f"M{n:05d}"


def start_of(now: datetime) -> datetime:
    """When the demo's history begins: the programme is published then."""
    return now - timedelta(days=HISTORY_DAYS + 1)


def _nights(demo: _Demo) -> None:
    first = (demo.now - timedelta(days=HISTORY_DAYS)).date()
    day = first + timedelta(days=(7 - first.weekday()) % 7)  # Mondays
    days = {day + timedelta(weeks=w) for w in range((demo.now.date() - day).days // 7 + 1)}
    days |= {date(y, 1, 1) for y in range(first.year + 1, demo.now.year + 1)}  # tier reviews
    for night in sorted(days):
        # two in the morning, local time, like the worker
        moment = datetime.combine(night, time(2), demo.program.tz).astimezone(UTC)
        demo.at(moment, partial(_night, demo, night))


def _night(demo: _Demo, day: date) -> None:
    with suppress(Conflict):  # already run by an earlier seeding
        run_night(demo.uow, demo.clock, demo.locks, demo.rulebooks, demo.program, day)


def _member(demo: _Demo, n: int, *, shared: bool = False) -> None:
    """Member ``n``: joins (a third with a friend's code), shops, redeems. ``shared``:
    one of the last few, who all join with member 2's code from one tablet with phone
    numbers a digit apart, for the referral report to flag."""
    rng, ext = demo.rng, member_ref(n)
    habit = rng.choices(list(HABITS), weights=[h[0] for h in HABITS.values()])[0]
    # more joined in the opening months than lately; nobody joins in the last three days
    days_ago = 3 + (HISTORY_DAYS - 13) * (1 - rng.random() ** 2)
    if n == 1:  # the member the README signs in as: a loyal weekly shopper from the start
        habit, days_ago = "weekly", HISTORY_DAYS - 20
    if n == 2:  # whose code the tablet's friends use: a member from the first months
        days_ago = HISTORY_DAYS - 40
    if shared:  # the tablet's friends: lately, one after another
        days_ago = 4 + rng.random() * 10
    _, gap, items, stops_after = HABITS[habit]
    joined = demo.now - timedelta(days=days_ago)
    joined = joined.replace(hour=rng.randrange(1, 12))  # shop hours in Shanghai, in UTC
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])
    referrer = member_ref(rng.randrange(1, n)) if n > 3 and rng.random() < REFERRED else None
    phone = f"13{(n * 2654435761) % 10**9:09d}"  # one each, spread: a phone is one member's
    if shared:
        referrer, phone = member_ref(2), f"1391111{n:04d}"
    join = Enrol(
        ext,
        phone=phone,
        attributes={
            "name": name,
            "city": rng.choice(["上海", "杭州", "苏州", "南京"]),
            "segment": rng.choice(["", "", "vegetable_lover"]),
        },
        display_name=name,
        language="zh-CN",
        consents={"sms": rng.random() < 0.6, "push": rng.random() < 0.3},
        source="portal",
        device="demo-shared-tablet" if shared else f"demo-phone-{n}",
    )
    demo.at(joined, partial(_join, demo, join, referrer))
    if rng.random() < 0.5:
        profile = joined + timedelta(days=rng.randrange(0, 20))
        demo.at(profile, partial(_act, demo, ext, "profile_completed"))
    _visits(demo, n, ext, joined, gap, items, stops_after)
    if rng.random() < 0.1:  # a basket held at a till right now
        demo.at(demo.now - timedelta(minutes=10), partial(_hold, demo, n, ext))


def _visits(
    demo: _Demo,
    n: int,
    ext: str,
    joined: datetime,
    gap: tuple[float, float],
    items: tuple[int, int],
    stops_after: int | None,
) -> None:
    """The member's shopping from joining to now: baskets, and now and then a reward, a
    draw or a gift."""
    rng = demo.rng
    visit, k = joined + timedelta(hours=rng.uniform(0.2, 48)), 0
    while visit <= demo.now and (stops_after is None or k < stops_after):
        lines = [
            LineIn(x.sku, x.quantity * rng.randint(*items), x.unit_price, x.category, x.tags)
            for x in rng.sample(SHELF, rng.randrange(1, 5))
        ]
        store = rng.choice(["1", "2", "3", "1", "2", "3", None])  # None: in the app
        demo.at(visit, partial(_shop, demo, n, k, ext, tuple(lines), store))
        if k >= 2 and rng.random() < 0.12:
            reward = rng.choice(["eggs", "eggs", "eggs", "cooking-oil-5l", "nutritionist-visit"])
            later = visit + timedelta(minutes=rng.randrange(5, 60))
            demo.at(later, partial(_redeem, demo, ext, k, reward))
        if rng.random() < 0.08:
            later = visit + timedelta(hours=rng.uniform(1, 30))
            demo.at(later, partial(_draw, demo, ext, k, rng.randint(1, 3)))
        if rng.random() < 0.03:
            later = visit + timedelta(days=rng.uniform(1, 5))
            demo.at(later, partial(_give, demo, ext, k))
        visit += timedelta(days=rng.uniform(*gap))
        visit = visit.replace(hour=rng.randrange(1, 13), minute=rng.randrange(60))
        k += 1


def _join(demo: _Demo, cmd: Enrol, referrer: str | None) -> None:
    """Joining pays the sign-up itself (``engagement.enrol``), and links the friend whose
    code was used, if that friend has joined by then."""
    ext = cmd.external_id
    if referrer is not None:
        with demo.uow(write=False) as uow:
            found = uow.members.get(demo.program.id, referrer)
        if found is not None:
            cmd = replace(cmd, referral_code=found.referral_code)
    enrol(demo.uow(), demo.clock, demo.rulebooks, demo.program, cmd, f"demo:{ext}:join")


def _act(demo: _Demo, ext: str, kind: str) -> None:
    record_activity(
        demo.uow(), demo.clock, demo.rulebooks, demo.program,
        RecordActivity(ext, kind), f"demo:{ext}:{kind}",
    )  # fmt: skip


def _shop(
    demo: _Demo, n: int, k: int, ext: str, basket: tuple[LineIn, ...], store: str | None
) -> None:
    paid = sum(Decimal(x.unit_price) * x.quantity for x in basket)
    channel = "store" if store else "app"
    order_id = f"{n:03d}{k:03d}"  # a till's receipt number
    order = PlaceOrder(order_id, ext, f"{paid:.2f}", basket, channel=channel, store=store)
    record_order(demo.uow(), demo.clock, demo.rulebooks, demo.program, order)


def _redeem(demo: _Demo, ext: str, k: int, reward: str) -> None:
    # A member who cannot afford it, or has had this week's eggs, just does not.
    with suppress(RuleViolation, NotFound):
        redeem_reward(
            demo.uow(), demo.clock, demo.rulebooks, demo.program,
            RedeemReward(ext, reward), f"demo:{ext}:redeem:{k}",
        )  # fmt: skip


def _draw(demo: _Demo, ext: str, k: int, draws: int) -> None:
    with suppress(RuleViolation, NotFound):
        draw(
            demo.uow(), demo.clock, demo.chance, demo.rulebooks, demo.program,
            DrawLottery(ext, "lucky-draw", draws), f"demo:{ext}:draw:{k}",
        )  # fmt: skip


def _give(demo: _Demo, ext: str, k: int) -> None:
    with suppress(RuleViolation, NotFound):
        gift = Donate(ext, "food-bank", 100)
        donate(demo.uow(), demo.clock, demo.rulebooks, demo.program, gift, f"demo:{ext}:give:{k}")


def _hold(demo: _Demo, n: int, ext: str) -> None:
    with suppress(RuleViolation):
        place_hold(
            demo.uow(), demo.clock, demo.program,
            PlaceHold(ext, 50, 3600, f"cart-{n}"), f"demo:{ext}:hold",
        )  # fmt: skip
