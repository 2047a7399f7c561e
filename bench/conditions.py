"""Rule conditions: jifen's compiled CEL beside cel-python, per evaluation.

Each condition is evaluated on the same activation by ``compile_condition``'s
result and by cel-python's CompiledRunner and InterpretedRunner. cel-python
gets the activation already converted to its types (``celpy.json_to_cel``),
which it needs and jifen does not, so the conversion is left out of its
time; every call goes through ``functools.partial`` for both.

``python -m bench.conditions`` prints the table.
"""

from __future__ import annotations

import functools
import logging
import statistics
import time
from collections.abc import Callable
from typing import Any

import celpy
from celpy.adapter import json_to_cel
from celpy.celparser import CELParser

from bench.harness import repeat
from jifen.adapters.cel import compile_condition

CONDITIONS = {
    "three clauses": 'order.total >= 200.0 && member.tier in ["gold", "silver"]'
    ' && order.lines.exists(l, "new" in l.tags)',
    "morning weekday, city": 'has(member.attributes.city) && member.attributes.city == "上海"'
    " && now.weekday in [1, 2, 3, 4, 5] && now.hour < 10"
    " && (member.days_since_last_order >= 30 || size(member.tags) == 0)",
    "line arithmetic": "order.lines.filter(l, l.qty >= 2).size() > 0"
    " && order.lines.map(l, l.price * double(l.qty)).exists(p, p >= 20.0)"
    ' && order.channel.startsWith("app") && order.coupon == null',
}

ACTIVATION: dict[str, Any] = {
    "order": {
        "total": 250.0,
        "channel": "app",
        "coupon": None,
        "lines": [
            {"sku": "B2", "qty": 1, "price": 3.0, "tags": ["daily_special"]},
            {"sku": "A1", "qty": 2, "price": 12.5, "tags": ["gift", "new"]},
        ],
    },
    "member": {
        "tier": "silver",
        "days_since_last_order": 45,
        "tags": ["staff"],
        "attributes": {"city": "上海"},
    },
    "activity": {"id": "spring", "multiplier": 2},
    "now": {"weekday": 3, "hour": 9},
}

BUDGET = 0.1  # seconds of calls per measurement


def measure(repeats: int = 5) -> dict[str, Any]:
    """Microseconds per evaluation (median, min, max of ``repeats`` runs) and speed-ups."""
    logging.getLogger("celpy").setLevel(logging.WARNING)
    cel_activation = {name: json_to_cel(value) for name, value in ACTIVATION.items()}
    results = []
    for name, text in CONDITIONS.items():
        ours = functools.partial(compile_condition(text), ACTIVATION)
        compiled, interpreted = _cel_python(text)
        calls: dict[str, Callable[[], object]] = {
            "jifen": ours,
            "cel_python_compiled": functools.partial(compiled.evaluate, cel_activation),
            "cel_python_interpreted": functools.partial(interpreted.evaluate, cel_activation),
        }
        answers = {who: bool(call()) for who, call in calls.items()}
        assert set(answers.values()) == {True}, (name, answers)
        timings = {who: _summary(repeat(repeats, _timer(call))) for who, call in calls.items()}
        ours_median = timings["jifen"]["median"]
        results.append(
            {
                "name": name,
                "source": text,
                **timings,
                "speedup_vs_compiled": timings["cel_python_compiled"]["median"] / ours_median,
                "speedup_vs_interpreted": timings["cel_python_interpreted"]["median"] / ours_median,
            }
        )
    return {"unit": "µs per evaluation", "repeats": repeats, "conditions": results}


def _cel_python(text: str) -> tuple[celpy.Runner, celpy.Runner]:
    """cel-python's two runners; its parser is a process singleton, built per tree class."""
    CELParser.CEL_PARSER = None
    compiled_env = celpy.Environment(runner_class=celpy.CompiledRunner)
    compiled = compiled_env.program(compiled_env.compile(text))
    interpreted_env = celpy.Environment()  # its TranspilerTree nodes suit the interpreter too
    return compiled, interpreted_env.program(interpreted_env.compile(text))


def _timer(call: Callable[[], object]) -> Callable[[int], float]:
    count = 1
    while True:
        elapsed = _run(call, count)
        if elapsed >= BUDGET / 10:
            break
        count *= 10
    count = max(1, int(count * BUDGET / elapsed))
    return lambda _run_number: _run(call, count) / count * 1e6


def _run(call: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        call()
    return time.perf_counter() - start


def _summary(runs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs)}


def main() -> None:
    report = measure()
    print(f"{report['unit']}, median (min-max) of {report['repeats']} runs")
    for c in report["conditions"]:
        print(f"\n{c['name']}: {c['source']}")
        for who in ("jifen", "cel_python_compiled", "cel_python_interpreted"):
            t = c[who]
            print(f"  {who:24} {t['median']:10.2f} ({t['min']:.2f}-{t['max']:.2f})")
        print(
            f"  speed-up: {c['speedup_vs_compiled']:.0f}x vs CompiledRunner, "
            f"{c['speedup_vs_interpreted']:.0f}x vs InterpretedRunner"
        )


if __name__ == "__main__":
    main()
