"""The generator's plumbing: emitting indented statements, temporaries, constants.

:class:`Emitter` is the base of the rule mixins (:mod:`.operators`,
:mod:`.members`, :mod:`.literals`, :mod:`.macros`): :meth:`Emitter.compile`
dispatches a node to its rule, and :meth:`Emitter.strict`,
:meth:`Emitter.absorbing` and :meth:`Emitter.base` decide whether an error
is raised, held as a value, or (a missing variable) left for a lookup to raise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import tzinfo

from lark import Token, Tree

from jifen.adapters.cel.generator.syntax import (
    DESCRIPTIONS,
    Code,
    as_token,
    as_tree,
    innermost,
    unsupported,
)


class Emitter:
    """The state of one compilation, and the helpers every rule uses."""

    def __init__(self, variables: frozenset[str], zone: tzinfo) -> None:
        self.variables = variables
        self.zone = zone
        self.zone_constant: str | None = None
        self.lines: list[str] = []
        self.depth = 0
        self.counter = itertools.count()
        self.scope: dict[str, str] = {}
        self.loaded: dict[str, str] = {}
        self.constants: dict[str, object] = {}
        self.rules: dict[str, Callable[[Tree[Token]], Code]] = {}

    def compile(self, node: Tree[Token] | Token) -> Code:
        tree = innermost(as_tree(node))
        rule = self.rules.get(tree.data)
        if rule is None:
            raise unsupported(DESCRIPTIONS.get(tree.data, tree.data), tree)
        return rule(tree)

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    @contextmanager
    def indented(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def fresh(self, prefix: str = "t") -> str:
        return f"{prefix}{next(self.counter)}"

    def constant(self, value: object) -> str:
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    @property
    def timezone(self) -> str:
        """The constant holding the default time zone of the timestamp accessors."""
        if self.zone_constant is None:
            self.zone_constant = self.constant(self.zone)
        return self.zone_constant

    def number(self, value: float) -> Code:
        """A numeric literal; an infinity or NaN goes in as a constant."""
        if isinstance(value, float) and not math.isfinite(value):
            return Code(self.constant(value), lit=value)
        return Code(f"({value!r})", lit=value)

    def strict(self, code: Code) -> Code:
        """``code`` with an error value raised rather than passed on."""
        if code.errval:
            self.emit(f"if type({code.expr}) is CelEvalError:")
            self.emit(f"    raise {code.expr}")
            return Code(code.expr)
        return code

    def value(self, node: Tree[Token] | Token) -> Code:
        return self.strict(self.compile(node))

    def absorbing(self, target: str, node: Tree[Token] | Token) -> None:
        """``target = <node>``, holding an error as a value."""
        self.emit("try:")
        with self.indented():
            self.emit(f"{target} = {self.compile(node).expr}")
        self.emit("except _CATCH as _e:")
        self.emit(f"    {target} = _as_error(_e)")

    def base(self, node: Tree[Token] | Token) -> str:
        """``node`` to be subscripted: a variable may stay unchecked (a missing one raises)."""
        inner = innermost(as_tree(node))
        if inner.data == "ident":
            name = as_token(inner.children[0]).value
            if name not in self.scope and name in self.variables:
                return self.load(name)
        return self.value(node).expr

    def load(self, name: str) -> str:
        if name not in self.loaded:
            self.loaded[name] = f"v{len(self.loaded)}"
        return self.loaded[name]
