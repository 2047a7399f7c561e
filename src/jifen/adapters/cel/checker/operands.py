"""The operands of the binary operator at a column: the checker names types, hints need text.

Parsed with cel-python's grammar (the one jifen's compiler reads), in a parser of
our own so that the compiler's stays its own.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import threading
from dataclasses import dataclass

from lark import Lark, Token, Tree
from lark.exceptions import LarkError

BINARY = {"relation", "addition", "multiplication"}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Binary:
    left: str
    operator: str
    right: str


def binary_at(text: str, offset: int) -> Binary | None:
    """The binary expression whose operator begins at ``offset`` (0-based), if any."""
    try:
        with _LOCK:
            tree = _parser().parse(text)
    except (LarkError, RecursionError):
        return None
    for node in tree.iter_subtrees():
        if node.data not in BINARY or len(node.children) != 2:
            continue
        op_node, right = node.children
        if not (isinstance(op_node, Tree) and isinstance(right, Tree) and op_node.children):
            continue
        left = op_node.children[0]
        if not isinstance(left, Tree) or left.meta.empty or right.meta.empty:
            continue
        between = text[left.meta.end_pos : right.meta.start_pos]
        if left.meta.end_pos <= offset < right.meta.start_pos:
            return Binary(
                text[left.meta.start_pos : left.meta.end_pos],
                between.strip(),
                text[right.meta.start_pos : right.meta.end_pos],
            )
    return None


INT_LITERAL = re.compile(r"^-?\d+$")


def as_double(operand: str) -> str:
    """``100`` -> ``100.0``; ``line.quantity`` -> ``double(line.quantity)``."""
    return f"{operand}.0" if INT_LITERAL.match(operand) else f"double({operand})"


def _keywords(token: Token) -> Token:
    if token.value in ("true", "false"):
        return Token.new_borrow_pos("BOOL_LIT", token.value, token)
    return token


@functools.cache
def _parser() -> Lark:
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
