"""Request and response bodies for orders, refunds, activities and simulations.

Money is a decimal string (``"128.50"``) in the programme's currency; a JSON
number is refused so that no float ever carries money.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, model_validator

Money = Field(pattern=r"^\d{1,13}(\.\d{1,3})?$", examples=["128.50"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineBody(_In):
    sku: str = Field(min_length=1, max_length=128)
    quantity: StrictInt = Field(gt=0, le=1_000_000)
    unit_price: str = Money
    category: str | None = Field(None, max_length=64)
    tags: list[str] = Field(default_factory=list, max_length=32)
    discount: str = Field("0", pattern=r"^\d{1,13}(\.\d{1,3})?$")


class OrderBody(_In):
    order_id: str = Field(min_length=1, max_length=128, examples=["1042"])
    member: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        examples=["C-10042"],
        description="the member's id; or send `member_code`",
    )
    member_code: str | None = Field(
        None,
        min_length=1,
        max_length=32,
        description="the membership code the till scanned (16 digits), instead of `member`",
    )
    paid: str = Field(pattern=r"^\d{1,13}(\.\d{1,3})?$", description="money actually paid")
    lines: list[LineBody] = Field(default_factory=list, max_length=500)
    placed_at: AwareDatetime | None = None
    channel: str = Field("store", max_length=32)
    store: str | None = Field(None, max_length=64)
    discount: str = Field("0", pattern=r"^\d{1,13}(\.\d{1,3})?$")
    points_paid: StrictInt = Field(0, ge=0)
    attributes: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_member(self) -> OrderBody:
        if (self.member is None) == (self.member_code is None):
            raise ValueError("name the member by `member` or by `member_code`, not both")
        return self


class RefundBody(_In):
    refund_id: str = Field(min_length=1, max_length=128)
    amount: str | None = Field(None, pattern=r"^\d{1,13}(\.\d{1,3})?$")
    lines: list[tuple[str, StrictInt]] = Field(
        default_factory=list, max_length=500, description="[sku, quantity] returned"
    )
    full: bool = False


class ActivityBody(_In):
    member: str = Field(min_length=1, max_length=128)
    type: str = Field(min_length=1, max_length=64, examples=["social_share"])
    payload: dict[str, Any] = Field(default_factory=dict)
    occurred_at: AwareDatetime | None = None


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AwardLineOut(_Out):
    rule_id: str
    kind: str
    points: int
    campaign: str | None
    beneficiary: str
    detail: dict[str, Any]


class SkippedOut(_Out):
    rule_id: str
    reason: str = Field(
        description="outside_window, condition_false, condition_error (the condition "
        "failed to evaluate: detail gives error, problem, explanation, params), "
        "cap_reached, budget_exhausted, group_taken, ..."
    )
    detail: dict[str, Any]


class AwardOut(_Out):
    points: int
    version: int = Field(description="the programme version whose rules decided")
    lines: list[AwardLineOut]
    skipped: list[SkippedOut]


class EarnOut(_Out):
    reference: str
    member: str
    points: int = Field(description="net change to the member's points")
    award: AwardOut
    available: int
    pending: int
    held: int
    entry_ids: list[int]
    created_at: datetime
    meta: dict[str, Any]


class VersionOut(_Out):
    version: int
    published_at: datetime
    published_by: str


class ConditionErrorsOut(_Out):
    rule_id: str
    day: date = Field(description="the day, in the programme's timezone")
    errors: int = Field(description="orders and activities whose condition failed that day")
    last_at: datetime
    last_reference: str = Field(description="the order id or activity type that failed last")
    last_error: str = Field(description="the evaluator's text: no such overload: _>_(string, int)")
    last_problem: str = Field(
        description="wrong_types, missing_field, division_by_zero, index_out_of_range, "
        "invalid_value, overflow, not_a_list or other"
    )
    last_params: dict[str, str]


class ConditionErrorsListOut(BaseModel):
    days: int = Field(description="the local days looked at, today included")
    rules: list[ConditionErrorsOut]


class ProgramOut(BaseModel):
    code: str
    name: dict[str, str]
    currency: str
    point_value: str
    timezone: str
    current_version: int | None
    versions: list[VersionOut]
