"""Words the pages show that come from data rather than templates.

Error codes, roles, voucher statuses, lot sources and activity kinds reach a
page as values (``{{ _(error) }}``), so no template names them. Listing them
here with ``N_`` puts them in the catalogue's extraction, and the language test
then requires each to have its Chinese. A code listed nowhere here is said in its
family's words (:func:`error_words`): a page never shows a bare code.
"""

from __future__ import annotations

import re

from jifen.domain.error_codes import AREAS, Family
from jifen.entrypoints.web.i18n import N_, Language

ERRORS = (
    N_("insufficient_points"),
    N_("reward_out_of_stock"),
    N_("reward_unlimited"),
    N_("redemption_limit_reached"),
    N_("reward_not_available"),
    N_("tier_too_low"),
    N_("lottery_not_open"),
    N_("cause_not_open"),
    N_("signin_code_invalid"),
    N_("signin_codes_exhausted"),
    N_("sign_in_failed"),
    N_("not_allowed"),
    N_("invalid_input"),
    N_("voucher_not_found"),
    N_("voucher_already_used"),
    N_("voucher_cancelled"),
    N_("voucher_expired"),
    N_("voucher_min_spend_not_met"),
    N_("operator_exists"),
    N_("operator_not_found"),
    N_("own_account"),
    N_("member_not_found"),
    N_("program_version_moved"),
    N_("points_too_large"),
    N_("nul_character"),
    N_("payload_too_large"),
    N_("reward_not_found"),
    N_("lottery_not_found"),
    N_("cause_not_found"),
    N_("idempotency_key_reused"),
    N_("program_file_invalid"),
    N_("program_code_mismatch"),
    N_("paid_disagrees_with_lines"),
    N_("amount_too_large"),
    N_("member_contact_taken"),
    N_("referral_code_unknown"),
    N_("self_referral"),
    N_("referral_voided"),
    N_("referral_not_found"),
    N_("social_tasks_opted_out"),
    N_("task_not_found"),
    N_("leaderboard_not_found"),
    N_("task_submission_not_found"),
    N_("task_submission_pending"),
    N_("task_submission_reviewed"),
    N_("task_pending_review"),
    N_("review_approved"),
    N_("review_rejected"),
    N_("moderate_tasks"),
    N_("program_part_not_found"),
    N_("inbound_source_exists"),
    N_("inbound_source_not_found"),
    N_("inbound_source_name"),
)
#: where a member stands on a task, and how often it pays
TASKS = (
    N_("task_available"),
    N_("task_done"),
    N_("task_opted_out"),
    N_("task_not_running"),
    N_("once a day"),
    N_("once a week"),
    N_("once a month"),
    N_("once a year"),
    N_("once a campaign"),
    N_("once a lifetime"),
)
#: the console's words for what a task, a challenge and a leaderboard are made of
ENGAGEMENT = (
    N_("task_share"),
    N_("task_review"),
    N_("task_check_in"),
    N_("task_survey"),
    N_("task_visit"),
    N_("proof_moderated"),
    N_("proof_webhook"),
    N_("proof_automatic"),
    N_("counts_orders"),
    N_("counts_spend"),
    N_("counts_units"),
    N_("counts_products"),
    N_("counts_activities"),
    N_("metric_points"),
    N_("metric_challenges"),
    N_("metric_counter"),
    N_("per_week"),
    N_("per_month"),
    N_("scope_programme"),
    N_("scope_store"),
    N_("scope_city"),
)
#: the referral report's flags, and where a friend's referral stands
REFERRALS = (
    N_("shared_device"),
    N_("lookalike_contacts"),
    N_("friends_never_buy_again"),
    N_("friend_joined"),
    N_("friend_pending"),
    N_("friend_paid"),
    N_("friend_voided"),
)
ROLES = (N_("admin"), N_("operator"), N_("analyst"), N_("cashier"))
VOUCHER_STATUSES = (N_("issued"), N_("consumed"), N_("cancelled"))
LOT_SOURCES = (
    N_("order"),
    N_("activity"),
    N_("adjustment"),
    N_("reversal"),
    N_("import"),
    N_("gift"),
    N_("prize"),
)
ACTIVITIES = (
    N_("sign_up"),
    N_("profile_completed"),
    N_("referral_signed_up"),
    N_("referral_converted"),
    N_("social_share"),
    N_("check_in"),
    N_("survey_completed"),
)

#: The words for a code that has none of its own, by the family it is raised with
FAMILY_WORDS: dict[Family, str] = {
    Family.INVALID_REQUEST: N_("invalid_input"),
    Family.INVALID_INPUT: N_("invalid_input"),
    Family.UNAUTHENTICATED: N_("unauthenticated"),
    Family.PERMISSION_DENIED: N_("not_allowed"),
    Family.NOT_FOUND: N_("not_found"),
    Family.CONFLICT: N_("conflict"),
    Family.RULE_VIOLATION: N_("rule_violation"),
    Family.LEDGER_INCONSISTENT: N_("ledger_inconsistent"),
    Family.UNAVAILABLE: N_("Please try again shortly"),
}
FAMILY_OF: dict[str, Family] = {code.value: code.family for area in AREAS for code in area}
CODE = re.compile(r"[a-z][a-z0-9_]*")


def error_words(lang: Language, error: str) -> str:
    """``error`` if it is words or a code the catalogue has words for, else its family's."""
    if not CODE.fullmatch(error) or lang.gettext(error) != error:
        return error
    return FAMILY_WORDS.get(FAMILY_OF.get(error, Family.INVALID_INPUT), "invalid_input")


#: how far a member has come in a challenge, by what it counts (Earn more)
CHALLENGE_PROGRESS = {
    "in_a_row_day": N_("%(have)s of %(goal)s days in a row"),
    "in_a_row_week": N_("%(have)s of %(goal)s weeks in a row"),
    "in_a_row_month": N_("%(have)s of %(goal)s months in a row"),
    "counts_orders": N_("%(have)s of %(goal)s orders"),
    "counts_spend": N_("%(have)s of %(goal)s spent"),
    "counts_units": N_("%(have)s of %(goal)s items"),
    "counts_products": N_("%(have)s of %(goal)s different products"),
    "counts_activities": N_("%(have)s of %(goal)s times"),
}
