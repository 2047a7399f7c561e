"""Who may come in: API keys, portal sign-in codes and sessions, operators and theirs."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)

from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, Json, UTCDateTime

# --- the API ---------------------------------------------------------------------------

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("replaced_by", Id),  # the key a rotation made in its place
)

# --- the member portal -------------------------------------------------------------

signin_codes = Table(
    "signin_codes",
    metadata,  # one-time codes for the portal: only their keyed hash is kept (ADR 0015)
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    # None: the code is for someone joining (``enrolment`` holds what they gave)
    Column("member_id", Id, ForeignKey("members.id")),
    Column("code_hash", String(64), nullable=False),
    # the browser that asked holds the ticket; the code is tried only with it
    Column("ticket_hash", String(64)),
    # the code is derived from this and the app secret at delivery; dropped once spent
    Column("seed", String(64)),
    # a person joining: the contact and details they gave, dropped with the seed
    Column("enrolment", Json),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("tries", Integer, nullable=False, server_default=text("0")),
    Column("used_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_signin_codes_member", signin_codes.c.member_id, signin_codes.c.id)
Index("ix_signin_codes_ticket", signin_codes.c.ticket_hash)
# the codes that still hold a seed (ten minutes' worth): what the worker's every round and
# each request for a code look through for expired ones, not every code ever sent
Index(
    "ix_signin_codes_seeded",
    signin_codes.c.expires_at,
    postgresql_where=signin_codes.c.seed.is_not(None),
    sqlite_where=signin_codes.c.seed.is_not(None),
)

# --- every door: attempts counted where all server processes see them ------------------

door_attempts = Table(
    "door_attempts",
    metadata,  # one row per code asked for or sign-in failed; rows older than a day go
    Column("id", Id, primary_key=True),
    Column("door", String(16), nullable=False),  # portal_code, console_failure
    Column("scope", String(16), nullable=False),  # contact, address, member, user, all
    Column("subject", String(64), nullable=False),  # keyed hash of the contact, address...
    Column("at", UTCDateTime, nullable=False),
)
Index(
    "ix_door_attempts_subject",
    door_attempts.c.door,
    door_attempts.c.scope,
    door_attempts.c.subject,
    door_attempts.c.at,
)
Index("ix_door_attempts_at", door_attempts.c.at)  # the day-old ones, deleted every round

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_web_sessions_member", web_sessions.c.member_id)

member_devices = Table(
    "member_devices",
    metadata,  # the browsers (and apps) a member joined or signed in from: keyed hashes only
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    Column("device_hash", String(64), primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)
# who else came from this device: a referral from the referrer's own browser, a device
# that many friends joined from (the referral report)
Index("ix_member_devices_device", member_devices.c.program_id, member_devices.c.device_hash)

# --- the operator console ----------------------------------------------------------

operators = Table(
    "operators",
    metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),  # admin, operator, analyst, cashier
    Column("password_hash", String(255), nullable=False),  # argon2id
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("signed_in_at", UTCDateTime),
    UniqueConstraint("username", name="uq_operators_username"),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator_id", Id, ForeignKey("operators.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_console_sessions_operator", console_sessions.c.operator_id)
