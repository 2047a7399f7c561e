"""Translation of names, field selection ``a.f``, indexing ``a[k]``, ``has(a.f)`` and calls.

A variable is loaded once from the activation; a missing one is an error
only when used. ``has(a.f)`` tests whether the map ``a`` holds the key
``"f"``; it is an error when ``a`` is not a map. A type's name (``int``,
``string``, ..., ``google.protobuf.Timestamp``) not shadowed by a variable
is the type value ``type(x)`` compares with. Calls are the functions and
methods of :data:`FUNCTIONS` and :data:`METHODS`, the timestamp and
duration accessors, and the macros (:mod:`.macros`).
"""

from __future__ import annotations

from typing import Final

from lark import Token, Tree

from jifen.adapters.cel.generator.macros import MACROS, MacroRules
from jifen.adapters.cel.generator.syntax import (
    Code,
    arguments,
    as_token,
    as_tree,
    check_arity,
    innermost,
    unsupported,
)
from jifen.adapters.cel.runtime import ACCESSORS, TYPES

FUNCTIONS: Final = {
    "size": "_size",
    "int": "_int",
    "uint": "_uint",
    "double": "_double",
    "string": "_string",
    "bytes": "_bytes",
    "bool": "_bool",
    "type": "_type",
    "dyn": "_dyn",
    "timestamp": "_timestamp",
    "duration": "_duration",
}
"""The global functions of one argument, and their run-time helpers."""
METHODS: Final = {
    "size": ("_size", 0),
    "startsWith": ("_starts_with", 1),
    "endsWith": ("_ends_with", 1),
    "contains": ("_contains", 1),
    "matches": ("_matches", 1),
}
"""The methods other than the accessors and macros: their helpers and arities."""


class MemberRules(MacroRules):
    """The rules ``ident``, ``member_dot``, ``member_index``, ``ident_arg``, ``member_dot_arg``."""

    def member_dot(self, tree: Tree[Token]) -> Code:
        target, name = tree.children
        qualified = _qualified(tree)
        if qualified in TYPES and qualified.split(".")[0] not in self.variables | self.scope.keys():
            return Code(self.constant(TYPES[qualified]))  # google.protobuf.Timestamp
        return Code(f"{self.base(target)}[{as_token(name).value!r}]")

    def member_index(self, tree: Tree[Token]) -> Code:
        target, key_tree = tree.children
        base = self.base(target)
        key = self.value(key_tree)
        if type(key.lit) is str:
            return Code(f"{base}[{key.expr}]")
        t = self.fresh()
        if type(key.lit) is int and key.lit >= 0:
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
        if name.value in ACCESSORS:
            return self.accessor(name, target, args)
        if name.value not in METHODS:
            raise unsupported(f"function '{name.value}'", name)
        helper, arity = METHODS[name.value]
        check_arity(name, args, arity)
        receiver = self.value(target).expr
        values = [receiver, *(self.value(arg).expr for arg in args)]
        return Code(f"{helper}({', '.join(values)})")

    def accessor(self, name: Token, target: Tree[Token] | Token, args: list[Tree[Token]]) -> Code:
        """``t.getHours()`` in the default zone, or ``t.getHours("Asia/Shanghai")``."""
        if len(args) > 1:
            check_arity(name, args, 1)
        receiver = self.value(target).expr
        if not args:
            return Code(f"_{name.value}({receiver}, {self.timezone})")
        return Code(f"_{name.value}({receiver}, {self.value(args[0]).expr}, True)")

    def ident_arg(self, tree: Tree[Token]) -> Code:
        name = as_token(tree.children[0])
        args = arguments(tree.children[1:])
        if name.value == "has":
            return self.has(name, args)
        if name.value == "matches":
            check_arity(name, args, 2)
            return Code(f"_matches({self.value(args[0]).expr}, {self.value(args[1]).expr})")
        if name.value not in FUNCTIONS:
            raise unsupported(f"function '{name.value}'", name)
        check_arity(name, args, 1)
        return Code(f"{FUNCTIONS[name.value]}({self.value(args[0]).expr})")

    def has(self, name: Token, args: list[Tree[Token]]) -> Code:
        check_arity(name, args, 1)
        select = innermost(args[0])
        if select.data != "member_dot":
            raise unsupported("has() of anything but a field selection a.f", name)
        target, field = select.children
        t = self.fresh()
        return Code(
            f"({as_token(field).value!r} in {t} if type({t} := {self.value(target).expr}) is dict"
            f" else _has({t}))"
        )

    def ident(self, tree: Tree[Token]) -> Code:
        token = as_token(tree.children[0])
        if token.value in self.scope:
            return Code(self.scope[token.value])
        if token.value not in self.variables:
            if token.value in TYPES:
                return Code(self.constant(TYPES[token.value]))
            raise unsupported(f"unknown variable '{token.value}'", token)
        local = self.load(token.value)
        return Code(f"({local} if type({local}) is not _Missing else _checked({local}))")


def _qualified(tree: Tree[Token]) -> str:
    """``a.b.c`` of a chain of field selections on a name, else ``""``."""
    names: list[str] = []
    node = tree
    while node.data == "member_dot":
        target, name = node.children
        names.append(as_token(name).value)
        node = innermost(as_tree(target))
    if node.data != "ident":
        return ""
    names.append(as_token(node.children[0]).value)
    return ".".join(reversed(names))
