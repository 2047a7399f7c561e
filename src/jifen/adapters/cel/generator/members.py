"""Translation of names, field selection ``a.f``, indexing ``a[k]``, ``has(a.f)`` and calls.

A variable is loaded once from the activation; a missing one is an error
only when used. ``has(a.f)`` is false, not an error, when ``a`` is missing or
not a map (as in cel-python). Calls are the functions ``size``, ``int``,
``double``, ``string`` and ``has``, and the methods ``size``, ``startsWith``,
``endsWith``, ``contains`` and the macros (:mod:`.macros`).
"""

from __future__ import annotations

from typing import Final

from lark import Token, Tree

from jifen.adapters.cel.generator.macros import MACROS, MacroRules
from jifen.adapters.cel.generator.syntax import (
    Code,
    arguments,
    as_token,
    check_arity,
    innermost,
    unsupported,
)

_FUNCTIONS: Final = {"size": "_size", "int": "_int", "double": "_double", "string": "_string"}
_METHODS: Final = {
    "size": ("_size", 0),
    "startsWith": ("_starts_with", 1),
    "endsWith": ("_ends_with", 1),
    "contains": ("_contains", 1),
}


class MemberRules(MacroRules):
    """The rules ``ident``, ``member_dot``, ``member_index``, ``ident_arg``, ``member_dot_arg``."""

    def member_dot(self, tree: Tree[Token]) -> Code:
        target, name = tree.children
        return Code(f"{self.base(target)}[{as_token(name).value!r}]")

    def member_index(self, tree: Tree[Token]) -> Code:
        target, key_tree = tree.children
        base = self.base(target)
        key = self.value(key_tree)
        if type(key.lit) is str and key.lit:  # "" shares its hash with 0: see _index
            return Code(f"{base}[{key.expr}]")
        t = self.fresh()
        if type(key.lit) is int:
            return Code(
                f"({t}[{key.expr}] if type({t} := {base}) is list else _index({t}, {key.expr}))"
            )
        return Code(f"_index(_checked({base}), {key.expr})")

    def member_dot_arg(self, tree: Tree[Token]) -> Code:
        target, name_token = tree.children[:2]
        name = as_token(name_token)
        args = arguments(tree.children[2:])
        if name.value in MACROS:
            return self.macro(name, target, args)
        if name.value not in _METHODS:
            raise unsupported(f"function '{name.value}'", name)
        helper, arity = _METHODS[name.value]
        check_arity(name, args, arity)
        receiver = self.value(target).expr
        values = [receiver, *(self.value(arg).expr for arg in args)]
        return Code(f"{helper}({', '.join(values)})")

    def ident_arg(self, tree: Tree[Token]) -> Code:
        name = as_token(tree.children[0])
        args = arguments(tree.children[1:])
        if name.value == "has":
            return self.has(name, args)
        if name.value not in _FUNCTIONS:
            raise unsupported(f"function '{name.value}'", name)
        check_arity(name, args, 1)
        return Code(f"{_FUNCTIONS[name.value]}({self.value(args[0]).expr})")

    def has(self, name: Token, args: list[Tree[Token]]) -> Code:
        check_arity(name, args, 1)
        select = innermost(args[0])
        if select.data != "member_dot":
            raise unsupported("has() of anything but a field selection a.f", name)
        target, field = select.children
        found, t = self.fresh(), self.fresh()
        self.emit("try:")
        with self.indented():
            base = self.base(target)
            self.emit(f"{found} = type({t} := {base}) is dict and {as_token(field).value!r} in {t}")
        self.emit("except _CATCH:")
        self.emit(f"    {found} = False")
        return Code(found)

    def ident(self, tree: Tree[Token]) -> Code:
        token = as_token(tree.children[0])
        if token.value in self.scope:
            return Code(self.scope[token.value])
        if token.value not in self.variables:
            raise unsupported(f"unknown variable '{token.value}'", token)
        local = self.load(token.value)
        return Code(f"({local} if type({local}) is not _Missing else _checked({local}))")
