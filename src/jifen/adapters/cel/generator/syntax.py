"""The parse tree as the generator sees it, and what a node compiles to.

:class:`Code` is a compiled node; :class:`UnsupportedExpression` (built by
:func:`unsupported`, with the node's line:column) is raised for anything
outside the subset. The rest reads the parse tree: the one-child
wrappers of the grammar's precedence levels, argument lists, arities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from lark import Token, Tree

PASSTHROUGH: Final = frozenset(
    {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"}
    | {"unary", "member", "primary", "paren_expr"}
)
NOLIT: Final[Any] = object()
"""The :attr:`Code.lit` of a node that is not a scalar literal."""

DESCRIPTIONS: Final = {
    "member_object": "message construction",
    "dot_ident": "leading-dot name",
    "dot_ident_arg": "leading-dot function",
}
"""How an unsupported rule or token is named in :class:`UnsupportedExpression`."""


class UnsupportedExpression(ValueError):
    """The text is not CEL, or uses CEL outside the supported subset."""


@dataclass(frozen=True)
class Code:
    expr: str
    errval: bool = False  # may hold a CelEvalError instead of raising
    lit: Any = NOLIT  # the value of a scalar literal
    items: tuple[Any, ...] | None = None  # the values of a list of scalar literals


def position(node: Tree[Token] | Token) -> str:
    if isinstance(node, Token):
        return f"{node.line}:{node.column}"
    if node.meta.empty:
        return "?"
    return f"{node.meta.line}:{node.meta.column}"


def unsupported(what: str, node: Tree[Token] | Token) -> UnsupportedExpression:
    return UnsupportedExpression(f"unsupported: {what} at {position(node)}")


def as_tree(node: Tree[Token] | Token) -> Tree[Token]:
    assert isinstance(node, Tree), node
    return node


def as_token(node: Tree[Token] | Token) -> Token:
    assert isinstance(node, Token), node
    return node


def innermost(node: Tree[Token]) -> Tree[Token]:
    """The first node below ``node`` that is more than a one-child wrapper."""
    while node.data in PASSTHROUGH and len(node.children) == 1:
        child = node.children[0]
        if not isinstance(child, Tree):
            break
        node = child
    return node


def arguments(children: list[Tree[Token] | Token]) -> list[Tree[Token]]:
    """The expressions of an optional ``exprlist`` child."""
    if not children:
        return []
    return [as_tree(child) for child in as_tree(children[0]).children]


def check_arity(name: Token, args: list[Tree[Token]], arity: int) -> None:
    if len(args) != arity:
        plural = "" if arity == 1 else "s"
        raise unsupported(
            f"{name.value}() with {len(args)} argument(s), expected {arity}{plural}", name
        )
