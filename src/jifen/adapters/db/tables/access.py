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
)

# --- the member portal -------------------------------------------------------------

signin_codes = Table(
    "signin_codes",
    metadata,  # one-time codes for the portal: only their keyed hash is kept
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("tries", Integer, nullable=False, server_default=text("0")),
    Column("used_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_signin_codes_member", signin_codes.c.member_id, signin_codes.c.id)

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
