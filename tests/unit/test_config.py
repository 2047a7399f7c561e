"""Settings come from JIFEN_* variables and refuse unsafe secrets outside development and tests."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from jifen.bootstrap import bootstrap
from jifen.config import DEV_SECRET, DEV_SECRET_ALLOWED, Settings

ENVIRONMENTS = get_args(Settings.model_fields["environment"].annotation)
PRODUCTION_LIKE = [e for e in ENVIRONMENTS if e not in DEV_SECRET_ALLOWED]


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
    monkeypatch.setenv("JIFEN_SECURE_COOKIES", "true")
    assert Settings().environment == "production"


def test_every_environment_but_development_and_test_is_production_like() -> None:
    assert set(ENVIRONMENTS) == {"development", "test", "production"}
    assert PRODUCTION_LIKE == ["production"]


@pytest.mark.parametrize("environment", sorted(DEV_SECRET_ALLOWED))
def test_development_and_test_runs_may_use_the_development_secret(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("JIFEN_ENVIRONMENT", environment)
    monkeypatch.delenv("JIFEN_SECRET_KEY", raising=False)
    assert Settings().secret_key == DEV_SECRET
    monkeypatch.setenv("JIFEN_SECRET_KEY", "short")
    assert Settings().environment == environment


def test_an_unset_environment_is_production_and_refuses_the_development_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JIFEN_ENVIRONMENT", raising=False)
    monkeypatch.delenv("JIFEN_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="JIFEN_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("JIFEN_SECRET_KEY", "x" * 32)
    monkeypatch.setenv("JIFEN_SECURE_COOKIES", "true")
    assert Settings().environment == "production"


def test_an_unknown_environment_is_refused_rather_than_taken_for_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JIFEN_ENVIRONMENT", "prod")
    monkeypatch.setenv("JIFEN_SECRET_KEY", "k" * 40)
    with pytest.raises(ValidationError, match="environment"):
        Settings()


@pytest.mark.parametrize("environment", PRODUCTION_LIKE)
@pytest.mark.parametrize("secret", [None, "short", "x" * 31])
def test_a_production_like_environment_refuses_the_development_secret_and_short_keys(
    monkeypatch: pytest.MonkeyPatch, environment: str, secret: str | None
) -> None:
    monkeypatch.setenv("JIFEN_ENVIRONMENT", environment)
    if secret is None:
        monkeypatch.delenv("JIFEN_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("JIFEN_SECRET_KEY", secret)
    with pytest.raises(ValidationError, match=f"JIFEN_SECRET_KEY .* {environment!r}"):
        Settings()


@pytest.mark.parametrize("environment", PRODUCTION_LIKE)
def test_a_production_like_environment_accepts_a_key_of_32_characters_or_more(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("JIFEN_ENVIRONMENT", environment)
    monkeypatch.setenv("JIFEN_SECURE_COOKIES", "true")
    for key in ("k" * 32, "a-random-value-from-the-secret-store-0123456789"):
        monkeypatch.setenv("JIFEN_SECRET_KEY", key)
        settings = Settings()
        assert (settings.environment, settings.secret_key) == (environment, key)


def production(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    monkeypatch.setenv("JIFEN_ENVIRONMENT", "production")
    monkeypatch.setenv("JIFEN_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("JIFEN_SECURE_COOKIES", "true")
    monkeypatch.delenv("JIFEN_DEMO", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"JIFEN_{name.upper()}", value)


@pytest.mark.parametrize(
    ("unsafe", "named"),
    [
        ({"demo": "true"}, "JIFEN_DEMO"),
        ({"secure_cookies": "false"}, "JIFEN_SECURE_COOKIES"),
        ({"secret_key": DEV_SECRET}, "JIFEN_SECRET_KEY"),
    ],
)
def test_production_refuses_the_demo_mailbox_insecure_cookies_and_the_default_secret(
    monkeypatch: pytest.MonkeyPatch, unsafe: dict[str, str], named: str
) -> None:
    production(monkeypatch, **unsafe)
    with pytest.raises(ValidationError, match=named):
        Settings()


def test_production_with_safe_settings_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch)
    settings = Settings()
    assert (settings.demo, settings.secure_cookies) == (False, True)


@pytest.mark.parametrize("environment", sorted(DEV_SECRET_ALLOWED))
def test_a_demo_on_a_developer_machine_may_use_plain_cookies(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("JIFEN_ENVIRONMENT", environment)
    monkeypatch.setenv("JIFEN_DEMO", "true")
    monkeypatch.setenv("JIFEN_SECURE_COOKIES", "false")
    assert Settings().demo


def test_a_refused_start_is_one_readable_line(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, demo="true", secure_cookies="false")
    with pytest.raises(SystemExit) as refused:
        bootstrap()
    line = str(refused.value.code)
    assert "\n" not in line
    assert line.startswith("jifen: refusing to start: JIFEN_ENVIRONMENT is 'production'")
    assert "JIFEN_DEMO" in line and "JIFEN_SECURE_COOKIES" in line
