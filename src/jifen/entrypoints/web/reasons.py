"""Every movement of points in plain words, in the member's language.

``Order 1042 at store 3: Points per yuan 100 · Gold ×1.5 50`` or
``Expired: earned 3 Nov 2025``: what a history line says depends on its kind
and what the ledger recorded with it (the order's rules, the reward, the cause).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jifen.domain.definition import ProgramDefinition
from jifen.domain.engagement.tasks import task_of
from jifen.entrypoints.web.i18n import Language
from jifen.services.members import HistoryItem


@dataclass(frozen=True)
class Line:
    when: Any
    text: str
    detail: str
    points: int  # signed: what it did to the available points
    pending: int


def describe(
    lang: Language, item: HistoryItem, rules: ProgramDefinition | None = None, tz: str | None = None
) -> Line:
    _ = lang.gettext
    ref = item.reference or ""
    detail = ""
    if item.kind == "earn" and "order" in item.meta:
        store = item.meta.get("store")
        text = (
            _("Order %(order)s at store %(store)s", order=item.meta["order"], store=store)
            if store
            else _("Order %(order)s", order=item.meta["order"])
        )
        detail = " · ".join(
            f"{_rule(lang, rules, rule)} {points}" for rule, points in item.meta.get("lines", [])
        )
    elif item.kind == "earn" and ref.startswith("lottery:"):
        text = _("Lottery prize")
    elif item.kind == "earn" and ref.startswith("birthday-"):
        text = _("Birthday gift")
    elif item.kind == "earn":
        text = _("Earned: %(what)s", what=_activity(lang, rules, ref)) if ref else _("Earned")
    elif item.kind in ("redeem", "capture") and ref.startswith("reward:"):
        text = _("Redeemed: %(reward)s", reward=_reward(lang, rules, ref.removeprefix("reward:")))
    elif item.kind in ("redeem", "capture") and ref.startswith("order:"):
        text = _("Paid with points: order %(order)s", order=ref.removeprefix("order:"))
    elif item.kind == "redeem" and ref.startswith("lottery:"):
        text = _("Lottery draw")
    elif item.kind == "expire" and item.earned_from and item.earned_to:
        first, last = lang.day(item.earned_from, tz), lang.day(item.earned_to, tz)
        text = (
            _("Expired: earned %(day)s", day=first)
            if first == last
            else _("Expired: earned %(first)s to %(last)s", first=first, last=last)
        )
    elif item.kind == "redeem" and ref.startswith("cause:"):
        text = _("Donated to %(cause)s", cause=_cause(lang, rules, ref.removeprefix("cause:")))
    else:
        text = {
            "redeem": _("Spent"),
            "hold": _("Reserved for a purchase"),
            "capture": _("Spent"),
            "release": _("Reservation released"),
            "expire": _("Expired"),
            "reverse": _("Reversed"),
            "adjust": _("Adjusted by the shop"),
            "mature": _("Pending points became available"),
            "forfeit": _("Forfeited on erasure"),
        }.get(item.kind, item.kind)
    if item.reason and item.kind in ("adjust", "reverse"):
        detail = item.reason
    when = item.occurred_at or item.created_at  # a backdated order shows its own date
    return Line(when, text, detail, item.available_change, item.pending_change)


def _name(lang: Language, names: Any, fallback: str) -> str:
    if not names:
        return fallback
    return str(names.get(lang.code) or next(iter(names.values())))


def _rule(lang: Language, rules: ProgramDefinition | None, rule_id: str) -> str:
    if rule_id == "base":
        return lang.gettext("Points per yuan")
    if rules is None:
        return rule_id
    kind, _, code = rule_id.partition(":")
    if kind in ("tier", "birthday") and code:
        level = next((x for x in rules.tiers.levels if x.code == code), None)
        name = _name(lang, level.name if level else None, code)
        if kind == "birthday":
            return lang.gettext("Birthday month (%(tier)s)", tier=name)
        factor = level.multiplier.normalize() if level else ""
        return f"{name} ×{factor}"
    rule = next((r for r in rules.earning.rules if r.id == rule_id), None)
    return _name(lang, rule.name if rule else None, rule_id)


def _reward(lang: Language, rules: ProgramDefinition | None, code: str) -> str:
    found = rules.redemption.catalogue.rewards.get(code) if rules else None
    return _name(lang, found.name if found else None, code)


def _cause(lang: Language, rules: ProgramDefinition | None, code: str) -> str:
    found = rules.redemption.causes.get(code) if rules else None
    return _name(lang, found.name if found else None, code)


def _activity(lang: Language, rules: ProgramDefinition | None, kind: str) -> str:
    task = task_of(kind, rules.tasks) if rules else None
    if task is not None:  # a task: its own name, as the programme gives it
        return _name(lang, task.name, task.id)
    return lang.gettext(kind)  # sign-up, profile, survey... are in the catalogue
