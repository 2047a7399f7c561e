"""Rule conditions in CEL, compiled once into Python source.

>>> cond = compile_condition('order.total >= 200 && member.tier in ["gold", "silver"]')
>>> cond({"order": {"total": 250.0}, "member": {"tier": "gold"}})
True

A condition reads the variables ``order``, ``member``, ``activity`` and ``now``
(or those given to :func:`compile_condition`), whose values are plain Python
data such as ``json.loads`` makes: ``dict`` (a CEL map), ``list``, ``str``,
``int`` (int64), ``float`` (double), ``bool`` and ``None`` (null), and also
``bytes``, :class:`~jifen.adapters.cel.runtime.Uint` (uint64), an aware
``datetime`` (a timestamp) and a ``timedelta`` (a duration); any other
Python type is not a CEL value and every operation on it is an error. A
condition holds only when its expression evaluates to the boolean ``true``;
an error or any other value means it does not.

The semantics are the CEL specification's (``cel-spec/doc/langdef.md``):
heterogeneous equality (``1 == 1.0``, ``dyn(1) == 1u``, ``1 == "1"`` is
false, never an error; NaN equals nothing), ordering across int, uint and
double, IEEE doubles (``1.0 / 0.0`` is +inf, ``0.0 / 0.0`` NaN), int64 and
uint64 overflow errors, commutative ``&&``/``||`` that absorb errors and give
only bools, and the specification's conversions. ``tests/conformance/``
runs the specification's own conformance cases; ``docs/cel.md`` has the
figures (``python -m tests.conformance.cel_spec --write``).

Supported subset
----------------
- literals: int (decimal or ``0x``), uint (``1u``), double, string (quoted,
  triple-quoted, raw, escapes), bytes (``b"..."``), bool, null; list
  ``[a, b]`` and map ``{k: v}`` literals;
- the declared variables, field selection ``a.f``, indexing ``a["k"]`` and
  ``a[i]`` on maps and lists, ``has(a.f)``; the type names ``int``,
  ``uint``, ``double``, ``bool``, ``string``, ``bytes``, ``list``, ``map``,
  ``null_type`` and ``type`` as values;
- ``-x``, ``!x``; ``* / %`` and ``+ -`` on ints, uints and doubles (never
  mixed), ``+`` on strings, bytes and lists, and on timestamps and
  durations (``t + d``, ``t - t``, ``d + d``, ...);
- ``== != < <= > >=``, ``in`` (list elements, map keys), ``&&``, ``||``,
  ``c ? a : b``;
- ``size``, ``int``, ``uint``, ``double``, ``string``, ``bytes``, ``bool``,
  ``type``, ``dyn``, ``timestamp`` (RFC 3339 or epoch seconds), ``duration``
  (``"1h30m"``); ``s.startsWith(p)``, ``s.endsWith(p)``, ``s.contains(p)``,
  ``s.matches(re)`` (RE2, through ``google-re2``); the accessors
  ``getFullYear``, ``getMonth``, ``getDate``, ``getDayOfMonth``,
  ``getDayOfYear``, ``getDayOfWeek``, ``getHours``, ``getMinutes``,
  ``getSeconds``, ``getMilliseconds``, with an optional time zone;
- the macros ``all``, ``exists``, ``exists_one``, ``filter`` and ``map``
  (two arguments) over a list, or a map's keys.

Anything else raises :class:`UnsupportedExpression` when compiling, naming
the construct and its line:column: message construction and qualified or
leading-dot names (protobuf types, ``google.protobuf.Timestamp``), the
three-argument ``map``, extension libraries (``math.``, ``strings.``,
optionals), unknown variables or functions, and syntax errors; so does
nesting deeper than Python's compiler takes (some ten macros, or
parenthesised ``&&``/``||``, inside one another).

Departures from the specification
---------------------------------
1. Names are resolved when compiling: an unknown variable or function is
   refused (:class:`UnsupportedExpression`) instead of compiling into an
   evaluation error. A rule that names ``ordr.total`` should fail when its
   programme is published, not silently never hold. A declared variable
   absent from the activation is still an evaluation error, as specified.
2. Timestamps and durations hold microseconds, not nanoseconds (they are
   Python's ``datetime`` and ``timedelta``): digits of a fraction past the
   sixth are dropped. Orders and clocks give no finer times.
3. The accessors read a timestamp in the zone :func:`compile_condition` is
   given when the condition names none; jifen gives the programme's zone,
   since "before 10 o'clock" means the shop's 10 o'clock. With no zone
   given it is UTC, the specification's default.
4. A map cannot hold both ``true`` and ``1`` (or ``1u``, ``1.0``) as keys: a
   map is a Python ``dict``, where they are one key, so such a literal is an
   error. Maps stay plain dicts, which keeps conditions fast.
5. ``string()`` of a double gives the shortest digits that read back the
   same value (``"1"``, ``"0.1"``, ``"1e+16"``); the specification leaves
   the format open and implementations differ.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any, Final

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from jifen.adapters.cel.generator import Generator, UnsupportedExpression
from jifen.adapters.cel.runtime import CATCH, HELPERS, CelEvalError, as_error, zone

VARIABLES: Final = frozenset({"order", "member", "activity", "now"})

__all__ = [
    "VARIABLES",
    "CelEvalError",
    "CompiledCondition",
    "UnsupportedExpression",
    "compile_condition",
]

Activation = Mapping[str, Any]


@dataclass(frozen=True)
class CompiledCondition:
    """A compiled CEL condition: call it with an activation for a bool."""

    source: str
    python: str
    _value: Callable[[Activation], Any] = field(repr=False, compare=False)
    _test: Callable[[Activation], bool] = field(repr=False, compare=False)
    #: True, False (any other value), or the :class:`CelEvalError` it failed with: one
    #: call, for evaluators that tell a false condition from a failed one
    check: Callable[[Activation], bool | CelEvalError] = field(repr=False, compare=False)

    def __call__(self, activation: Activation) -> bool:
        """True only when the expression evaluates to ``true``; false on any error."""
        return self._test(activation)

    def evaluate(self, activation: Activation) -> Any:
        """The expression's value, or :class:`CelEvalError`."""
        try:
            result = self._value(activation)
        except CATCH as exc:
            raise as_error(exc) from exc
        if type(result) is CelEvalError:
            raise result
        return result


def compile_condition(
    text: str,
    variables: frozenset[str] = VARIABLES,
    *,
    timezone: str | tzinfo = UTC,
) -> CompiledCondition:
    """Compile ``text``; raises :class:`UnsupportedExpression` outside the subset.

    ``timezone`` (an IANA name or a ``tzinfo``) is where the timestamp
    accessors read a time that the condition does not give a zone for:
    jifen passes the programme's zone; the specification's default is UTC.
    """
    zone = _zone(timezone)
    generator = Generator(variables, zone)
    try:
        prologue, lines, result = generator.body(_parse(text))
        python = _assemble(prologue + lines, result)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # e.g. for [1]["x"], an error anyway
            code = compile(python, "<cel>", "exec")
    except (RecursionError, SyntaxError, MemoryError) as exc:
        raise UnsupportedExpression(f"unsupported: expression nested too deeply ({exc})") from None
    namespace: dict[str, Any] = {"__builtins__": {}, **HELPERS, **generator.constants}
    exec(code, namespace)  # noqa: S102 - generated source; user text only as repr() literals
    return CompiledCondition(
        text, python, namespace["_value"], namespace["_test"], namespace["_check"]
    )


def _zone(timezone: str | tzinfo) -> tzinfo:
    if isinstance(timezone, tzinfo):
        return timezone
    try:
        return zone(timezone)
    except CelEvalError as exc:
        raise UnsupportedExpression(str(exc)) from None


def _assemble(body: list[str], result: str) -> str:
    def indent(level: int) -> list[str]:
        return ["    " * level + line for line in body]

    value = ["def _value(activation):", *indent(1), f"    return {result}"]
    test = [
        "def _test(activation):",
        "    try:",
        *indent(2),
        f"        return {result} is True",
        "    except _CATCH:",
        "        return False",
    ]
    check = [
        "def _check(activation):",
        "    try:",
        *indent(2),
        f"        _r = {result}",
        "    except _CATCH as _exc:",
        "        return _as_error(_exc)",
        "    return True if _r is True else _r if type(_r) is CelEvalError else False",
    ]
    return "\n".join([*value, "", "", *test, "", "", *check, ""])


def _parse(text: str) -> Tree[Token]:
    try:
        return _parser().parse(text)
    except UnexpectedInput as exc:
        raise UnsupportedExpression(
            f"syntax error at {exc.line}:{exc.column}: {_unexpected(exc)}"
        ) from None


def _unexpected(exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        return f"unexpected {exc.token.value!r}"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r}"
    if isinstance(exc, UnexpectedEOF | UnexpectedToken):
        return "unexpected end of the expression"
    return "invalid expression"  # pragma: no cover


def _keywords(token: Token) -> Token:
    """``true``/``false`` lexed as names are bool literals (as cel-python's parser does)."""
    if token.value in ("true", "false"):
        return Token.new_borrow_pos("BOOL_LIT", token.value, token)
    return token


def syntax_tree(text: str) -> Tree[Token]:
    """The parse tree of ``text``, with positions, from the package's own grammar.

    Raises lark's errors; the checker reads operands from it to write its hints.
    """
    return _parser().parse(text)


_PARSER_LOCK = threading.Lock()


def _parser() -> Lark:
    """The parser, built once per process even when several threads ask at once."""
    with _PARSER_LOCK:
        return _build_parser()


@functools.cache
def _build_parser() -> Lark:
    """The parser of ``generator/cel.lark`` (cel-python's grammar, vendored), built once."""
    grammar = importlib.resources.files("jifen.adapters.cel.generator").joinpath("cel.lark")
    return Lark(
        grammar.read_text(encoding="utf-8"),
        parser="lalr",
        start="expr",
        g_regex_flags=re.MULTILINE,
        lexer_callbacks={"IDENT": _keywords},
        propagate_positions=True,
        maybe_placeholders=False,
        priority="invert",
    )
