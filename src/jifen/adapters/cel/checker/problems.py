"""cel-cpp's diagnostics in an operator's words, each with what to write instead.

cel-cpp returns every error of an expression in one status string
(``ERROR: <input>:LINE:COL: message``, 1-based, in code points); the checker
names types, not operands, so the hints take the operands' text from our parse.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from jifen.adapters.cel.checker.operands import Binary, as_double, binary_at
from jifen.domain.earning.variables import Message

DIAGNOSTIC = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*)")
OVERLOAD = re.compile(r"found no matching overload for '([^']+)' applied to '\((.*)\)'")
UNDECLARED = re.compile(r"undeclared reference to '([^']+)'")
UNDEFINED = re.compile(r"undefined field '([^']+)' not found in struct '([^']+)'")
OPERATORS = {
    "_*_": "*",
    "_/_": "/",
    "_%_": "%",
    "_+_": "+",
    "_-_": "-",
    "_<_": "<",
    "_<=_": "<=",
    "_>_": ">",
    "_>=_": ">=",
    "_==_": "==",
    "_!=_": "!=",
    "@in": "in",
    "_&&_": "&&",
    "_||_": "||",
    "!_": "!",
    "-_": "-",
    "_?_:_": "? :",
    "_[_]": "[]",
}
VARIABLES = ("order", "member", "activity", "now")
MACROS = ("all", "exists", "exists_one", "filter", "map")
TIME_ACCESSORS = (
    "getFullYear",
    "getMonth",
    "getDate",
    "getDayOfMonth",
    "getDayOfYear",
    "getDayOfWeek",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
)
#: cel-cpp's names for the well-known types, as the operator guide names them
WELL_KNOWN = {"google.protobuf.Timestamp": "timestamp", "google.protobuf.Duration": "duration"}
FUNCTIONS = (
    *MACROS,
    "size",
    "has",
    "int",
    "uint",
    "double",
    "string",
    "startsWith",
    "endsWith",
    "contains",
    "matches",
    "dyn",
    "timestamp",
    "duration",
    *TIME_ACCESSORS,
)
NUMBERS = {"int", "double"}
MACRO_MISUSE = " needs a name for each item and a condition"


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based, in the condition
    column: int  # 1-based, in code points
    message: str
    hint: str

    def text(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


def problems(error: str, source: str, messages: dict[str, Message]) -> list[Problem]:
    found = []
    for m in DIAGNOSTIC.finditer(error):
        line, column, raw = int(m[1]), int(m[2]), m[3].strip()
        offset = _offset(source, line, column)
        message, hint = explain(raw, source, offset, messages)
        found.append(Problem(line, column, message, hint))
    if any(p.message.endswith(MACRO_MISUSE) for p in found):  # its item name, unbound
        found = [p for p in found if not p.message.startswith("no variable")]
    return found


def is_syntax_error(error: str) -> bool:
    return "Syntax error" in error


def explain(raw: str, source: str, offset: int, messages: dict[str, Message]) -> tuple[str, str]:
    if m := OVERLOAD.search(raw):
        return _overload(m[1], [t.strip() for t in _split(m[2])], source, offset, messages)
    if m := UNDEFINED.search(raw):
        return _undefined(m[1], messages.get(m[2]))
    if m := UNDECLARED.search(raw):
        name = re.escape(m[1])
        called = re.search(rf"(?<![\w.]){name}\s*\(|\.{name}\s*\(", source) is not None
        return _undeclared(m[1], called=called)
    if "'google.protobuf.Timestamp' cannot be the operand of a select" in raw:
        return (
            "a timestamp has no fields",
            "read it with an accessor, e.g. order.placed_at.getHours()",
        )
    return raw, "see the types of the variables in the operator guide"


def not_bool(kind: str) -> tuple[str, str]:
    return (
        f"the condition is a {kind}, not a bool",
        "a condition must be true or false: compare it, e.g. order.total >= 100.0",
    )


FIXED_HINTS = {
    "_&&_": "each side of && and ||, and the condition of all() and exists(), must be a bool: "
    "compare it, e.g. line.total > 0.0",
    "size": "size() takes a string, a list or a map",
    "int": "int() converts a number or a string",
    "double": "double() converts a number or a string",
    "string": "string() converts a number or a string",
    "_?_:_": "both branches of ? : must have the same type",
    **{
        f: f'{f}() is a method of strings taking a string: s.{f}("x")'
        for f in ("startsWith", "endsWith", "contains", "matches")
    },
}
FIXED_HINTS["_||_"] = FIXED_HINTS["_&&_"]


def _overload(
    function: str, args: list[str], source: str, offset: int, messages: dict[str, Message]
) -> tuple[str, str]:
    op = OPERATORS.get(function, function)
    shown = [_readable(a, messages) for a in args]
    message = f"{op} cannot take ({', '.join(shown)})"
    binary = binary_at(source, offset) if len(args) == 2 else None
    if function in FIXED_HINTS:
        hint = FIXED_HINTS[function]
    elif binary is not None and set(args) == NUMBERS:
        hint = _numbers_hint(args, binary)
    elif binary is not None and "string" in args and set(args) & NUMBERS:
        hint = _string_number_hint(args, binary)
    elif function == "@in":
        hint = f"the right of `in` is a list or map whose values are {shown[0]}s"
    else:
        hint = "both sides must have the same type; see the operator guide"
    return message, hint


def _numbers_hint(args: list[str], b: Binary) -> str:
    left, right = b.left, b.right
    if args[0] == "int":
        left = as_double(left)
    else:
        right = as_double(right)
    return f"an int and a double do not mix: write {left} {b.operator} {right}"


def _string_number_hint(args: list[str], b: Binary) -> str:
    number = b.right if args[1] in NUMBERS else b.left
    text = b.left if number is b.right else b.right
    if quoted := re.fullmatch(r"""["'](-?\d+(\.\d+)?)["']""", text):
        return f"a string and a number do not mix: write the number without quotes: {quoted[1]}"
    if re.fullmatch(r"-?\d+(\.\d+)?", number):
        return f'a string and a number do not mix: quote the text, "{number}"'
    return f"a string and a number do not mix: convert one, e.g. string({number})"


def _undefined(name: str, message: Message | None) -> tuple[str, str]:
    if message is None:
        return f"no field {name}", "see the operator guide for the fields"
    what = message.name.lower()
    if not message.fields:
        return f"no field {name}: {message.doc}", (
            "read order.* in order rules and activity.* in activity rules"
        )
    names = [f.name for f in message.fields]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return f"{what} has no field {name}", f"did you mean {close[0]}?"
    return f"{what} has no field {name}", f"its fields are {', '.join(names)}"


def _undeclared(name: str, *, called: bool) -> tuple[str, str]:
    if name in MACROS:
        return f"{name}(){MACRO_MISUSE}", f"write order.lines.{name}(line, line.total > 10.0)"
    if called:
        close = difflib.get_close_matches(name, FUNCTIONS, n=1, cutoff=0.7)
        if close:
            return f"no function {name}", f"did you mean {close[0]}?"
        return f"no function {name}", (
            "the functions are size, has, int, uint, double, string, dyn, timestamp, duration, "
            "startsWith, endsWith, contains, matches, the timestamp accessors getHours, "
            "getDayOfWeek... and the macros all, exists, exists_one, filter, map"
        )
    head = name.split(".", maxsplit=1)[0]
    close = difflib.get_close_matches(head, VARIABLES, n=1, cutoff=0.7)
    if close:
        return f"no variable {head}", f"did you mean {close[0]}?"
    if head != name:
        return f"no variable {head}", "the variables are order, member, activity and now"
    return f"no variable {name}", (
        f'if you mean the text, quote it: "{name}"; the variables are order, member, '
        "activity and now"
    )


def _readable(kind: str, messages: dict[str, Message]) -> str:
    for full, message in messages.items():
        kind = kind.replace(full, message.name.lower())
    for full, name in WELL_KNOWN.items():
        kind = kind.replace(full, name)
    return kind


def _split(args: str) -> list[str]:
    """``int, list(map(string, dyn))`` -> the two, commas inside parentheses kept."""
    parts, depth, current = [], 0, ""
    for ch in args:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (ch == "(") - (ch == ")")
        current += ch
    return [*parts, current] if current.strip() else parts


def _offset(source: str, line: int, column: int) -> int:
    lines = source.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
