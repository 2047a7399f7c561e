"""Settings, from ``JIFEN_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused outside dev and test
#: where the development secret (or a short key) may run: a developer's machine, a test run
DEV_SECRET_ALLOWED = frozenset({"development", "test"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIFEN_", env_file=".env", extra="ignore")

    #: unset means production: the development secret is for runs that say they are one
    environment: Literal["development", "test", "production"] = "production"
    #: unset means a local SQLite file next to where jifen runs
    database_url: str = "sqlite:///jifen.db"
    secret_key: str = DEV_SECRET
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    threads: int = Field(4, ge=1, le=256)  # endpoint threads per worker (ADR 0009)
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    db_pool_size: int = Field(10, ge=1, le=200)
    #: seconds to wait for PostgreSQL to accept a connection; then the answer is a 503
    db_connect_timeout: int = Field(5, ge=1, le=300)
    #: the worker runs each programme's nightly pipeline from this local time
    worker_run_at: time = time(2, 0)
    worker_poll_seconds: float = Field(5.0, gt=0, le=3600)
    outbox_batch: int = Field(500, ge=1, le=50_000)
    pipeline_chunk: int = Field(5000, ge=1, le=1_000_000)  # members per transaction
    #: member id ranges the nightly pipeline walks side by side (PostgreSQL; SQLite: 1)
    pipeline_lanes: int = Field(2, ge=1, le=32)
    #: where the worker writes an anchor of the ledger's chain heads after each night
    #: (a directory an operator keeps outside the database; unset: none written)
    anchor_dir: Path | None = None
    #: the programme the member portal serves (default: the only one)
    portal_program: str | None = None
    #: the demo's conveniences, such as the developer mailbox at /dev/mailbox
    demo: bool = False
    #: send cookies only over HTTPS (set it behind TLS)
    secure_cookies: bool = False
    #: portal sign-in codes a programme sends per hour at most, whoever asks (ADR 0015)
    signin_codes_per_hour: int = Field(1000, ge=1, le=1_000_000)
    #: codes asked for per hour from one client address
    signin_codes_per_address: int = Field(20, ge=1, le=100_000)
    #: every portal sign-in answer takes at least this long, member or not (ADR 0015)
    signin_floor_ms: int = Field(400, ge=0, le=10_000)
    #: how far ahead of this server a till's clock may run: a later placed_at/occurred_at
    #: is refused (date_in_future)
    clock_skew_seconds: int = Field(300, ge=0, le=86_400)

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> Settings:
        if self.environment not in DEV_SECRET_ALLOWED and (
            self.secret_key == DEV_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "JIFEN_SECRET_KEY must be set to a random value of at least 32 characters "
                f"when JIFEN_ENVIRONMENT is {self.environment!r} (the development secret "
                "and short keys are for development and test runs only)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_demo_doors_in_production(self) -> Settings:
        """Production runs without the demo's mailbox and only with cookies kept to HTTPS."""
        if self.environment != "production":
            return self
        unsafe = [
            text
            for on, text in (
                (self.demo, "JIFEN_DEMO is on (its mailbox shows members' sign-in codes)"),
                (not self.secure_cookies, "JIFEN_SECURE_COOKIES is off (cookies over plain HTTP)"),
            )
            if on
        ]
        if unsafe:
            raise ValueError(
                "JIFEN_ENVIRONMENT is 'production' but " + " and ".join(unsafe) + ": refusing "
                "to start (set JIFEN_ENVIRONMENT=development for a demo on this machine)"
            )
        return self


def refusal(exc: Exception) -> str:
    """One readable line for settings that cannot start: the first problem's message."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        for error in errors():
            message = str(error.get("msg", "")).removeprefix("Value error, ")
            where = ".".join(str(p) for p in error.get("loc", ()))
            return f"jifen: refusing to start: {message}" + (f" ({where})" if where else "")
    return f"jifen: refusing to start: {exc}"
