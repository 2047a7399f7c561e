"""What the rules may know about a member, as CEL variables (``member.*``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jifen.domain.earning.periods import same_week
from jifen.domain.members import Member
from jifen.domain.money import exponent


def member_vars(member: Member, local_now: datetime, currency: str) -> dict[str, Any]:
    """``local_now`` is the moment being judged, in the programme's timezone."""
    tz = local_now.tzinfo
    last = member.last_order_at.astimezone(tz) if member.last_order_at else None
    attributes = dict(member.attributes)
    return {
        "id": member.external_id,
        "tier": member.tier or "",
        "status": member.status.value,
        "orders_count": member.orders_count,
        "spend_total": member.spend_total / 10 ** exponent(currency),
        "first_order_this_week": last is None or not same_week(last, local_now),
        "days_since_last_order": -1 if last is None else (local_now.date() - last.date()).days,
        "days_since_joined": (local_now.date() - member.created_at.astimezone(tz).date()).days,
        "birthday_month": member.birthday is not None and member.birthday.month == local_now.month,
        "available": member.balances.available,
        "segment": str(attributes.get("segment", "")),
        "tags": list(attributes.get("tags", []))
        if isinstance(attributes.get("tags"), list)
        else [],
        "badges": list(member.badges),
        "attributes": attributes,
    }
