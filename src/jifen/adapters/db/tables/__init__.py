"""The schema. Alembic migrations under ``migrations/`` must produce exactly this.

One module per area, every table in the one ``metadata`` (``schema``); import tables from
here. A module is never named like a table it holds (``programs``, ``imports``), so that
``tables.programs`` is always the table.

- ``schema``: the ``MetaData`` and its naming convention.
- ``program``: programmes and their published versions.
- ``ledger``: members and their balances, entries, lots, draws, holds.
- ``earning``: orders, refunds, activities, rule usage, streaks, referrals, campaign budgets.
- ``tiers``: monthly activity, tier changes.
- ``redemption``: reward stock, redemptions, vouchers, lottery draws, donations.
- ``access``: API keys, portal sign-in codes, sessions and devices, operators and theirs.
- ``engagement``: consents, inbound sources, task submissions, challenge progress,
  member badges, leaderboards.
- ``nightly``: pipeline checkpoints, expiry reminders.
- ``file_imports``: import checkpoints.
- ``records``: idempotency keys, the outbox, the audit log.
"""

from jifen.adapters.db.tables.access import (
    api_keys,
    console_sessions,
    door_attempts,
    member_devices,
    operators,
    signin_codes,
    web_sessions,
)
from jifen.adapters.db.tables.earning import (
    activities,
    campaign_budgets,
    campaign_spend,
    member_streaks,
    orders,
    referrals,
    refunds,
    rule_condition_errors,
    rule_usage,
)
from jifen.adapters.db.tables.engagement import (
    challenge_progress,
    consents,
    inbound_sources,
    leaderboard_counts,
    leaderboard_frozen,
    leaderboard_results,
    leaderboard_scores,
    member_badges,
    task_submissions,
)
from jifen.adapters.db.tables.file_imports import imports
from jifen.adapters.db.tables.ledger import draws, entries, holds, lots, members
from jifen.adapters.db.tables.nightly import expiry_reminders, pipeline_runs
from jifen.adapters.db.tables.program import program_versions, programs
from jifen.adapters.db.tables.records import audit_log, idempotency_keys, outbox
from jifen.adapters.db.tables.redemption import (
    donations,
    lottery_draws,
    redemptions,
    reward_stock,
    vouchers,
)
from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.tables.tiers import member_months, tier_changes

__all__ = [
    "activities",
    "api_keys",
    "audit_log",
    "campaign_budgets",
    "campaign_spend",
    "challenge_progress",
    "consents",
    "console_sessions",
    "donations",
    "door_attempts",
    "draws",
    "entries",
    "expiry_reminders",
    "holds",
    "idempotency_keys",
    "imports",
    "inbound_sources",
    "leaderboard_counts",
    "leaderboard_frozen",
    "leaderboard_results",
    "leaderboard_scores",
    "lots",
    "lottery_draws",
    "member_badges",
    "member_devices",
    "member_months",
    "member_streaks",
    "members",
    "metadata",
    "operators",
    "orders",
    "outbox",
    "pipeline_runs",
    "program_versions",
    "programs",
    "redemptions",
    "referrals",
    "refunds",
    "reward_stock",
    "rule_condition_errors",
    "rule_usage",
    "signin_codes",
    "task_submissions",
    "tier_changes",
    "vouchers",
    "web_sessions",
]
