"""Rules whose condition failed, in the operator's language: the programme page's warning.

A failure is kept as a stable problem code with its params (``wrong_types``,
``{"operation": ">", "types": "string, int"}``); the domain words each code
in English, the catalogue translates those words, and a code neither knows shows
the evaluator's own text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from jifen.domain.earning import PROBLEMS
from jifen.entrypoints.web.i18n import N_, Language
from jifen.services.earning import AwardView, RuleErrors

#: the domain's words for each problem (``jifen.domain.earning.PROBLEMS``), for the catalogue
WORDS = (
    N_("%(operation)s does not accept these types: %(types)s"),
    N_("the field %(field)s is missing"),
    N_("it divides by zero"),
    N_("a list index is out of range"),
    N_("a value cannot be converted to the type asked for"),
    N_("a number is too large"),
    N_("it ranges over %(type)s, not a list or a map"),
    N_("it could not be evaluated: %(error)s"),
)


@dataclass(frozen=True)
class FailedRule:
    rule: str  # its name in the page's language, else its id
    rule_id: str
    day: date
    errors: int
    words: str  # the latest failure, in plain words
    error: str  # ... as the evaluator said it
    at: datetime
    reference: str  # the order id or activity type that failed last


def failed_rules(lang: Language, rows: list[RuleErrors]) -> list[FailedRule]:
    return [_shown(lang, row) for row in rows]


def preview_failures(lang: Language, award: AwardView) -> list[tuple[str, str]]:
    """(rule id, plain words) for each rule whose condition failed on a sample order."""
    return [
        (
            s.rule_id,
            words(
                lang,
                str(s.detail.get("problem", "other")),
                dict(s.detail.get("params") or {}),
                str(s.detail.get("error", "")),
            ),
        )
        for s in award.skipped
        if s.reason == "condition_error"
    ]


def _shown(lang: Language, row: RuleErrors) -> FailedRule:
    c = row.counted
    name = row.name.get(lang.code) or next(iter(row.name.values()), c.rule_id)
    return FailedRule(
        name, c.rule_id, c.day, c.errors, words(lang, c.last_problem, c.last_params, c.last_error),
        c.last_error, c.last_at, c.last_reference,
    )  # fmt: skip


def words(lang: Language, problem: str, params: dict[str, str], error: str) -> str:
    """The problem in the page's language; the evaluator's text if it has no words."""
    msgid = PROBLEMS.get(problem)
    if msgid is None:
        return error
    found = lang.translations.gettext(msgid)
    try:
        return found % ({"error": error} | params)
    except (KeyError, TypeError, ValueError):
        return error
