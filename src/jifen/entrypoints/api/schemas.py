"""The API's request and response bodies (separate from tables and domain)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from jifen.domain.points import MAX_POINTS
from jifen.entrypoints.api.bounds import Instant

#: The longest a hold may last: a year
MAX_HOLD_SECONDS = 366 * 86400
Points = Field(gt=0, le=MAX_POINTS, description="whole points, > 0")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemberIn(_In):
    external_id: str = Field(min_length=1, max_length=128, examples=["C-10042"])
    phone: str | None = Field(
        None,
        max_length=32,
        description="6 to 15 digits, + before a country code; no other member may have it",
    )
    email: str | None = Field(None, max_length=254, description="no other member may have it")
    birthday: date | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    display_name: str | None = Field(
        None, max_length=64, description="how the member is shown: 1 to 32 characters"
    )
    language: str | None = Field(None, description="zh-CN or en", examples=["zh-CN"])
    consents: dict[str, bool] | None = Field(
        None,
        description="marketing messages agreed to, by channel (email, sms, push); a channel"
        " left out is not agreed to; null records no answer",
        examples=[{"email": True, "sms": False}],
    )
    referral_code: str | None = Field(
        None, max_length=32, description="the code of the member who invited them"
    )
    device_id: str | None = Field(
        None,
        min_length=8,
        max_length=128,
        description="your app's id for the device they join from (kept as a keyed hash):"
        " a referral code used from a device its owner used is refused",
    )


class MemberPatch(_In):
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    birthday: date | None = None
    attributes: dict[str, Any] | None = None
    status: str | None = Field(None, description="active or blocked")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MemberOut(_Out):
    external_id: str
    status: str
    phone: str | None
    email: str | None
    birthday: date | None
    attributes: dict[str, Any]
    available: int = Field(description="points spendable now")
    pending: int = Field(description="points earned, not yet available")
    held: int = Field(description="points reserved by open holds")
    expiring_30d: int = Field(description="available points expiring in the next 30 days")
    created_at: datetime
    updated_at: datetime
    tier: str | None = Field(
        None, description="the tier in effect; null: the entry level (see /tier for more)"
    )
    display_name: str | None = None
    language: str | None = None
    member_code: str | None = Field(
        None, description="16 digits (the last a Luhn check) the till scans or types"
    )
    referral_code: str | None = Field(None, description="what a friend joins with")


class AdjustmentIn(_In):
    points: StrictInt = Field(
        description="positive credits, negative debits; never 0", ge=-MAX_POINTS, le=MAX_POINTS
    )
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="internal: kept in the audit log only, never shown to the member",
    )
    note: str | None = Field(
        None, max_length=500, description="for the member: shown in their history"
    )
    expires_at: Instant | None = None


class HoldIn(_In):
    points: StrictInt = Points
    ttl_seconds: StrictInt | None = Field(
        None, gt=0, le=MAX_HOLD_SECONDS, description="defaults to the programme's; a year at most"
    )
    reference: str | None = Field(None, max_length=128, examples=["order-1042"])


class CaptureIn(_In):
    points: StrictInt | None = Field(
        None, gt=0, le=MAX_POINTS, description="defaults to the whole hold"
    )


class ReversalIn(_In):
    points: StrictInt | None = Field(
        None, gt=0, le=MAX_POINTS, description="defaults to all that is left"
    )
    reason: str | None = Field(None, max_length=500)


class ReceiptOut(_Out):
    member: str
    kind: str
    points: int = Field(description="net change to the member's points")
    entry_ids: list[int]
    available: int
    pending: int
    held: int
    created_at: datetime
    hold_id: int | None = None
    hold_status: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class EntryOut(_Out):
    id: int
    kind: str
    points: int
    available_change: int
    pending_change: int
    held_change: int
    created_at: datetime
    reason: str | None = Field(
        description="words for the member: an adjustment's note (its internal reason is"
        " in the audit log only), a reversal's reason"
    )
    actor: str | None
    reference: str | None
    reverses_entry_id: int | None
    hold_id: int | None
    meta: dict[str, Any]
    earned_from: datetime | None = Field(
        None, description="an expiry: when the oldest of the lots it ended was earned"
    )
    earned_to: datetime | None = Field(
        None, description="an expiry: when the newest of the lots it ended was earned"
    )
    occurred_at: datetime | None = Field(
        None,
        description="when it happened: an order's placed_at or an activity's occurred_at "
        "(a backdated one keeps its own date); else created_at",
    )


class EntriesOut(_Out):
    items: list[EntryOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next (older) page")


class VoidReferralIn(_In):
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="why: kept on the referral and in the audit log",
        examples=["the friend is the referrer's second phone"],
    )


class FriendOut(_Out):
    member: str = Field(description="the friend's external id")
    name: str | None = Field(description="the friend's display name")
    referrer: str
    status: str = Field(
        description="joined (waiting for a qualifying purchase), pending (paid, in the"
        " purchase's return window), paid, or voided"
    )
    joined_at: datetime
    converted_at: datetime | None
    order_id: str | None = Field(description="the friend's purchase that paid it")
    points: int = Field(description="paid to the friend")
    referrer_points: int
    available_at: datetime | None = Field(description="its points are pending until then")
    void_reason: str | None


class ReferrerOut(_Out):
    member: str
    name: str | None
    friends: int = Field(description="friends who joined with the member's code")
    converted: int = Field(description="of them, those whose referral paid")
    voided: int
    points: int = Field(description="paid to the referrer by referrals that stand")
    pending: int = Field(description="of those points, still in a return window")
    flags: list[str] = Field(
        description="what looks wrong: shared_device, lookalike_contacts,"
        " friends_never_buy_again (see docs/api.md)"
    )
    listed: list[FriendOut]


class ReferralReportOut(_Out):
    as_of: datetime
    joined: int
    converted: int
    pending: int
    voided: int
    points: int = Field(description="paid to both sides by referrals that stand")
    points_pending: int
    referrers: list[ReferrerOut] = Field(description="the busiest referrers first")


class CompletionIn(_In):
    member: str = Field(min_length=1, max_length=128, description="the member's external id")
    reference: str = Field(
        "", max_length=512, description="what it was: a survey's id, a check-in's place"
    )


class ParticipationIn(_In):
    social_tasks: bool = Field(description="false: the member opts out of social tasks")


class ParticipationOut(_Out):
    member: str
    social_tasks: bool


class TaskOut(_Out):
    id: str
    kind: str = Field(description="share, review, check_in, survey or visit")
    name: dict[str, str]
    how: dict[str, str]
    points: int
    proof: str = Field(description="webhook (a platform says so) or automatic (the API)")
    sources: list[str] = Field(description="webhook: the inbound sources that may say so")
    social: bool = Field(description="a member who opted out of social tasks cannot do it")


class ChallengeOut(_Out):
    id: str
    name: dict[str, str]
    how: dict[str, str]
    counts: str = Field(description="orders, spend, units, products (different ones) or activities")
    activity: str | None = Field(description="counts activities: of this type")
    goal: int | str = Field(description='a number; for spend, money in major units ("500.00")')
    in_a_row: str | None = Field(description="day, week or month: the goal is periods in a row")
    grace: int = Field(description="periods that may be missed inside a run")
    period: str | None = Field(description="week, month or year: each period a round of its own")
    starts: datetime | None
    ends: datetime | None
    points: int = Field(description="given once per round, when the goal is reached")
    badge: str | None
    after_done: str = Field(description="keep or reverse: what a refund after the goal does")
    members_only: bool = Field(description="only the members its condition names take part")


class BadgeOut(_Out):
    id: str
    name: dict[str, str]
    description: dict[str, str]
    image: str = Field(description="the badge's picture, an SVG served by jifen")


class BadgeHeldOut(BadgeOut):
    awarded_at: datetime
    challenge: str = Field(description="the challenge that gave it")


class MemberChallengeOut(_Out):
    challenge: ChallengeOut
    round: str = Field(description='"all", or the period of this round: "month:2026-12"')
    progress: int | str = Field(description="how far the member has come, in the goal's unit")
    done: bool
    done_at: datetime | None
    round_ends: datetime | None


class MemberChallengesOut(_Out):
    challenges: list[MemberChallengeOut]
    badges: list[BadgeHeldOut]


class LeaderboardOut(_Out):
    id: str
    name: dict[str, str]
    description: dict[str, str]
    metric: str = Field(description="points, challenges or counter")
    counter: str | None = Field(description="metric counter: the activity it counts")
    period: str = Field(description="week or month")
    scope: str = Field(description="programme, store or city")
    size: int
    prizes: list[dict[str, int]] = Field(description="first, last (ranks) and points")


class StandingOut(_Out):
    rank: int
    name: str = Field(description="the member's display name, or their masked id")
    score: int
    me: bool = Field(description="the member asked about")


class MineOut(_Out):
    rank: int | None = Field(description="None: not on the board yet, or hidden")
    score: int
    hidden: bool


class BoardOut(_Out):
    id: str
    period: str = Field(description='"week:2026-W49", "month:2026-12"')
    scope: str = Field(description='"" (the programme), a store or a city')
    frozen: bool = Field(description="a finished period, as frozen with its prizes")
    top: list[StandingOut]
    prizes: list[int] = Field(description="frozen: the prize paid to each row of top")
    mine: MineOut | None


class HideIn(_In):
    hidden: bool


class HiddenOut(_Out):
    member: str
    hidden: bool


class SubmissionIn(_In):
    member: str = Field(min_length=1, max_length=128)
    reference: str = Field(min_length=1, max_length=512, description="the link or photo reference")


class ReviewIn(_In):
    approve: bool
    reason: str = Field("", max_length=500, description="required to reject")


class SubmissionOut(_Out):
    id: int
    member: str
    name: str | None
    task: str
    reference: str
    status: str = Field(description="pending, approved or rejected")
    reason: str | None
    points: int = Field(description="what its approval paid")
    submitted_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
