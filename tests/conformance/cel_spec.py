"""The CEL specification's conformance cases, run through ``compile_condition``.

``python -m tests.conformance.cel_spec`` prints the figures and rewrites
their section of ``docs/cel.md``; ``test_cel_spec.py`` asserts the targets.
The cases are the eight files of ``cel-spec/`` (see its README); each one's
``expr`` is compiled with its bindings as the variables and evaluated, and
its value compared with the expected one, of the same CEL type (``1`` is
not ``1u`` nor ``1.0``). A case that needs a ``container`` or a message type
is counted apart: rule conditions read plain data, not protobuf messages.
"""

from __future__ import annotations

import math
import re
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jifen.adapters.cel import CelEvalError, UnsupportedExpression, compile_condition, compiler
from jifen.adapters.cel.runtime import TYPES, Uint
from tests.conformance.textproto import Message, parse

HERE = Path(__file__).parent
FILES = sorted((HERE / "cel-spec").glob("*.textproto"))
DOCS = HERE.parents[1] / "docs" / "cel.md"
BEGIN, END = "<!-- conformance:begin -->", "<!-- conformance:end -->"
_MESSAGE_NAMES = re.compile(
    r"\b(?:TestAllTypes|NestedTestAllTypes|google\.protobuf\.)|\b[A-Z]\w*\{"
)


@dataclass(frozen=True)
class Case:
    file: str
    section: str
    name: str
    expr: str
    test: Message

    @property
    def title(self) -> str:
        return f"{self.file}/{self.section}/{self.name}"


@dataclass
class Figures:
    total: int = 0
    messages: int = 0
    compiled: int = 0
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def plain(self) -> int:
        """Cases without a container or a message type."""
        return self.total - self.messages

    @property
    def pass_rate(self) -> float:
        return self.passed / self.compiled

    @property
    def compile_rate(self) -> float:
        return self.compiled / self.plain


def cases() -> list[Case]:
    found = []
    for path in FILES:
        for section in parse(path.read_text(encoding="utf-8")).get("section", []):
            for test in section.get("test", []):
                found.append(
                    Case(
                        path.stem,
                        _text(section["name"]),
                        _text(test["name"]),
                        _text(test["expr"]),
                        test,
                    )
                )
    return found


def _text(values: list[Any]) -> str:
    return bytes(values[0]).decode("utf-8")


def needs_messages(case: Case) -> bool:
    test = case.test
    if "container" in test or "object_value" in str(test.get("value", "")):
        return True
    if any("message_type" in str(env) for env in test.get("type_env", [])):
        return True
    return bool(_MESSAGE_NAMES.search(case.expr))


def value(message: Message) -> Any:
    """A conformance ``Value`` as the Python value jifen's runtime uses."""
    ((kind, (raw,)),) = message.items()
    if kind == "int64_value":
        return int(raw)
    if kind == "uint64_value":
        return Uint(raw)
    if kind == "double_value":
        return float(raw)
    if kind == "string_value":
        return bytes(raw).decode("utf-8")
    if kind == "bytes_value":
        return bytes(raw)
    if kind == "bool_value":
        return raw == "true"
    if kind == "null_value":
        return None
    if kind == "list_value":
        return [value(v) for v in raw.get("values", [])]
    if kind == "map_value":
        return {value(e["key"][0]): value(e["value"][0]) for e in raw.get("entries", [])}
    if kind == "type_value":
        return TYPES[bytes(raw).decode()]
    raise ValueError(f"unsupported conformance value {kind}")


def same(a: Any, b: Any) -> bool:
    """Equal values of identical types (true is not 1, 1 is not 1u nor 1.0); NaN is NaN."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return (math.isnan(a) and math.isnan(b)) or repr(a) == repr(b)
    if type(a) is list:
        return len(a) == len(b) and all(map(same, a, b))
    if type(a) is dict:
        return len(a) == len(b) and all(
            any(same(k, j) and same(v, b[j]) for j in b) for k, v in a.items()
        )
    return bool(a == b)


def run(case: Case) -> tuple[str, str]:
    """``("passed" | "failed" | "refused", detail)`` for one case."""
    bindings = {
        _text(b["key"]): value(b["value"][0]["value"][0]) for b in case.test.get("bindings", [])
    }
    try:
        condition = compile_condition(case.expr, frozenset(bindings))
    except UnsupportedExpression as exc:
        return "refused", re.sub(r" at (\d+:\d+|\?)", "", str(exc)).removeprefix("unsupported: ")
    try:
        actual: Any = condition.evaluate(bindings)
    except CelEvalError as exc:
        actual = exc
    if "eval_error" in case.test:
        ok = isinstance(actual, CelEvalError)
    else:
        expected = value(case.test["value"][0]) if "value" in case.test else True
        ok = not isinstance(actual, CelEvalError) and same(actual, expected)
    return ("passed" if ok else "failed"), f"{case.title}: {case.expr} gave {actual!r}"


def figures() -> Figures:
    result = Figures()
    for case in cases():
        result.total += 1
        if needs_messages(case):
            result.messages += 1
            continue
        outcome, detail = run(case)
        if outcome == "refused":
            result.refused[detail] += 1
            continue
        result.compiled += 1
        if outcome == "passed":
            result.passed += 1
        else:
            result.failed.append(detail)
    return result


def report(result: Figures) -> str:
    lines = [
        f"Of {result.total} cases in {len(FILES)} files of cel-spec"
        f" ({', '.join(p.stem for p in FILES)}), {result.messages} need a container or a"
        f" message type and are left out. Of the other {result.plain}, jifen compiles"
        f" {result.compiled} ({result.compile_rate:.1%}) and {result.passed} of those pass"
        f" ({result.pass_rate:.1%}); {len(result.failed)} fail"
        f" and {result.plain - result.compiled} are refused as outside the subset:",
        "",
    ]
    lines += [f"- {count} × {why}" for why, count in result.refused.most_common()]
    lines += [f"- failed: `{detail}`" for detail in result.failed]
    return "\n".join(lines)


def departures() -> str:
    """The "Departures from the specification" section of the compiler's docstring."""
    doc = compiler.__doc__ or ""
    section = doc[doc.index("Departures from the specification") :]
    body = section.split("\n", 2)[2].strip()
    text = textwrap.dedent(body).replace("\n   ", " ").replace("``", "`")
    return text.replace(":func:", "").replace(":class:", "")


def write_docs(text: str) -> None:
    text = f"### Figures\n\n{text}\n\n### Departures from the specification\n\n{departures()}"
    docs = DOCS.read_text(encoding="utf-8")
    start, end = docs.index(BEGIN) + len(BEGIN), docs.index(END)
    DOCS.write_text(f"{docs[:start]}\n{text}\n{docs[end:]}", encoding="utf-8")


if __name__ == "__main__":
    summary = report(figures())
    print(summary)
    if "--write" in sys.argv:
        write_docs(summary)
