"""The programme file's shape, as pydantic models (YAML in, nothing else out).

Money is written as quoted decimals (``min_spend: "200.00"``); a float there
is refused so that no rounding happens before jifen sees the value.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

RULE_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
FieldType = Literal["string", "integer", "number", "boolean"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _money_text(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('write money as a quoted decimal, e.g. "200.00"')
    return value


class ProgramSection(Strict):
    code: str
    name: dict[str, str] = Field(min_length=1)
    currency: str
    point_value: Decimal
    timezone: str

    _no_float = field_validator("point_value", mode="before")(_money_text)


class LedgerSection(Strict):
    negative_balance: Literal["allow", "floor"] = "floor"
    hold_ttl_minutes: int = Field(15, ge=1, le=60 * 24 * 7)
    max_hold_ttl_days: int = Field(7, ge=1, le=90)
    returned_points_grace_days: int = Field(30, ge=1, le=3650)


class BaseSpec(Strict):
    points: int = Field(1, ge=0, le=10_000)
    per: str = "1.00"  # money per `points`
    rounding: Literal["floor", "round", "ceil"] = "floor"
    basis: Literal["paid", "gross"] = "paid"

    _no_float = field_validator("per", mode="before")(_money_text)


class ExpirySpec(Strict):
    months: int | None = Field(None, ge=1, le=600)
    round_to: Literal["month", "quarter", "year"] | None = None
    days: list[str] = Field(default_factory=list, max_length=12)  # "MM-DD": points end then
    min_months: int = Field(0, ge=0, le=600)  # with `days`: points live at least this long

    @field_validator("days")
    @classmethod
    def _days_of_year(cls, value: list[str]) -> list[str]:
        for text in value:
            try:
                if len(text) != 5 or text[2] != "-":
                    raise ValueError
                day = date.fromisoformat(f"2000-{text}")
            except ValueError:
                raise ValueError(f"{text!r} is not a day of the year written MM-DD") from None
            if (day.month, day.day) == (2, 29):
                raise ValueError("02-29 comes only in leap years; use 02-28 or 03-01")
        if len(set(value)) != len(value):
            raise ValueError("a day is listed twice")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> ExpirySpec:
        if self.days and (self.months is not None or self.round_to is not None):
            raise ValueError("expiry is either `months` (with `round_to`) or fixed `days`")
        if self.min_months and not self.days:
            raise ValueError("`min_months` goes with fixed `days`")
        if self.round_to is not None and self.months is None:
            raise ValueError("`round_to` needs `months`")
        return self


class EarningSection(Strict):
    base: BaseSpec = BaseSpec()
    stacking: Literal["add", "multiply", "max"] = "add"
    pending_days: int = Field(0, ge=0, le=365)
    expiry: ExpirySpec = ExpirySpec()


class MatchSpec(Strict):
    skus: list[str] = []
    categories: list[str] = []
    tags: list[str] = []


class WindowSpec(Strict):
    starts: datetime | None = None  # local time in the programme's timezone if naive
    ends: datetime | None = None
    weekdays: list[int] = []
    hours: str | None = Field(None, pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in value):
            raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
        return value


class CapSpec(Strict):
    per: Literal["day", "week", "month", "year", "campaign", "lifetime"]
    max_points: int | None = Field(None, ge=1)
    max_times: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_limit(self) -> CapSpec:
        if self.max_points is None and self.max_times is None:
            raise ValueError("a cap needs max_points or max_times")
        return self


class RuleSpec(Strict):
    id: str = Field(pattern=RULE_ID)
    kind: Literal["multiplier", "threshold", "product", "bonus", "activity", "streak", "referral"]
    name: dict[str, str] = {}
    points: int = Field(0, ge=0, le=10**9)
    factor: Decimal | None = Field(None, gt=0, le=100)
    min_spend: str | None = None
    per: Literal["unit", "line", "order"] = "order"
    match: MatchSpec = MatchSpec()
    activity: str | None = None
    days: int = Field(0, ge=0, le=366)
    repeat: bool = True
    referrer_points: int = Field(0, ge=0, le=10**9)
    pays_on: Literal["sign_up", "first_purchase"] | None = None  # referral rules
    min_paid: str | None = None  # referral on a purchase: the least the purchase pays
    hold_days: int = Field(0, ge=0, le=365)  # referral on a purchase: the return window
    referrer_caps: list[CapSpec] = []  # referral: how often one referrer is paid
    when: str | None = None
    window: WindowSpec = WindowSpec()
    caps: list[CapSpec] = []
    group: str | None = None
    priority: int = 0

    _no_float = field_validator("min_spend", "min_paid", mode="before")(_money_text)


class CampaignSpec(Strict):
    id: str = Field(pattern=RULE_ID)
    name: dict[str, str] = {}
    starts: datetime
    ends: datetime
    budget: int | None = Field(None, ge=1)
    when: str | None = None
    rules: list[RuleSpec] = Field(min_length=1)


class CriteriaSpec(Strict):
    """Every field given must be met; ``any``: one of them; ``all``: each of them."""

    spend: str | None = None  # money paid in the window
    points: int | None = Field(None, ge=1, le=10**12)  # points earned in the window
    orders: int | None = Field(None, ge=1, le=10**6)  # purchases in the window
    any: list[CriteriaSpec] = []
    all: list[CriteriaSpec] = []

    _no_float = field_validator("spend", mode="before")(_money_text)

    @model_validator(mode="after")
    def _something(self) -> CriteriaSpec:
        if not (self.spend or self.points or self.orders or self.any or self.all):
            raise ValueError("criteria need spend, points, orders, any or all")
        return self


class BirthdaySpec(Strict):
    points: int = Field(0, ge=0, le=10**9)  # given once a year, on the birthday
    multiplier: Decimal = Field(Decimal(1), ge=1, le=100)  # on orders in the birthday month


class TierSpec(Strict):
    code: str = Field(pattern=RULE_ID)
    name: dict[str, str] = Field(min_length=1)
    multiplier: Decimal = Field(Decimal(1), gt=0, le=100)
    qualify: CriteriaSpec | None = None
    retain: CriteriaSpec | None = None
    birthday: BirthdaySpec | None = None
    points_never_expire: bool = False
    expiry_months: int | None = Field(None, ge=1, le=600)
    perks: list[dict[str, str]] = []


class QualificationSpec(Strict):
    window: Literal["lifetime", "calendar_year", "rolling_months"] = "lifetime"
    months: int = Field(12, ge=1, le=120)


class ReviewSpec(Strict):
    period: Literal["none", "calendar_year", "anniversary"] = "none"
    months: int = Field(12, ge=1, le=120)
    on_failure: Literal["down_one", "requalify"] = "down_one"
    grace_months: int = Field(0, ge=0, le=24)


class TierPolicySpec(Strict):
    qualification: QualificationSpec = QualificationSpec()
    review: ReviewSpec = ReviewSpec()
    nudge_percent: int = Field(10, ge=1, le=50)  # "within 10% of the next tier"


class CashOffsetSpec(Strict):
    points: int = Field(100, ge=1, le=10**6)  # `points` pay `value`
    value: str = "1.00"
    min_order: str = "0.00"  # orders below it cannot use points
    max_share: int = Field(100, ge=1, le=100)  # percent of the order points may pay
    step: str | None = None  # the discount is a multiple of this (default: one minor unit)

    _no_float = field_validator("value", "min_order", "step", mode="before")(_money_text)


class LimitSpec(Strict):
    per: Literal["day", "week", "month", "year", "lifetime"]
    max_times: int = Field(ge=1, le=10**6)


class VoucherSpec(Strict):
    valid_days: int = Field(ge=1, le=3650)
    face_value: str = "0.00"
    min_spend: str = "0.00"

    _no_float = field_validator("face_value", "min_spend", mode="before")(_money_text)


class RewardSpec(Strict):
    code: str = Field(pattern=RULE_ID)
    kind: Literal["goods", "experience", "voucher"]
    name: dict[str, str] = Field(min_length=1)
    description: dict[str, str] = {}
    points: int = Field(ge=1, le=10**9)
    cash: str = "0.00"  # points + cash
    cost: str = "0.00"  # what one costs the brand
    value: str | None = None  # what it is worth to the member
    category: str | None = Field(None, max_length=64)
    image_url: str | None = Field(None, max_length=2000, pattern=r"^(https?://|/)")
    stock: int | None = Field(None, ge=0, le=10**9)
    starts: datetime | None = None  # local time in the programme's timezone if naive
    ends: datetime | None = None
    min_tier: str | None = None
    limits: list[LimitSpec] = []
    voucher: VoucherSpec | None = None

    _no_float = field_validator("cash", "cost", "value", mode="before")(_money_text)

    @model_validator(mode="after")
    def _voucher_terms(self) -> RewardSpec:
        if (self.kind == "voucher") != (self.voucher is not None):
            raise ValueError("a voucher reward, and only a voucher reward, has voucher terms")
        return self


class PrizeSpec(Strict):
    code: str = Field(pattern=RULE_ID)
    name: dict[str, str] = Field(min_length=1)
    chance: str = Field(pattern=r"^\d{1,3}(\.\d{1,4})?%$")  # "0.5%": a quoted percentage
    points: int | None = Field(None, ge=1, le=10**9)  # a points prize ...
    reward: str | None = None  # ... or one of a catalogue reward
    stock: int | None = Field(None, ge=0, le=10**9)
    fallback: str | None = None  # the prize given when this one is out of stock

    @field_validator("chance", mode="before")
    @classmethod
    def _percentage(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.endswith("%"):
            raise ValueError('write a chance as a quoted percentage, e.g. "0.5%"')
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> PrizeSpec:
        if (self.points is None) == (self.reward is None):
            raise ValueError("a prize is either points or a reward")
        return self


class LotterySpec(Strict):
    code: str = Field(pattern=RULE_ID)
    name: dict[str, str] = Field(min_length=1)
    description: dict[str, str] = {}
    points: int = Field(ge=1, le=10**9)  # per draw
    prizes: list[PrizeSpec] = Field(min_length=1)
    starts: datetime | None = None
    ends: datetime | None = None
    min_tier: str | None = None
    limits: list[LimitSpec] = []  # draws per member


class PledgeSpec(Strict):
    points: int = Field(ge=1, le=10**6)  # the brand gives `value` for every `points` donated
    value: str

    _no_float = field_validator("value", mode="before")(_money_text)


class CauseSpec(Strict):
    code: str = Field(pattern=RULE_ID)
    name: dict[str, str] = Field(min_length=1)
    description: dict[str, str] = {}
    min_points: int = Field(1, ge=1, le=10**9)
    step: int = Field(1, ge=1, le=10**6)
    pledge: PledgeSpec | None = None
    goal: int | None = Field(None, ge=1, le=10**12)
    starts: datetime | None = None
    ends: datetime | None = None


class RedemptionSection(Strict):
    cash_offset: CashOffsetSpec | None = None
    catalogue: list[RewardSpec] = []
    cancel_days: int = Field(30, ge=0, le=3650)  # a redemption can be cancelled this long after
    lotteries: list[LotterySpec] = []
    causes: list[CauseSpec] = []


class TaskSpec(Strict):
    """Something to do besides buying (ADR 0033): paid as an activity rule."""

    id: str = Field(pattern=RULE_ID)
    kind: Literal["share", "review", "check_in", "survey", "visit"]
    name: dict[str, str] = Field(min_length=1)
    how: dict[str, str] = {}  # what to do, as the member reads it
    points: int = Field(ge=1, le=10**9)
    proof: Literal["webhook", "automatic", "moderated"]
    sources: list[str] = []  # webhook: the inbound sources that may say it was done
    caps: list[CapSpec] = []
    window: WindowSpec = WindowSpec()
    when: str | None = None


class ChallengeSpec(Strict):
    """A goal over a window (ADR 0034): counted from orders or one activity."""

    id: str = Field(pattern=RULE_ID)
    name: dict[str, str] = Field(min_length=1)
    how: dict[str, str] = {}  # what to do, as the member reads it
    counts: Literal["orders", "spend", "units", "products", "activities"]
    goal: str | int  # spend: money ("500"); otherwise a whole number
    activity: str | None = None  # counts: activities
    match: MatchSpec = MatchSpec()
    when: str | None = None  # on the order or the activity
    who: str | None = None  # on the member alone: who takes part
    in_a_row: Literal["day", "week", "month"] | None = None
    grace: int = Field(0, ge=0, le=31)
    period: Literal["week", "month", "year"] | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    points: int = Field(0, ge=0, le=10**9)
    badge: str | None = None
    after_done: Literal["keep", "reverse"] = "keep"

    _no_float = field_validator("goal", mode="before")(_money_text)


class BadgeSpec(Strict):
    id: str = Field(pattern=RULE_ID)
    name: dict[str, str] = Field(min_length=1)
    description: dict[str, str] = {}
    image: str = Field("badge.svg", pattern=r"^[a-z0-9][a-z0-9-]{0,62}\.svg$")


class BoardPrizeSpec(Strict):
    """Points for a finished period's ranks ``ranks`` ("1" or "2-3")."""

    ranks: str = Field(pattern=r"^[1-9]\d{0,3}(-[1-9]\d{0,3})?$")
    points: int = Field(ge=1, le=10**9)


class LeaderboardSpec(Strict):
    """Who did most this week or month (ADR 0035)."""

    id: str = Field(pattern=RULE_ID)
    name: dict[str, str] = Field(min_length=1)
    description: dict[str, str] = {}
    metric: Literal["points", "challenges", "counter"]
    counter: str | None = None  # metric counter: the activity counted
    period: Literal["week", "month"]
    scope: Literal["programme", "store", "city"] = "programme"
    size: int = Field(10, ge=1, le=100)
    prizes: list[BoardPrizeSpec] = []


class ProgramFile(Strict):
    program: ProgramSection
    ledger: LedgerSection = LedgerSection()
    earning: EarningSection = EarningSection()
    activities: dict[str, dict[str, FieldType]] = {}
    rules: list[RuleSpec] = []
    campaigns: list[CampaignSpec] = []
    tiers: list[TierSpec] = []
    tier_policy: TierPolicySpec = TierPolicySpec()
    redemption: RedemptionSection = RedemptionSection()
    tasks: list[TaskSpec] = []
    challenges: list[ChallengeSpec] = []
    badges: list[BadgeSpec] = []
    leaderboards: list[LeaderboardSpec] = []
