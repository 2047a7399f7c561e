"""The bench's profile summary: each sample goes to the innermost frame of a known area."""

from __future__ import annotations

from bench.profile import OTHER, area_of, by_area, shares

ENCODE = "encode (jifen/services/idempotency.py:90)"
DUMPS = "dumps (json/__init__.py:231)"
EXECUTE = "DefaultDialect.do_execute (sqlalchemy/engine/default.py:951)"
COMPILE = "Compiled.construct_params (sqlalchemy/sql/compiler.py:1800)"
ROUTE = "run_endpoint_function (fastapi/routing.py:212)"
RULES = "Engine.award (jifen/domain/earning/engine.py:120)"


def test_a_sample_is_the_innermost_known_frames() -> None:
    assert area_of([ROUTE, ENCODE, DUMPS]).startswith("idempotency")
    assert area_of([ROUTE, RULES, COMPILE, EXECUTE]).startswith("the driver")
    assert area_of([ROUTE, RULES, COMPILE]).startswith("SQLAlchemy")
    assert area_of([ROUTE, RULES, DUMPS]).startswith("deciding")
    assert area_of([ROUTE]).startswith("HTTP")
    assert area_of([ROUTE, "validate_python (pydantic/type_adapter.py:1)"]).startswith("pydantic")
    assert area_of(["<module> (threading.py:1)", DUMPS]) == OTHER


def test_collapsed_stacks_are_summed_by_area_and_shown_as_shares() -> None:
    lines = [
        f"{ROUTE};{ENCODE};{DUMPS} 30",
        f"{ROUTE};{RULES} 50",
        f"{ROUTE};{RULES};{COMPILE} 20",
        "not a stack line",
    ]
    areas = by_area(lines)
    assert sum(areas.values()) == 100
    text = shares(areas)
    assert text.startswith("deciding: rules, award, tiers, ledger postings (jifen.domain) 50%")
    assert "idempotency: the fingerprint and the stored response 30%" in text
    assert text.endswith("(100 samples)")
    assert shares(by_area([])) == "no samples"
