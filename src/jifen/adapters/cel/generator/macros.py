"""Translation of the macros ``all``, ``exists``, ``exists_one``, ``filter`` and ``map``.

Each ranges (two arguments only) over a list or a map's keys, binding its
variable to a fresh local. ``all`` and ``exists`` fold ``&&``/``||`` over
every element, so they may hold an error value, which a later ``false``
(``true``) absorbs; in ``map``, ``filter`` and ``exists_one`` an error in the
body is the result's. A body that must be a bool and is not is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from lark import Token, Tree

from jifen.adapters.cel.generator.emitter import Emitter
from jifen.adapters.cel.generator.syntax import (
    Code,
    as_token,
    check_arity,
    innermost,
    unsupported,
)

MACROS: Final = frozenset({"exists", "all", "exists_one", "filter", "map"})


class MacroRules(Emitter):
    """The macros, reached from the method-call rule (:mod:`.members`)."""

    def macro(self, name: Token, target: Tree[Token] | Token, args: list[Tree[Token]]) -> Code:
        check_arity(name, args, 2)
        bound = innermost(args[0])
        if bound.data != "ident":
            raise unsupported(f"{name.value}() whose first argument is not a name", name)
        items, t = self.fresh(), self.fresh()
        self.emit(
            f"{items} = {t} if type({t} := {self.value(target).expr}) is list else _iterable({t})"
        )
        local, variable = self.fresh("x"), as_token(bound.children[0]).value
        outer = self.scope.get(variable)
        self.scope[variable] = local
        try:
            return _MACRO_BUILDERS[name.value](self, f"for {local} in {items}:", local, args[1])
        finally:
            if outer is None:
                del self.scope[variable]
            else:
                self.scope[variable] = outer

    def fold(self, loop: str, body: Tree[Token], is_all: bool) -> Code:
        """``all``/``exists``: ``&&``/``||`` folded over every element."""
        stop, keep, op = ("False", "True", "_&&_") if is_all else ("True", "False", "_||_")
        acc, item = self.fresh(), self.fresh()
        self.emit(f"{acc} = {keep}")
        self.emit(loop)
        with self.indented():
            self.absorbing(item, body)
            self.emit(f"if {item} is {stop}:")
            self.emit(f"    {acc} = {stop}")
            self.emit("    break")
            self.emit(f"if {item} is not {keep}:")
            self.emit(f"    {acc} = _nonbool({op!r}, {item}) if {acc} is {keep} else {acc}")
        return Code(acc, errval=True)

    def collect(self, loop: str, local: str, body: Tree[Token], kind: str) -> Code:
        """``map``, ``filter``, ``exists_one``; an error in the body is the result's."""
        result = self.fresh()
        self.emit(f"{result} = 0" if kind == "exists_one" else f"{result} = []")
        self.emit(loop)
        with self.indented():
            value = self.value(body).expr
            if kind == "map":
                self.emit(f"{result}.append({value})")
            else:
                test = self.fresh()
                self.emit(f"{test} = {value}")
                value = test
                self.emit(f"if {value} is True:")
                self.emit(
                    f"    {result} += 1"
                    if kind == "exists_one"
                    else f"    {result}.append({local})"
                )
                self.emit(f"elif {value} is not False:")
                self.emit(f"    raise _nonbool({kind!r}, {value})")
        return Code(f"({result} == 1)" if kind == "exists_one" else result)


_MacroBuilder = Callable[[MacroRules, str, str, Tree[Token]], Code]
_MACRO_BUILDERS: Final[dict[str, _MacroBuilder]] = {
    "all": lambda g, loop, local, body: g.fold(loop, body, is_all=True),
    "exists": lambda g, loop, local, body: g.fold(loop, body, is_all=False),
    "exists_one": lambda g, loop, local, body: g.collect(loop, local, body, "exists_one"),
    "filter": lambda g, loop, local, body: g.collect(loop, local, body, "filter"),
    "map": lambda g, loop, local, body: g.collect(loop, local, body, "map"),
}
