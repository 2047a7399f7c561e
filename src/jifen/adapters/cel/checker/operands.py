"""The operands of the binary operator at a column: the checker names types, hints need text.

Parsed by the compiler's own parser and grammar (a copy inside the package), so that a
production install, which has no cel-python, writes the same hints.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lark import Tree
from lark.exceptions import LarkError

from jifen.adapters.cel.compiler import syntax_tree

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
            tree = syntax_tree(text)
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
