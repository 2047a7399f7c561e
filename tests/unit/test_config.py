"""Settings come from JIFEN_* variables and refuse unsafe secrets outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jifen.config import Settings


def test_unset_database_url_means_a_local_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JIFEN_DATABASE_URL", raising=False)
    assert Settings().database_url == "sqlite:///jifen.db"


def test_settings_read_jifen_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIFEN_DATABASE_URL", "postgresql://db/jifen")
    monkeypatch.setenv("JIFEN_PORT", "9001")
    settings = Settings()
    assert (settings.database_url, settings.port) == ("postgresql://db/jifen", 9001)


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIFEN_ENVIRONMENT", "production")
    monkeypatch.delenv("JIFEN_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="JIFEN_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("JIFEN_SECRET_KEY", "short")
    with pytest.raises(ValidationError, match="JIFEN_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("JIFEN_SECRET_KEY", "x" * 40)
    assert Settings().environment == "production"
