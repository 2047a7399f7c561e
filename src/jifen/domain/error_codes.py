"""Every error code jifen answers with, one enum per area: stable, documented, typed.

A code is a ``StrEnum`` member, so it compares and serialises as its text
(``MemberCode.NOT_FOUND == "member_not_found"``). Each also names the family of
errors it is raised with (which fixes its HTTP status and its CLI exit code, see
:mod:`jifen.domain.errors`) and says what it means: the table of codes in
``docs/api.md`` is generated from these enums, and a test holds every ``raise``
to its code's family. An integrator acts on the code; the detail is for people.
"""

from __future__ import annotations

import enum
from typing import Self


class Family(enum.StrEnum):
    """The branch of the error tree a code is raised with."""

    INVALID_REQUEST = "invalid_request"
    INVALID_INPUT = "invalid_input"
    UNAUTHENTICATED = "unauthenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RULE_VIOLATION = "rule_violation"
    LEDGER_INCONSISTENT = "ledger_inconsistent"
    UNAVAILABLE = "unavailable"


class Code(enum.StrEnum):
    """A code: its text, the family it is raised with, and what it means."""

    family: Family
    meaning: str

    def __new__(cls, value: str, family: Family, meaning: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.family = family
        member.meaning = meaning
        return member


F = Family


class RequestCode(Code):
    """The request as a whole, whatever it asks for."""

    INVALID_REQUEST = "invalid_request", F.INVALID_REQUEST, "the request cannot be read as sent"
    MALFORMED_JSON = "malformed_json", F.INVALID_REQUEST, "the body is not valid JSON"
    INVALID_INPUT = (
        "invalid_input",
        F.INVALID_INPUT,
        "a value is missing or wrong; `params.field` (or `params.errors`) names it",
    )
    IDEMPOTENCY_KEY_REQUIRED = (
        "idempotency_key_required",
        F.INVALID_REQUEST,
        "every write needs an `Idempotency-Key` header",
    )
    IDEMPOTENCY_KEY_INVALID = (
        "idempotency_key_invalid",
        F.INVALID_REQUEST,
        "an `Idempotency-Key` is 1 to 255 printable characters",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        F.CONFLICT,
        "this key was used for a different request: send a new key",
    )
    UNAUTHENTICATED = "unauthenticated", F.UNAUTHENTICATED, "no credentials, or unknown ones"
    PERMISSION_DENIED = (
        "permission_denied",
        F.PERMISSION_DENIED,
        "the credentials lack a scope; `params.scope` names it",
    )
    NOT_FOUND = "not_found", F.NOT_FOUND, "nothing is at this address"
    CONFLICT = "conflict", F.CONFLICT, "the request clashes with the current state"
    RULE_VIOLATION = "rule_violation", F.RULE_VIOLATION, "a business rule refuses the request"
    NUL_CHARACTER = (
        "nul_character",
        F.INVALID_INPUT,
        "a text value holds a NUL character (U+0000); `params.field` names it",
    )
    LONE_SURROGATE = (
        "lone_surrogate",
        F.INVALID_INPUT,
        "a JSON string holds half of a UTF-16 surrogate pair (an escape from \\ud800 to "
        "\\udfff without its other half), which is not Unicode text; `params.field` names it",
    )
    JSON_TOO_DEEP = (
        "json_too_deep",
        F.INVALID_REQUEST,
        "the body nests arrays or objects deeper than 32 levels",
    )
    OUT_OF_RANGE = (
        "out_of_range",
        F.INVALID_INPUT,
        "a number, id or instant lies beyond what jifen stores; `params.field` names it",
    )


class MemberCode(Code):
    """Members."""

    NOT_FOUND = "member_not_found", F.NOT_FOUND, "no such member in the programme"
    EXISTS = "member_exists", F.CONFLICT, "a member with this id already exists"
    CONTACT_TAKEN = (
        "member_contact_taken",
        F.CONFLICT,
        "another member has this phone or email: they sign in with it, or join with another",
    )
    NOT_ACTIVE = (
        "member_not_active",
        F.RULE_VIOLATION,
        "the member is blocked or erased; `params.status` says which",
    )


class LedgerCode(Code):
    """The points ledger: balances, holds, entries, reversals."""

    INSUFFICIENT_POINTS = (
        "insufficient_points",
        F.RULE_VIOLATION,
        "the member has fewer available points than asked; `params.available` says how many",
    )
    ENTRY_NOT_FOUND = "entry_not_found", F.NOT_FOUND, "no such ledger entry in the programme"
    ENTRY_NOT_REVERSIBLE = (
        "entry_not_reversible",
        F.INVALID_INPUT,
        "this kind of entry (an expiry, a hold, a reversal) cannot be reversed",
    )
    ALREADY_REVERSED = "already_reversed", F.INVALID_INPUT, "the entry is already fully reversed"
    REVERSAL_EXCEEDS_ORIGINAL = (
        "reversal_exceeds_original",
        F.RULE_VIOLATION,
        "more points than the entry has left to reverse",
    )
    LOT_NOT_FOUND = "lot_not_found", F.NOT_FOUND, "a lot the entry drew from is missing"
    HOLD_NOT_FOUND = "hold_not_found", F.NOT_FOUND, "no such hold in the programme"
    HOLD_NOT_ACTIVE = (
        "hold_not_active",
        F.RULE_VIOLATION,
        "the hold was already captured or released",
    )
    HOLD_EXPIRED = "hold_expired", F.RULE_VIOLATION, "the hold ran out before it was captured"
    CAPTURE_EXCEEDS_HOLD = (
        "capture_exceeds_hold",
        F.RULE_VIOLATION,
        "a capture of more points than the hold reserved",
    )
    POINTS_TOO_LARGE = (
        "points_too_large",
        F.INVALID_INPUT,
        "one operation would move more than 10^12 points; nothing was written",
    )
    CONFLICT = (
        "ledger_conflict",
        F.CONFLICT,
        "the member's points changed while this request ran: retry it",
    )
    ANCHOR_UNREADABLE = (
        "anchor_unreadable",
        F.INVALID_INPUT,
        "the anchor file given to `jifen verify --against` is missing, damaged or edited",
    )
    INCONSISTENT = (
        "ledger_inconsistent",
        F.LEDGER_INCONSISTENT,
        "the member's cached balance disagrees with their lots: nothing was written, the "
        "operator is alerted (`jifen verify` names the member); do not retry until repaired",
    )


class EarningCode(Code):
    """Orders, refunds and activities."""

    ORDER_NOT_FOUND = "order_not_found", F.NOT_FOUND, "no such order in the programme"
    ORDER_ID_REUSED = (
        "order_id_reused",
        F.CONFLICT,
        "this order id is already recorded with different details",
    )
    REFUND_EXCEEDS_PAID = (
        "refund_exceeds_paid",
        F.INVALID_INPUT,
        "the refunds would return more money than the order was paid",
    )
    REFUND_EXCEEDS_QUANTITY = (
        "refund_exceeds_quantity",
        F.INVALID_INPUT,
        "a line is refunded more times than it was bought",
    )
    REFUND_UNKNOWN_LINE = "refund_unknown_line", F.INVALID_INPUT, "the order has no such line"
    UNKNOWN_ACTIVITY_TYPE = (
        "unknown_activity_type",
        F.INVALID_INPUT,
        "the programme declares no activity of this type",
    )
    REFERRER_NOT_FOUND = (
        "referrer_not_found",
        F.INVALID_INPUT,
        "the referrer is not another member of the programme",
    )
    REFERRAL_CODE_UNKNOWN = (
        "referral_code_unknown",
        F.INVALID_INPUT,
        "no member of the programme has this referral code",
    )
    SELF_REFERRAL = (
        "self_referral",
        F.RULE_VIOLATION,
        "the referral code is used from a device its owner joined or signed in from:"
        " nobody refers themselves",
    )
    REFEREE_ALREADY_REFERRED = (
        "referee_already_referred",
        F.CONFLICT,
        "this member was referred before (a member has one referrer, ever): a second"
        " sign-up pays nothing, and a conversion names the referrer of the sign-up",
    )
    MUTUAL_REFERRAL = (
        "mutual_referral",
        F.RULE_VIOLATION,
        "the referrer was referred by this member: two members cannot refer each other",
    )
    REFERRAL_NOT_CONVERTED = (
        "referral_not_converted",
        F.RULE_VIOLATION,
        "the referred member has no purchase yet (an order not wholly refunded):"
        " the conversion pays once they have one",
    )
    REFERRAL_ALREADY_CONVERTED = (
        "referral_already_converted",
        F.CONFLICT,
        "this member's referral has converted and been paid: it pays once",
    )
    REFERRAL_PAID_BY_PURCHASE = (
        "referral_paid_by_purchase",
        F.RULE_VIOLATION,
        "the programme pays this referral on the friend's first qualifying purchase, which"
        " jifen records: it is not sent as an activity",
    )
    REFERRAL_VOIDED = (
        "referral_voided",
        F.CONFLICT,
        "an operator voided this member's referral: it pays nothing, ever",
    )
    REFERRAL_NOT_FOUND = (
        "referral_not_found",
        F.NOT_FOUND,
        "nobody referred this member",
    )
    DATE_IN_FUTURE = (
        "date_in_future",
        F.INVALID_INPUT,
        "`placed_at` or `occurred_at` is later than now plus the allowed clock skew; "
        "`params.latest` says the latest accepted",
    )
    DATE_OUT_OF_RANGE = (
        "date_out_of_range",
        F.INVALID_INPUT,
        "`placed_at` or `occurred_at` is before 2000-01-01 or after 2099",
    )
    AMOUNT_TOO_LARGE = (
        "amount_too_large",
        F.INVALID_INPUT,
        "money, a quantity or `points_paid` beyond its documented bound; `params.maximum`",
    )
    PAID_DISAGREES_WITH_LINES = (
        "paid_disagrees_with_lines",
        F.INVALID_INPUT,
        "`paid` is not the lines' amounts less their discounts and the order's discount",
    )


class RedemptionCode(Code):
    """Rewards, the cash offset, vouchers, lotteries and causes."""

    REWARD_NOT_FOUND = "reward_not_found", F.NOT_FOUND, "no such reward in the catalogue"
    REWARD_NOT_AVAILABLE = (
        "reward_not_available",
        F.RULE_VIOLATION,
        "the reward (or lottery, or cause) is outside its window",
    )
    REWARD_OUT_OF_STOCK = (
        "reward_out_of_stock",
        F.RULE_VIOLATION,
        "none left: never oversold",
    )
    REWARD_UNLIMITED = (
        "reward_unlimited",
        F.INVALID_INPUT,
        "the reward has no stock to count: the programme declares it unlimited",
    )
    TIER_TOO_LOW = "tier_too_low", F.RULE_VIOLATION, "the reward is for higher tiers"
    LIMIT_REACHED = (
        "redemption_limit_reached",
        F.RULE_VIOLATION,
        "the member has reached the reward's limit for the period",
    )
    OFFSET_NOT_OFFERED = (
        "cash_offset_not_offered",
        F.RULE_VIOLATION,
        "the programme does not let points pay at checkout",
    )
    ORDER_BELOW_OFFSET_MINIMUM = (
        "order_below_offset_minimum",
        F.RULE_VIOLATION,
        "the order is too small for points to pay part of it",
    )
    OFFSET_TOO_SMALL = (
        "offset_too_small",
        F.RULE_VIOLATION,
        "these points buy no discount on this order",
    )
    REDEMPTION_NOT_FOUND = "redemption_not_found", F.NOT_FOUND, "no such redemption"
    REDEMPTION_NOT_HELD = (
        "redemption_not_held",
        F.RULE_VIOLATION,
        "capture or release of a redemption that is no longer held",
    )
    REDEMPTION_NOT_CANCELLABLE = (
        "redemption_not_cancellable",
        F.RULE_VIOLATION,
        "past the cancellation window, or its voucher was used",
    )
    REDEMPTION_CONFLICT = (
        "redemption_conflict",
        F.CONFLICT,
        "the redemption changed while this request ran: retry it",
    )
    VOUCHER_NOT_FOUND = "voucher_not_found", F.NOT_FOUND, "no voucher with this code"
    VOUCHER_NOT_USABLE = "voucher_not_usable", F.RULE_VIOLATION, "the voucher cannot be used"
    VOUCHER_ALREADY_USED = "voucher_already_used", F.RULE_VIOLATION, "the voucher was used"
    VOUCHER_EXPIRED = "voucher_expired", F.RULE_VIOLATION, "the voucher has expired"
    VOUCHER_CANCELLED = "voucher_cancelled", F.RULE_VIOLATION, "the voucher was cancelled"
    VOUCHER_MIN_SPEND_NOT_MET = (
        "voucher_min_spend_not_met",
        F.RULE_VIOLATION,
        "the purchase is below the voucher's minimum spend",
    )
    VOUCHER_CONFLICT = (
        "voucher_conflict",
        F.CONFLICT,
        "the voucher changed while this request ran: retry it",
    )
    LOTTERY_NOT_FOUND = "lottery_not_found", F.NOT_FOUND, "no such lottery"
    LOTTERY_NOT_OPEN = "lottery_not_open", F.RULE_VIOLATION, "the lottery is outside its window"
    PRIZE_NOT_FOUND = "prize_not_found", F.NOT_FOUND, "no such prize in the lottery"
    CAUSE_NOT_FOUND = "cause_not_found", F.NOT_FOUND, "no such cause"
    CAUSE_NOT_OPEN = "cause_not_open", F.RULE_VIOLATION, "the cause is outside its window"


class ProgramCode(Code):
    """Programmes and their versions."""

    NOT_FOUND = "program_not_found", F.NOT_FOUND, "no such programme"
    NOT_PUBLISHED = (
        "program_not_published",
        F.NOT_FOUND,
        "the programme has no published version yet",
    )
    VERSION_NOT_FOUND = "program_version_not_found", F.NOT_FOUND, "no such version"
    PART_NOT_FOUND = (
        "program_part_not_found",
        F.NOT_FOUND,
        "no such task, challenge, badge or leaderboard in the programme",
    )
    VERSION_MOVED = (
        "program_version_moved",
        F.CONFLICT,
        "another version was published meanwhile: edit that one",
    )
    REQUIRED = "program_required", F.INVALID_INPUT, "name the programme: there is more than one"
    CODE_MISMATCH = (
        "program_code_mismatch",
        F.INVALID_INPUT,
        "the file is for another programme",
    )
    FILE_INVALID = (
        "program_file_invalid",
        F.INVALID_INPUT,
        "the programme file does not validate; the detail names the line",
    )
    CONDITION_MISTYPED = (
        "program_condition_mistyped",
        F.INVALID_INPUT,
        "a rule's condition does not type-check; `params.errors` gives each one's line, "
        "column and what to write instead",
    )


class AccessCode(Code):
    """API keys, console operators, members' portal sign-in."""

    SIGN_IN_FAILED = "sign_in_failed", F.UNAUTHENTICATED, "wrong username or password"
    SIGNIN_CODE_INVALID = (
        "signin_code_invalid",
        F.UNAUTHENTICATED,
        "the one-time code is wrong or has expired",
    )
    SIGNIN_CODES_EXHAUSTED = (
        "signin_codes_exhausted",
        F.RULE_VIOLATION,
        "too many codes were sent to this contact lately",
    )
    NOT_ALLOWED = "not_allowed", F.PERMISSION_DENIED, "the operator's role does not allow this"
    OPERATOR_EXISTS = "operator_exists", F.CONFLICT, "an operator with this username exists"
    OPERATOR_NOT_FOUND = "operator_not_found", F.NOT_FOUND, "no such operator"
    OWN_ACCOUNT = (
        "own_account",
        F.CONFLICT,
        "an operator cannot demote or disable their own account",
    )
    APIKEY_NOT_FOUND = "apikey_not_found", F.NOT_FOUND, "no API key with this id in the programme"
    APIKEY_REVOKED = (
        "apikey_revoked",
        F.CONFLICT,
        "the API key is revoked (a rotated key names its replacement)",
    )
    SIGN_IN_LOCKED = (
        "sign_in_locked",
        F.UNAUTHENTICATED,
        "too many failed sign-ins for this account or address; wait or ask an admin",
    )


class ImportCode(Code):
    """Files imported in bulk, and one-off files read by the CLI."""

    FORMAT_UNKNOWN = "import_format_unknown", F.INVALID_INPUT, "not a JSON Lines or CSV file"
    FILE_UNREADABLE = "import_file_unreadable", F.INVALID_INPUT, "the file cannot be read"
    FILE_ENCODING = "import_file_encoding", F.INVALID_INPUT, "the file is not UTF-8"
    CSV_HEADER = "import_csv_header", F.INVALID_INPUT, "the CSV header lacks a required column"
    ROW_UNREADABLE = "row_unreadable", F.INVALID_INPUT, "a row is not an object"
    ROW_INVALID = "row_invalid", F.INVALID_INPUT, "a row has a missing or wrong field"
    IN_PROGRESS = (
        "import_in_progress",
        F.CONFLICT,
        "another run is importing the same file",
    )
    EARNED_IN_FUTURE = "earned_in_future", F.INVALID_INPUT, "an opening balance earned later"
    ALREADY_EXPIRED = (
        "already_expired",
        F.RULE_VIOLATION,
        "an opening balance whose points have already expired",
    )
    REFERENCE_REUSED = (
        "reference_reused",
        F.CONFLICT,
        "the member's opening balance with this reference has other details",
    )
    ORDER_FILE_INVALID = "order_file_invalid", F.INVALID_INPUT, "the file is not an order"


class RightsCode(Code):
    """Members' data rights: export and erasure."""

    ERASURE_WHILE_HELD = (
        "erasure_while_held",
        F.CONFLICT,
        "the member has points reserved by an open hold: capture or release it (or let it"
        " expire), then erase",
    )


class EngagementCode(Code):
    """Engagement: tasks and the platforms that say they were done."""

    TASK_NOT_FOUND = "task_not_found", F.NOT_FOUND, "the programme has no task with this id"
    TASK_SUBMISSION_NOT_FOUND = (
        "task_submission_not_found",
        F.NOT_FOUND,
        "the programme has no task submission with this id",
    )
    TASK_SUBMISSION_PENDING = (
        "task_submission_pending",
        F.CONFLICT,
        "the member's earlier submission of this task waits for review: one at a time",
    )
    TASK_SUBMISSION_REVIEWED = (
        "task_submission_reviewed",
        F.CONFLICT,
        "the submission was reviewed already: a review is final",
    )
    LEADERBOARD_NOT_FOUND = (
        "leaderboard_not_found",
        F.NOT_FOUND,
        "the programme has no leaderboard with this id",
    )
    TASK_PROVEN_ELSEWHERE = (
        "task_proven_elsewhere",
        F.RULE_VIOLATION,
        "this task is proven another way (a platform's signed webhook, or the member's"
        " submission): it cannot be completed here",
    )
    TASK_NOT_RUNNING = (
        "task_not_running",
        F.RULE_VIOLATION,
        "the task's window is closed: it has not started or has ended",
    )
    SOCIAL_TASKS_OPTED_OUT = (
        "social_tasks_opted_out",
        F.RULE_VIOLATION,
        "the member opted out of social tasks: none is recorded for them",
    )
    WEBHOOK_REFUSED = (
        "webhook_refused",
        F.UNAUTHENTICATED,
        "the webhook's source, timestamp or signature is not one jifen accepts: nothing was"
        " recorded",
    )
    INBOUND_SOURCE_EXISTS = (
        "inbound_source_exists",
        F.CONFLICT,
        "the programme has an inbound source with this name",
    )
    INBOUND_SOURCE_NOT_FOUND = (
        "inbound_source_not_found",
        F.NOT_FOUND,
        "the programme has no inbound source with this name",
    )
    INBOUND_SOURCE_NAME = (
        "inbound_source_name",
        F.INVALID_INPUT,
        "a source's name is 1 to 64 lower-case letters, digits, - and _, starting with a"
        " letter or digit",
    )


class NightlyCode(Code):
    """The nightly pipeline and the worker."""

    JOB_RUNNING = (
        "job_running",
        F.CONFLICT,
        "the programme's nightly pipeline is already running elsewhere",
    )


class SystemCode(Code):
    """jifen itself: what it stands on, not what was asked."""

    DATABASE_UNAVAILABLE = (
        "database_unavailable",
        F.UNAVAILABLE,
        "the database cannot be reached: retry after `Retry-After` seconds, same `Idempotency-Key`",
    )


AREAS: tuple[type[Code], ...] = (
    RequestCode,
    MemberCode,
    LedgerCode,
    EarningCode,
    RedemptionCode,
    ProgramCode,
    AccessCode,
    ImportCode,
    NightlyCode,
    RightsCode,
    EngagementCode,
    SystemCode,
)
