"""Translation of literals: int, uint, double, string, bytes, bool, null, lists and maps.

String and bytes literals are decoded here as the specification has it
(escapes ``\\n``, ``\\x41``, ``\\101``, ``\\u00e9``, ``\\U0001F600``; a raw
``r"..."`` keeps its backslashes; a triple-quoted string keeps its line
breaks), and reach the source only as the ``repr()`` of their value. An int
literal must fit an int64 and a uint literal a uint64. A map literal whose
keys are distinct string literals is a dict display; any other goes through
``_make_map``, which checks its keys.
"""

from __future__ import annotations

import re
from typing import Final

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
from jifen.adapters.cel.runtime import INT64_MAX, INT64_MIN, UINT64_MAX, Uint

_ESCAPE: Final = re.compile(
    r"\\(?:([abfnrtv\"'\\?`])|([0-3][0-7]{2})|[xX]([0-9a-fA-F]{2})"
    r"|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.|\n|$))"
)
_SIMPLE: Final = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    '"': '"',
    "'": "'",
    "\\": "\\",
    "?": "?",
    "`": "`",
}


class LiteralRules(Emitter):
    """The rules ``literal``, ``list_lit`` and ``map_lit``."""

    def literal(self, tree: Tree[Token]) -> Code:
        token = as_token(tree.children[0])
        kind, text = token.type, token.value
        if kind in ("INT_LIT", "UINT_LIT", "FLOAT_LIT"):
            return self.numeric(token)
        if kind in ("STRING_LIT", "MLSTRING_LIT"):
            string = decode(token, text)
            return Code(repr(string), lit=string)
        if kind == "BYTES_LIT":
            data = decode(token, text[1:]).encode("utf-8", "surrogateescape")
            return Code(repr(data), lit=data)
        if kind == "BOOL_LIT":
            return Code(repr(text == "true"), lit=text == "true")
        if kind == "NULL_LIT":
            return Code("None", lit=None)
        raise unsupported(DESCRIPTIONS.get(kind, kind), token)  # pragma: no cover

    def numeric(self, token: Token) -> Code:
        if token.type == "INT_LIT":
            return self.number(_int_literal(token))
        if token.type == "UINT_LIT":
            value = Uint(_int_literal(token, token.value[:-1], 0, UINT64_MAX))
            return Code(self.constant(value), lit=value)
        return self.number(float(token.value))

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


def _int_literal(
    token: Token, text: str | None = None, low: int = INT64_MIN, high: int = INT64_MAX
) -> int:
    text = token.value if text is None else text
    negative = text.startswith("-")
    digits = text.lstrip("-")
    value = int(digits[2:], 16) if digits[:2] in ("0x", "0X") else int(digits)
    value = -value if negative else value
    if not low <= value <= high:
        kind = "int64" if low else "uint64"
        raise unsupported(f"{'u' if not low else ''}int literal out of the {kind} range", token)
    return value


def decode(token: Token, text: str) -> str:
    """The value of a string literal's text (without a ``b`` prefix).

    For a bytes literal, ``\\x``/octal escapes stand for bytes; they come back
    as lone surrogates (``surrogateescape``) for the caller to encode.
    """
    raw = text[0] in "rR"
    text = text[1:] if raw else text
    quote = 3 if text[:3] in ('"""', "'''") else 1
    body = text[quote:-quote]
    if raw:
        return body

    def escape(match: re.Match[str]) -> str:
        simple, octal, hexa, short, long, bad = match.groups()
        if simple is not None:
            return _SIMPLE[simple]
        if bad is not None:
            raise unsupported(f"invalid escape sequence \\{bad}", token)
        code = int(octal, 8) if octal else int(hexa or short or long, 16)
        if (octal or hexa) and bytes_mode:
            return chr(0xDC00 + code) if code >= 0x80 else chr(code)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise unsupported("invalid code point in a string literal", token)
        return chr(code)

    bytes_mode = token.type == "BYTES_LIT"
    return _ESCAPE.sub(escape, body)
