"""Reading balance files (CSV, JSON Lines) and checking each record, without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jifen.adapters.balancefiles import BalanceFile
from jifen.adapters.importfiles import RejectsFile
from jifen.adapters.orderfiles import OrderFile
from jifen.domain.errors import InvalidInput
from jifen.services.imports.balance_records import opening_from
from jifen.services.imports.commands import OpenBalance
from jifen.services.imports.order_records import ERROR
from jifen.services.imports.rows import Rejected

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # noon in Shanghai


def test_a_record_becomes_an_opening_balance_with_dates_read_in_the_programme_timezone() -> None:
    record = {
        "member": "C-1",
        "points": 1200,
        "expires_at": "2026-12-31",
        "earned_at": "2025-06-15",
        "reference": "legacy-2025",
    }
    assert opening_from(record, SHANGHAI, NOW) == OpenBalance(
        member="C-1",
        points=1200,
        reference="legacy-2025",
        expires_at=datetime.fromisoformat("2027-01-01T00:00:00+08:00"),  # the end of 31 Dec
        earned_at=datetime.fromisoformat("2025-06-15T00:00:00+08:00"),
    )


def test_only_member_and_points_are_needed() -> None:
    assert opening_from({"member": "C-1", "points": 5}, SHANGHAI, NOW) == OpenBalance("C-1", 5)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"points": 0}, "points must be at least 1, not 0"),
        ({"points": -3}, "points must be at least 1, not -3"),
        ({"points": 2.0}, "points must be a whole number, not 2.0"),
        ({"points": "1.5"}, "points must be a whole number, not '1.5'"),
        ({"points": True}, "points must be a whole number"),
        ({"points": 10**9 + 1}, "points must be at most 1000000000"),
        ({"points": None}, "points is missing"),
        ({"member": None}, "member is missing"),
        ({"member": "C 1"}, "member must be 1-128 letters"),
        ({"member": 7}, "member must be text"),
        ({"expires_at": "31/12/2026"}, "expires_at must be an ISO 8601 date"),
        ({"expires_at": "2026-02-30"}, "expires_at must be an ISO 8601 date"),
        ({"earned_at": "2026-01-01T10:00:00"}, "earned_at must be an ISO 8601 date"),
        ({"earned_at": "2026-03-01T12:00:01+08:00"}, "is in the future"),
        ({"earned_at": "2026-01-01", "expires_at": "2025-12-31"}, "after earned_at"),
        ({"reference": "x" * 101}, "reference must be printable text of at most 100"),
        ({"reference": "a\nb"}, "reference must be printable text"),
        ({"colour": "red"}, "unknown field colour"),
        ({ERROR: "not JSON: oops"}, "not JSON: oops"),
    ],
)
def test_a_bad_record_is_refused_with_its_reason(change: dict[str, Any], reason: str) -> None:
    record = {k: v for k, v in ({"member": "C-1", "points": 5} | change).items() if v is not None}
    with pytest.raises(InvalidInput) as err:
        opening_from(record, SHANGHAI, NOW)
    assert reason in err.value.detail


def test_csv_rows_make_the_records_json_lines_would(tmp_path: Path) -> None:
    csv_path = tmp_path / "b.csv"
    csv_path.write_text(
        "\ufeffpoints,member,reference,expires_at\n"
        "1200,C-1,,2026-12-31\n"
        "\n"
        '-5,"C-2",x,\n'
        "1.5,C-3,,\n"
        "7,C-4\n",
        encoding="utf-8",
    )
    source = BalanceFile(csv_path)
    assert list(source.rows()) == [
        (2, {"points": 1200, "member": "C-1", "expires_at": "2026-12-31"}),
        (4, {"points": -5, "member": "C-2", "reference": "x"}),
        (5, {"points": "1.5", "member": "C-3"}),
        (6, {ERROR: "2 fields where the header has 4", "member": "C-4"}),
    ]
    assert source.position == source.size
    jsonl = tmp_path / "b.jsonl"
    jsonl.write_text('{"member": "C-1", "points": 1200}\n\n[1]\n', encoding="utf-8")
    assert list(BalanceFile(jsonl).rows()) == [
        (1, {"member": "C-1", "points": 1200}),
        (3, {ERROR: "a line must be a JSON object"}),
    ]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("b.xlsx", b"{}", "import_format_unknown"),
        ("missing.csv", None, "import_file_unreadable"),
        ("b.csv", b"member,balance\n", "import_csv_header"),
        ("b.csv", b"points\n5\n", "import_csv_header"),
        ("b.csv", "member,points\n张,1\n".encode("gbk"), "import_file_encoding"),
    ],
)
def test_an_unusable_file_is_one_clear_error(
    tmp_path: Path, name: str, content: bytes | None, code: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InvalidInput) as err:
        list(BalanceFile(path).rows())
    assert err.value.code == code and str(path) in err.value.detail


def test_a_file_keeps_one_checkpoint_per_kind_of_import(tmp_path: Path) -> None:
    path = tmp_path / "same.jsonl"
    path.write_text("{}\n", encoding="utf-8")
    assert BalanceFile(path).identity.fingerprint != OrderFile(path).identity.fingerprint
    assert BalanceFile(path).identity == BalanceFile(path).identity


def test_rejects_name_the_member(tmp_path: Path) -> None:
    path = tmp_path / "rejects.csv"
    sink = RejectsFile(path, subject="member")
    sink([Rejected(3, "C-1", "already_expired: gone")])
    sink.close()
    assert path.read_text(encoding="utf-8").splitlines() == [
        "line,member,reason",
        "3,C-1,already_expired: gone",
    ]
