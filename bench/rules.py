"""Benchmark sections for rule evaluation: conditions, and whole programmes per order."""

from __future__ import annotations

import functools
import statistics
from typing import Any

from bench import conditions, evaluation
from bench.harness import repeat

TARGET_SPEEDUP = 100
TARGET_ORDER_US = 50.0


def _hand_written(activation: dict[str, Any]) -> bool:
    """The three-clause condition as a person would write it in Python: the ceiling."""
    order, member = activation["order"], activation["member"]
    return (
        order["total"] >= 200.0
        and member["tier"] in ("gold", "silver")
        and any("new" in line["tags"] for line in order["lines"])
    )


def conditions_section(runs: int) -> list[str]:
    report = conditions.measure(runs)
    call = functools.partial(_hand_written, conditions.ACTIVATION)
    assert call()
    floor = statistics.median(repeat(runs, conditions._timer(call)))
    lines = [
        "## Rule conditions",
        "",
        "Microseconds per evaluation of the same condition on the same variables, median of "
        f"{runs} runs (min-max). The reference is cel-python's CompiledRunner (target: jifen at "
        f"least {TARGET_SPEEDUP}x faster); the ceiling is the first condition written by hand "
        f"as a Python function: {floor:.2f} µs in this run.",
        "",
        "| condition | jifen µs | cel-python CompiledRunner µs | interpreter µs "
        "| speed-up vs CompiledRunner | target met |",
        "|---|---|---|---|---|---|",
    ]
    for c in report["conditions"]:
        ours, theirs, interp = c["jifen"], c["cel_python_compiled"], c["cel_python_interpreted"]
        lines.append(
            f"| {c['name']} | {ours['median']:.2f} ({ours['min']:.2f}-{ours['max']:.2f}) "
            f"| {theirs['median']:.0f} ({theirs['min']:.0f}-{theirs['max']:.0f}) "
            f"| {interp['median']:.0f} | {c['speedup_vs_compiled']:.0f}x "
            f"| {'yes' if c['speedup_vs_compiled'] >= TARGET_SPEEDUP else 'NO'} |"
        )
    first = report["conditions"][0]["jifen"]["median"]
    lines += [
        "",
        f"The three-clause condition costs {first / floor:.1f}x the hand-written "
        "function (the ceiling).",
        "",
    ]
    return lines


def programme_section(runs: int) -> list[str]:
    lines = [
        "## A programme evaluated per order",
        "",
        "Microseconds to evaluate every rule of a programme for one five-line order "
        f"(median of {runs} runs of 20,000, min-max), in process. Ceiling: building the "
        "order's variables and calling every compiled condition once, the least any "
        f"evaluator does. Target: under {TARGET_ORDER_US:.0f} µs for 20 rules.",
        "",
        "| programme | rules | µs per order | ceiling µs | ratio to ceiling | target met |",
        "|---|---|---|---|---|---|",
    ]
    for name, earning in evaluation.programmes().items():
        ours, floor = evaluation.per_order_us(earning, runs)
        median, ceiling = statistics.median(ours), statistics.median(floor)
        lines.append(
            f"| {name} | {len(earning.rules)} | {median:.1f} ({min(ours):.1f}-{max(ours):.1f}) "
            f"| {ceiling:.1f} | {median / ceiling:.1f}x "
            f"| {'yes' if median < TARGET_ORDER_US else 'NO'} |"
        )
    return [*lines, ""]
