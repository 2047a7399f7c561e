"""Progress: what an order or an activity adds to a challenge, and how far it has come.

A member's progress in one round of a challenge is a **tally**: an amount per unit, where
the unit is the period (with ``in_a_row``: its number, see :func:`bucket_of`), the product
(``products``), or nothing (``""``: every other count). Adding an order adds its
contribution; a refund takes away what the order no longer contributes. The tally is the
whole state: how far the member has come is :func:`measure` of it, never a rescan of
their history.
"""

from __future__ import annotations

from datetime import date, datetime

from jifen.domain.challenges.challenges import Challenge, Counts
from jifen.domain.earning import Order, Period, period_key

Tally = dict[str, int]
ONE_ROUND = "all"  # the round of a challenge without a period: its whole window


def round_of(challenge: Challenge, local: datetime) -> str:
    """The round ``local`` (in the programme's timezone) falls in."""
    return ONE_ROUND if challenge.period is None else period_key(challenge.period, local)


def bucket_of(per: Period, when: datetime | date) -> int:
    """The number of the day, week (from Monday) or month ``when`` falls in: consecutive
    periods have consecutive numbers."""
    day = when.date() if isinstance(when, datetime) else when
    if per is Period.DAY:
        return day.toordinal()
    if per is Period.WEEK:
        return (day.toordinal() - day.weekday()) // 7  # 0001-01-01 was a Monday
    if per is Period.MONTH:
        return day.year * 12 + day.month - 1
    raise ValueError(f"no run of {per}")


def _unit(challenge: Challenge, local: datetime) -> str:
    return "" if challenge.in_a_row is None else str(bucket_of(challenge.in_a_row, local))


def contribution(
    challenge: Challenge, order: Order, local: datetime, shares: list[int] | None = None
) -> Tally:
    """What ``order`` (placed at ``local``) adds to ``challenge``: nothing when no line
    matches, when it is paid nothing (refunded whole), or when it would add zero. Its
    ``when`` is the caller's to check. ``shares``: ``order.line_shares()``, when the
    caller has them for every challenge of the order."""
    picked = [
        (line, share)
        for line, share in zip(order.lines, shares or order.line_shares(), strict=True)
        if line.quantity > 0 and challenge.match(line)
    ]
    everything = challenge.match.everything
    if (not everything and not picked) or order.paid <= 0:
        return {}
    unit = _unit(challenge, local)
    counts = challenge.counts
    if counts is Counts.ORDERS:
        return {unit: 1}
    if counts is Counts.SPEND:
        spent = order.paid if everything else sum(share for _, share in picked)
        return {unit: spent} if spent > 0 else {}
    if counts is Counts.UNITS:
        units = sum(line.quantity for line, _ in picked)
        return {unit: units} if units > 0 else {}
    if counts is Counts.PRODUCTS:
        products: Tally = {}
        for line, _ in picked:
            products[line.sku] = products.get(line.sku, 0) + line.quantity
        return products
    return {}  # activities: an order adds nothing


def activity_counts(challenge: Challenge, local: datetime) -> Tally:
    """What one activity of the challenge's type adds."""
    return {_unit(challenge, local): 1}


def add(tally: Tally, more: Tally) -> Tally:
    summed = dict(tally)
    for unit, amount in more.items():
        summed[unit] = summed.get(unit, 0) + amount
    return summed


def take_away(tally: Tally, before: Tally, after: Tally) -> tuple[Tally, Tally]:
    """An order contributed ``before`` and now (refunded) contributes ``after``: the tally
    without the difference, and what it kept (never more than it had, per unit)."""
    left = dict(tally)
    kept: Tally = {}
    for unit, amount in before.items():
        keep = min(amount, after.get(unit, 0))
        if keep > 0:
            kept[unit] = keep
        rest = left.get(unit, 0) - (amount - keep)
        if rest > 0:
            left[unit] = rest
        else:
            left.pop(unit, None)
    return left, kept


def measure(challenge: Challenge, tally: Tally) -> int:
    """How far ``tally`` has come, in the unit of the goal: the longest run of periods in
    a row (``in_a_row``), the different products, or the count."""
    if challenge.in_a_row is not None:
        return longest_run(_periods(tally), challenge.grace)
    if challenge.counts is Counts.PRODUCTS:
        return sum(1 for amount in tally.values() if amount > 0)
    return sum(tally.values())


def _periods(tally: Tally) -> list[int]:
    return sorted(int(unit) for unit, amount in tally.items() if amount > 0)


def longest_run(periods: list[int], grace: int) -> int:
    """The most periods of ``periods`` (sorted, distinct) in one run that misses at most
    ``grace`` periods between its first and its last."""
    best = start = 0
    for end in range(len(periods)):
        while (periods[end] - periods[start] + 1) - (end - start + 1) > grace:
            start += 1
        best = max(best, end - start + 1)
    return best


def current_run(challenge: Challenge, tally: Tally, local_now: datetime) -> int:
    """The run still alive at ``local_now``: it ends in the latest period with something
    that counts, and the periods missed since (not the current one, which may still come)
    are within the grace it has left. 0 when it broke."""
    assert challenge.in_a_row is not None
    periods = _periods(tally)
    if not periods:
        return 0
    since = bucket_of(challenge.in_a_row, local_now) - periods[-1] - 1
    allowed = challenge.grace - max(since, 0)
    if allowed < 0:
        return 0
    last, start = periods[-1], len(periods) - 1
    while start > 0 and (last - periods[start - 1] + 1) - (len(periods) - start + 1) <= allowed:
        start -= 1
    return len(periods) - start


def shown(challenge: Challenge, tally: Tally, local_now: datetime, done: bool) -> int:
    """What the member is shown of their progress: ``3`` of 4 weeks."""
    if done:
        return challenge.goal
    if challenge.in_a_row is not None:
        return min(current_run(challenge, tally, local_now), challenge.goal)
    return min(measure(challenge, tally), challenge.goal)
