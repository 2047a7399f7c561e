"""Translation of literals: int, double, string, bool, null, lists and maps.

String literals are decoded by cel-python's own ``celstr`` (which drops a
line break inside a triple-quoted string), and reach the source only as the
``repr()`` of their value. An int literal must fit an int64; uint and bytes
literals are unsupported. A map literal whose keys are distinct string
literals is a dict display; any other goes through ``_make_map``, which
checks its keys.
"""

from __future__ import annotations

from celpy.evaluation import celstr
from lark import Token, Tree

from jifen.adapters.cel.generator.emitter import Emitter
from jifen.adapters.cel.generator.syntax import (
    DESCRIPTIONS,
    NOLIT,
    Code,
    arguments,
    as_token,
    as_tree,
    unsupported,
)
from jifen.adapters.cel.runtime.arithmetic import INT64_MAX, INT64_MIN


class LiteralRules(Emitter):
    """The rules ``literal``, ``list_lit`` and ``map_lit``."""

    def literal(self, tree: Tree[Token]) -> Code:
        token = as_token(tree.children[0])
        kind, text = token.type, token.value
        if kind == "INT_LIT":
            return self.number(_int_literal(token))
        if kind == "FLOAT_LIT":
            return self.number(float(text))
        if kind in ("STRING_LIT", "MLSTRING_LIT"):
            string = str(celstr(token))  # cel-python's own decoding of escapes
            return Code(repr(string), lit=string)
        if kind == "BOOL_LIT":
            return Code(repr(text == "true"), lit=text == "true")
        if kind == "NULL_LIT":
            return Code("None", lit=None)
        raise unsupported(DESCRIPTIONS.get(kind, kind), token)

    def list_lit(self, tree: Tree[Token]) -> Code:
        elements = [self.value(arg) for arg in arguments(tree.children)]
        items = tuple(e.lit for e in elements)
        constant = NOLIT not in items
        return Code(f"[{', '.join(e.expr for e in elements)}]", items=items if constant else None)

    def map_lit(self, tree: Tree[Token]) -> Code:
        inits = as_tree(tree.children[0]).children if tree.children else []
        codes = [self.value(node) for node in inits]
        keys = [code.lit for code in codes[::2]]
        if all(type(k) is str for k in keys) and len(set(keys)) == len(keys):
            pairs = (f"{k.expr}: {v.expr}" for k, v in zip(codes[::2], codes[1::2], strict=True))
            return Code(f"{{{', '.join(pairs)}}}")
        return Code(f"_make_map({', '.join(code.expr for code in codes)})")


def _int_literal(token: Token) -> int:
    text = token.value
    if text.startswith("-0x"):
        value = -int(text[3:], 16)
    else:
        value = int(text[2:], 16) if text.startswith("0x") else int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise unsupported("int literal out of the int64 range", token)
    return value
