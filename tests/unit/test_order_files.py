"""Reading order files (JSON Lines, CSV) and checking each record, without a database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from jifen.adapters.orderfiles import OrderFile, RejectsFile
from jifen.domain.errors import InvalidInput
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.imports.order_records import ERROR, command_from
from jifen.services.imports.rows import Rejected

GOOD: dict[str, Any] = {
    "order_id": "1042",
    "member": "C-1",
    "paid": "128.50",
    "placed_at": "2026-02-02T10:00:00+08:00",
    "lines": [{"sku": "eggs", "quantity": 2, "unit_price": "15.00", "tags": ["daily_special"]}],
}
HEADER = "order_id,member,placed_at,paid,channel,store,sku,quantity,unit_price,category,tags\n"


def test_a_record_becomes_the_command_the_api_would_build() -> None:
    assert command_from(GOOD | {"store": "S1"}) == PlaceOrder(
        order_id="1042",
        member="C-1",
        paid="128.50",
        lines=(LineIn("eggs", 2, "15.00", None, ("daily_special",), "0"),),
        placed_at=datetime.fromisoformat("2026-02-02T10:00:00+08:00"),
        store="S1",
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"member": None}, "member is missing"),
        ({"paid": 12.5}, 'paid must be a decimal string such as "12.50"'),
        ({"paid": "12,50"}, "paid must be a decimal string"),
        ({"placed_at": "2026-02-02T10:00:00"}, "placed_at must be an ISO 8601 time with an offset"),
        ({"placed_at": None}, "placed_at is missing"),
        ({"colour": "red"}, "unknown field colour"),
        ({"lines": [{"sku": "x", "quantity": "2", "unit_price": "1"}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "x", "quantity": True, "unit_price": "1"}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "x", "quantity": 1, "unit_price": "1", "tags": "a"}]}, "lines.0.tags"),
        ({"lines": [{"sku": "x", "quantity": 1}]}, "lines.0.unit_price is missing"),
        ({ERROR: "not JSON: oops"}, "not JSON: oops"),
    ],
)
def test_a_bad_record_is_refused_with_its_reason(change: dict[str, Any], reason: str) -> None:
    record = {k: v for k, v in (GOOD | change).items() if v is not None}
    with pytest.raises(InvalidInput) as err:
        command_from(record)
    assert reason in err.value.detail


def test_json_lines_are_numbered_as_in_the_file_and_blank_lines_skipped(tmp_path: Path) -> None:
    path = tmp_path / "o.ndjson"
    path.write_bytes(b'\xef\xbb\xbf{"order_id": "1"}\n\n{oops\n[1, 2]\n{"order_id": "5"}\n')
    source = OrderFile(path)
    rows = list(source.rows())
    assert [n for n, _ in rows] == [1, 3, 4, 5]
    assert rows[0][1] == {"order_id": "1"} and rows[3][1] == {"order_id": "5"}
    assert rows[1][1][ERROR].startswith("not JSON")
    assert rows[2][1] == {ERROR: "a line must be a JSON object"}
    assert source.position == source.size == path.stat().st_size


def test_consecutive_csv_rows_of_one_order_id_are_one_order(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(
        "\ufeff" + HEADER + "1,C-1,2026-02-02T10:00:00+08:00,40.00,,,eggs,2,15.00,dairy,a|b\n"
        '1,C-1,2026-02-02T10:00:00+08:00,40.00,,,"milk\nfresh",1,10.00,,\n'
        "\n"
        "2,C-2,2026-02-03T10:00:00+08:00,5.00,app,S1,,,,,\n",
        encoding="utf-8",
    )
    rows = list(OrderFile(path).rows())
    assert [n for n, _ in rows] == [2, 6]
    assert rows[0][1] == {
        "order_id": "1",
        "member": "C-1",
        "placed_at": "2026-02-02T10:00:00+08:00",
        "paid": "40.00",
        "lines": [
            {
                "sku": "eggs",
                "quantity": 2,
                "unit_price": "15.00",
                "category": "dairy",
                "tags": ["a", "b"],
            },
            {"sku": "milk\nfresh", "quantity": 1, "unit_price": "10.00"},
        ],
    }
    assert rows[1][1]["channel"] == "app" and rows[1][1]["lines"] == []
    assert command_from(rows[1][1]).channel == "app"


def test_csv_rows_that_disagree_or_miscount_are_marked(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(
        HEADER + "1,C-1,2026-02-02T10:00:00+08:00,40.00,,,eggs,2,15.00,,\n"
        "1,C-9,2026-02-02T10:00:00+08:00,40.00,,,milk,1,10.00,,\n"
        "2,C-1,2026-02-02T10:00:00+08:00,40.00,,,eggs,2\n",
        encoding="utf-8",
    )
    rows = list(OrderFile(path).rows())
    assert rows[0] == (
        2,
        {ERROR: "line 3: the rows of order 1 disagree on member", "order_id": "1"},
    )
    assert rows[1] == (4, {ERROR: "8 fields where the header has 11", "order_id": "2"})


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("o.txt", b"{}", "import_format_unknown"),
        ("missing.jsonl", None, "import_file_unreadable"),
        ("o.csv", b"order_id,member,paid,colour\n", "import_csv_header"),
        ("o.csv", HEADER.encode() + "1,张\n".encode("gbk"), "import_file_encoding"),
    ],
)
def test_an_unusable_file_is_one_clear_error(
    tmp_path: Path, name: str, content: bytes | None, code: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InvalidInput) as err:
        list(OrderFile(path).rows())
    assert err.value.code == code and str(path) in err.value.detail


def test_the_format_can_be_named_when_the_extension_does_not_tell(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text('{"order_id": "1"}\n', encoding="utf-8")
    assert list(OrderFile(path, "jsonl").rows()) == [(1, {"order_id": "1"})]


def test_the_fingerprint_follows_the_content_and_the_name(tmp_path: Path) -> None:
    a = tmp_path / "a.jsonl"
    a.write_text("{}\n", encoding="utf-8")
    first = OrderFile(a).identity
    assert OrderFile(a).identity == first
    b = tmp_path / "b.jsonl"
    b.write_text("{}\n", encoding="utf-8")
    assert OrderFile(b).identity.fingerprint != first.fingerprint
    a.write_text("[]\n", encoding="utf-8")
    assert OrderFile(a).identity.fingerprint != first.fingerprint


def test_rejects_are_csv_and_a_resumed_run_appends(tmp_path: Path) -> None:
    path = tmp_path / "rejects.csv"
    first = RejectsFile(path)
    first([Rejected(3, "X3", "invalid_input: paid, bad"), Rejected(7, None, "row_unreadable")])
    first.close()
    again = RejectsFile(path, append=True)
    again([Rejected(9, "X9", "member_not_found")])
    again.close()
    assert path.read_text(encoding="utf-8").splitlines() == [
        "line,order_id,reason",
        '3,X3,"invalid_input: paid, bad"',
        "7,,row_unreadable",
        "9,X9,member_not_found",
    ]
