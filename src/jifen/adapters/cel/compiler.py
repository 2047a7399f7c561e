"""Rule conditions in CEL, compiled once into Python source.

>>> cond = compile_condition('order.total >= 200.0 && member.tier in ["gold", "silver"]')
>>> cond({"order": {"total": 250.0}, "member": {"tier": "gold"}})
True

A condition reads the variables ``order``, ``member``, ``activity`` and ``now``
(or those given to :func:`compile_condition`), whose values are plain Python
data such as ``json.loads`` makes: ``dict`` (a CEL map), ``list``, ``str``,
``int`` (int64), ``float`` (double), ``bool`` and ``None`` (null); any other
Python type is not a CEL value and every operation on it is an error. A
condition holds only when its expression evaluates to the boolean ``true``;
an error or any other value means it does not.

Supported subset
----------------
- literals: int (decimal or ``0x``), double, string (quoted, triple-quoted,
  raw, escapes), bool, null; list ``[a, b]`` and map ``{k: v}`` literals;
- the declared variables, field selection ``a.f``, indexing ``a["k"]`` and
  ``a[i]`` on maps and lists, ``has(a.f)``;
- ``-x``, ``!x``; ``* / %`` and ``+ -`` on ints (int64, overflow is an
  error, division truncates toward zero, ``%`` takes the dividend's sign) and
  doubles; ``+`` on strings and lists; mixing int and double is an error;
- ``== != < <= > >=``, ``in`` (list elements, map keys), ``&&`` and ``||``
  with commutative error absorption, ``c ? a : b``;
- ``size(x)`` or ``x.size()``, ``int(x)``, ``double(x)``, ``string(x)``,
  ``s.startsWith(p)``, ``s.endsWith(p)``, ``s.contains(p)``;
- the macros ``all``, ``exists``, ``exists_one``, ``filter`` and ``map``
  (two arguments) over a list, or a map's keys.

Anything else raises :class:`UnsupportedExpression` when compiling, naming
the construct and its line:column: uint and bytes literals, ``matches``,
timestamps and durations, ``type``/``dyn``, three-argument ``map``, message
construction, leading-dot names, unknown variables or functions, and syntax
errors; so does nesting deeper than Python's compiler takes (some ten
macros, or parenthesised ``&&``/``||``, inside one another).

Agreement with cel-python
-------------------------
The reference is cel-python 0.5's interpreter, and ``tests/unit/
test_cel_compiler.py`` checks agreement on random expressions over random
data (its CompiledRunner differs from the interpreter in corners, e.g. its
``has()`` gives a Python bool that its ``&&`` rejects, so that
``has(a.f) && ...`` is an error there when ``a.f`` is absent). We follow
the interpreter where it departs from the CEL specification:

- values of different types are unequal (not an error) only for null against
  a string, bool, list or map, and for a string against a bool; every other
  mix is an error (``1 == 1.0`` too), and so is ``!=`` between a list or map
  and null;
- ``1.5 < 2`` compares (a double on the left of an int) but ``2 > 1.5`` is an
  error, for all four orderings;
- ``&&``, ``||``, ``all`` and ``exists`` can return a non-bool operand
  (``1 && true`` is 1); ``filter`` and ``exists_one`` test the body's truth;
- ``has(a.f)`` is false, not an error, when ``a`` is missing or not a map;
- ``size(null) == 0``, ``int(null) == 0``, ``double(null) == 0.0``,
  ``int(true) == 1``, ``string(true) == "True"``, ``string(null) == "None"``;
  ``int()`` and ``double()`` of a string parse as Python does;
- a double divided by zero is +inf, whatever its sign; ``%`` on doubles is
  an error;
- ``"abc"[0] == "a"``, ``[1, 2][-1] == 2``, ``"b" in "abc"`` tests the
  characters, and the macros range over a string's characters;
- ``l.contains(x)`` and ``m.contains(k)`` are Python's ``in`` (the first
  failed comparison is an error), unlike ``x in l``;
- string literals are decoded by cel-python's own ``celstr``, which drops a
  line break inside a triple-quoted string.

We keep to the specification where cel-python leaks Python's semantics
(the tests recognise these cases and let them differ):

1. a bool is never a number: ``true == 1``, ``true < 2``, ``1.5 < true``,
   ``true + 1``, ``[1, 2][true]``, ``1 in [true]`` and ``{true: 0}[1]`` are
   errors (cel-python takes a bool for an int when it is on the left);
2. arithmetic needs two ints, two doubles (or for ``+`` two strings or two
   lists), and gives an ordinary value of that type. cel-python has
   ``1.5 + 1 == 2.5``, ``3 / 2.0 == 1``, ``"x" / 0.0 == inf`` and
   ``"%d" % 7 == "7"``, and its arithmetic (and string indexing) returns
   untyped Python floats, lists and strings, so that ``(1.0 + 1.0) == 2``
   and ``([1] + [2]) != null`` hold and ``("a" + "b").contains("a")`` is an
   error there;
3. an error inside a ``map``, ``filter`` or ``exists_one`` body, ranging
   over a non-list, and ``int()`` of an infinity are ordinary errors, which
   ``&&`` and ``||`` absorb (cel-python's interpreter lets these escape the
   absorption; its CompiledRunner does not);
4. a map literal with an erroneous value is an error (the interpreter stores
   the error in the map; the CompiledRunner does not);
5. ``string()`` of a list or map is an error (cel-python: a Python repr).
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from jifen.adapters.cel.generator import Generator, UnsupportedExpression
from jifen.adapters.cel.runtime import CATCH, HELPERS, CelEvalError, as_error

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


def compile_condition(text: str, variables: frozenset[str] = VARIABLES) -> CompiledCondition:
    """Compile ``text``; raises :class:`UnsupportedExpression` outside the subset."""
    generator = Generator(variables)
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
    return CompiledCondition(text, python, namespace["_value"], namespace["_test"])


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
    return "\n".join([*value, "", "", *test, ""])


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
    """As cel-python's parser: ``true``/``false`` lexed as names are bool literals."""
    if token.value in ("true", "false"):
        return Token.new_borrow_pos("BOOL_LIT", token.value, token)
    return token


_PARSER_LOCK = threading.Lock()


def _parser() -> Lark:
    """The parser, built once per process even when several threads ask at once."""
    with _PARSER_LOCK:
        return _build_parser()


@functools.cache
def _build_parser() -> Lark:
    """cel-python's grammar with its parser options, in a parser of our own.

    ``celpy.celparser.CELParser`` keeps one parser for the process, built
    with the tree class of whoever made it first; cel-python's CompiledRunner
    needs its own, so we leave that one alone.
    """
    grammar = importlib.resources.files("celpy").joinpath("cel.lark").read_text()
    return Lark(
        grammar,
        parser="lalr",
        start="expr",
        g_regex_flags=re.MULTILINE,
        lexer_callbacks={"IDENT": _keywords},
        propagate_positions=True,
        maybe_placeholders=False,
        priority="invert",
    )
