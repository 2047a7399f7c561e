"""The ``jifen`` command line, run as subprocesses against real databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from jifen.adapters.db.ledger.chain import read_chains
from jifen.adapters.db.tables import entries
from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.domain.errors import JifenError
from jifen.domain.ledger.chain import entry_hash
from jifen.services import access

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PROGRAM_FILE = ROOT / "programs" / "fresh-market.yaml"
CLI = [sys.executable, "-m", "jifen.entrypoints.cli.main"]
CHECKS = (
    "lot_remaining",
    "member_balance",
    "member_lots",
    "member_held",
    "hold_draws",
    "lot_expiry",
    "reversal_total",
    "reversal_kind",
    "entry_shape",
    "lot_expiry_beyond_policy",
    "negative_balance_not_allowed",
    "entry_hash",
    "chain_head",
)


def jifen(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    env["JIFEN_ENVIRONMENT"] = "test"
    env["JIFEN_DATABASE_URL"] = url
    return subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def verify(url: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    done = jifen(url, cwd, "verify")
    return done.returncode, json.loads(done.stdout)


def problems(**found: int) -> dict[str, int]:
    return {check: found.get(check, 0) for check in CHECKS}


def execute(url: str, sql: str) -> int:
    jf = bootstrap(Settings(database_url=url))
    try:
        with jf.engine.begin() as conn:
            return conn.execute(text(sql)).rowcount
    finally:
        jf.close()


def scalar(url: str, sql: str) -> int:
    jf = bootstrap(Settings(database_url=url))
    try:
        with jf.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        jf.close()


@pytest.fixture(scope="module")
def initialised(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, Path, subprocess.CompletedProcess[str]]:
    """A SQLite file created from nothing by ``jifen init --program``."""
    workdir = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{workdir / 'jifen.db'}"
    return url, workdir, jifen(url, workdir, "init", "--program", str(PROGRAM_FILE))


def test_init_creates_the_database_and_registers_the_programme(
    initialised: tuple[str, Path, subprocess.CompletedProcess[str]],
) -> None:
    url, _, done = initialised
    assert done.returncode == 0, done.stderr
    assert "programme fresh-market registered, version 1 current" in done.stderr
    assert scalar(url, "SELECT COUNT(*) FROM programs WHERE code = 'fresh-market'") == 1


def test_verify_passes_on_a_freshly_initialised_database(
    initialised: tuple[str, Path, subprocess.CompletedProcess[str]],
) -> None:
    url, workdir, _ = initialised
    code, report = verify(url, workdir)
    assert (code, report["ok"]) == (0, True)
    assert report["problems"] == problems()
    assert report["counts"]["programs"] == 1


def test_apikey_create_prints_a_key_once_and_refuses_unknown_scopes(
    initialised: tuple[str, Path, subprocess.CompletedProcess[str]],
) -> None:
    url, workdir, _ = initialised
    before = scalar(url, "SELECT COUNT(*) FROM api_keys")
    bad = jifen(url, workdir, "apikey", "create", "--scope", "nope")
    assert bad.returncode != 0
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1, bad.stderr
    assert lines[0].startswith("error: invalid_input: scopes must be among"), lines
    assert "members:read" in lines[0]
    assert bad.stdout == ""
    assert scalar(url, "SELECT COUNT(*) FROM api_keys") == before

    good = jifen(
        url, workdir, "apikey", "create", "--scope", "ledger:read", "--scope", "members:read"
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("jf_") and len(good.stdout.strip().splitlines()) == 1
    assert scalar(url, "SELECT COUNT(*) FROM api_keys") == before + 1


def test_apikey_list_rotate_and_revoke(
    initialised: tuple[str, Path, subprocess.CompletedProcess[str]],
) -> None:
    url, workdir, _ = initialised
    made = jifen(url, workdir, "apikey", "create", "--scope", "ledger:read", "--name", "till-9")
    assert made.returncode == 0, made.stderr
    listed = [
        json.loads(line) for line in jifen(url, workdir, "apikey", "list").stdout.splitlines()
    ]
    mine = next(k for k in listed if k["name"] == "till-9")
    assert mine["active"] and made.stdout.strip() not in json.dumps(listed)

    rotated = jifen(url, workdir, "apikey", "rotate", str(mine["id"]))
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.startswith("jf_") and rotated.stdout != made.stdout
    again = jifen(url, workdir, "apikey", "rotate", str(mine["id"]))
    assert (again.returncode, again.stderr.split(":")[:2]) == (4, ["error", " apikey_revoked"])

    listed = [
        json.loads(line) for line in jifen(url, workdir, "apikey", "list").stdout.splitlines()
    ]
    new = next(k for k in listed if k["id"] == mine["id"])["replaced_by"]
    revoked = jifen(url, workdir, "apikey", "revoke", str(new))
    assert revoked.returncode == 0 and json.loads(revoked.stdout)["active"] is False
    missing = jifen(url, workdir, "apikey", "revoke", "999999")
    assert (missing.returncode, missing.stderr.split(":")[1]) == (3, " apikey_not_found")


def test_operator_unlock_lets_a_locked_account_sign_in_again(
    initialised: tuple[str, Path, subprocess.CompletedProcess[str]],
) -> None:
    url, workdir, _ = initialised
    env_done = subprocess.run(
        [*CLI, "operator", "create", "dora", "--role", "cashier", "--password-stdin"],
        input="correct horse battery\n",
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")},
            "JIFEN_ENVIRONMENT": "test",
            "JIFEN_DATABASE_URL": url,
        },
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert env_done.returncode == 0, env_done.stderr
    jf = bootstrap(Settings(database_url=url))
    try:
        for _ in range(5):
            with pytest.raises(JifenError):
                access.sign_in(
                    jf.uow(), jf.clock, jf.passwords, "dora", "wrong one!", jf.settings.secret_key
                )
        with pytest.raises(JifenError, match="sign_in_locked"):
            access.sign_in(
                jf.uow(),
                jf.clock,
                jf.passwords,
                "dora",
                "correct horse battery",
                jf.settings.secret_key,
            )

        done = jifen(url, workdir, "operators", "unlock", "dora")
        assert done.returncode == 0, done.stderr
        assert "5 failed sign-ins forgotten" in done.stdout
        access.sign_in(
            jf.uow(),
            jf.clock,
            jf.passwords,
            "dora",
            "correct horse battery",
            jf.settings.secret_key,
        )
    finally:
        jf.close()
    unknown = jifen(url, workdir, "operator", "unlock", "nobody")
    assert unknown.returncode == 3


@pytest.mark.parametrize(
    ("find", "replace", "field", "says"),
    [
        ("Asia/Shanghai", "Asia/Shangai", "program.timezone", "unknown timezone 'Asia/Shangai'"),
        ('"0.01"', "0.01", "program.point_value", "quoted decimal"),
        ("hold_ttl_minutes: 15", "hold_ttl_minutes: fifteen", "ledger.hold_ttl_minutes", ""),
    ],
    ids=["bad-timezone", "float-point-value", "word-for-number"],
)
def test_init_with_a_broken_programme_file_fails_with_one_line_naming_file_line_and_field(
    tmp_path: Path, find: str, replace: str, field: str, says: str
) -> None:
    good = PROGRAM_FILE.read_text(encoding="utf-8")
    assert find in good
    line = next(n for n, text in enumerate(good.splitlines(), 1) if find in text)
    broken = tmp_path / "broken.yaml"
    broken.write_text(good.replace(find, replace), encoding="utf-8")
    db = tmp_path / "jifen.db"

    done = jifen(f"sqlite:///{db}", tmp_path, "init", "--program", str(broken))

    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: program_file_invalid: {broken}:{line}: {field}: "), lines
    assert says in lines[0]
    assert not db.exists(), "a broken programme file must not create the database"


def test_verify_catches_balances_and_lots_tampered_with_in_the_database(
    database_url: str, tmp_path: Path
) -> None:
    seeded = jifen(
        database_url,
        tmp_path,
        "demo",
        "--no-serve",
        "--members",
        "5",
        "--program",
        str(PROGRAM_FILE),
    )
    assert seeded.returncode == 0, seeded.stderr
    code, report = verify(database_url, tmp_path)
    assert (code, report["ok"], report["problems"]) == (0, True, problems())
    assert report["counts"]["members"] == 5

    assert execute(database_url, "UPDATE members SET available = available + 5") == 5
    code, report = verify(database_url, tmp_path)
    assert (code, report["ok"]) == (1, False)
    assert report["problems"] == problems(member_balance=5, member_lots=5)
    assert {e["check"] for e in report["examples"]} == {"member_balance", "member_lots"}

    execute(database_url, "UPDATE members SET available = available - 5")
    # the schema's CHECK refuses a negative remainder, so only lots with points are touched
    live = "FROM lots WHERE remaining > 0"
    lot_count = scalar(database_url, f"SELECT COUNT(*) {live}")
    lot_members = scalar(database_url, f"SELECT COUNT(DISTINCT member_id) {live}")
    assert lot_count > lot_members > 0
    assert (
        execute(database_url, "UPDATE lots SET remaining = remaining - 1 WHERE remaining > 0")
        == lot_count
    )
    code, report = verify(database_url, tmp_path)
    assert (code, report["ok"]) == (1, False)
    assert report["problems"] == problems(lot_remaining=lot_count, member_lots=lot_members)


def test_verify_writes_an_anchor_and_checks_the_chains_extend_it(
    database_url: str, tmp_path: Path
) -> None:
    seeded = jifen(
        database_url, tmp_path, "demo", "--no-serve", "--members", "3",
        "--program", str(PROGRAM_FILE),
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    anchor = tmp_path / "heads.json"
    wrote = jifen(database_url, tmp_path, "verify", "--anchor", str(anchor))
    assert wrote.returncode == 0, wrote.stderr
    assert json.loads(anchor.read_text())["format"] == "jifen.anchor.v1"
    again = jifen(database_url, tmp_path, "verify", "--against", str(anchor))
    assert again.returncode == 0 and json.loads(again.stdout)["problems"]["anchor"] == 0

    rewrite_a_history_consistently(database_url)
    assert verify(database_url, tmp_path)[0] == 0  # the database alone cannot tell
    caught = jifen(database_url, tmp_path, "verify", "--against", str(anchor))
    assert caught.returncode == 1
    assert json.loads(caught.stdout)["problems"]["anchor"] == 1


def rewrite_a_history_consistently(url: str) -> None:
    """An early credit raised by 100 with its lot and the balance, every hash recomputed."""
    jf = bootstrap(Settings(database_url=url))
    try:
        with jf.engine.begin() as conn:
            entry, member = conn.execute(
                text(
                    "SELECT e.id, e.member_id FROM entries e JOIN lots l ON l.entry_id = e.id"
                    " WHERE e.kind = 'earn' AND NOT l.pending AND e.delta_pending = 0"
                    " GROUP BY e.id, e.member_id HAVING COUNT(*) = 1 ORDER BY e.id LIMIT 1"
                )
            ).one()
            for sql in (
                "UPDATE entries SET amount = amount + 100,"
                " delta_available = delta_available + 100 WHERE id = :e",
                "UPDATE lots SET amount = amount + 100, remaining = remaining + 100"
                " WHERE entry_id = :e",
                "UPDATE members SET available = available + 100 WHERE id = :m",
            ):
                conn.execute(text(sql), {"e": entry, "m": member})
            prev = None
            for stored in list(read_chains(conn, entries.c.member_id == member)):
                digest = entry_hash(prev, stored.content)
                conn.execute(
                    text("UPDATE entries SET prev_hash = :p, hash = :h WHERE id = :i"),
                    {"p": prev, "h": digest, "i": stored.id},
                )
                prev = digest
            conn.execute(
                text("UPDATE members SET chain_head = :h WHERE id = :m"), {"h": prev, "m": member}
            )
    finally:
        jf.close()


@pytest.mark.parametrize("content", [None, "{not json", '{"format": "jifen.anchor.v1"}'])
def test_verify_against_an_unreadable_anchor_says_so_in_one_line(
    initialised: tuple[str, Path, subprocess.CompletedProcess[str]], content: str | None
) -> None:
    url, workdir, _ = initialised
    anchor = workdir / "bad-anchor.json"
    anchor.unlink(missing_ok=True)
    if content is not None:
        anchor.write_text(content)
    done = jifen(url, workdir, "verify", "--against", str(anchor))
    assert done.returncode == 2
    assert done.stderr.startswith("error: anchor_unreadable: ")
    assert done.stderr.count("\n") == 1 and done.stdout == ""
