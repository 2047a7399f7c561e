"""A small reader of protobuf text format, enough for the CEL conformance files.

A message becomes a ``dict`` from field name to the ``list`` of its values
(a field may repeat); a value is a nested message (``dict``), a string (the
raw ``bytes``, escapes decoded, adjacent strings joined), a number (``int``
or ``float``, ``inf``/``nan`` spelled out) or an enum name (``str``). It
needs no descriptor: field types are left to the reader of the result.
"""

from __future__ import annotations

import re
from typing import Any

Message = dict[str, list[Any]]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fF]?)
  | (?P<name>-?[A-Za-z_][\w.]*)
  | (?P<punct>[{}<>\[\]:;,])
    """,
    re.VERBOSE,
)
_ESCAPES = {
    "n": b"\n",
    "t": b"\t",
    "r": b"\r",
    "a": b"\a",
    "b": b"\b",
    "f": b"\f",
    "v": b"\v",
    "\\": b"\\",
    "'": b"'",
    '"': b'"',
    "?": b"?",
}
_ESCAPE = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))"
)


def _unquote(text: str) -> bytes:
    body = text[1:-1]
    out = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(body):
        out += body[pos : match.start()].encode("utf-8")
        octal, hexa, short, long, simple = match.groups()
        if octal or hexa:
            out.append(int(octal, 8) if octal else int(hexa, 16))
        elif short or long:
            out += chr(int(short or long, 16)).encode("utf-8")
        else:
            out += _ESCAPES[simple]
        pos = match.end()
    out += body[pos:].encode("utf-8")
    return bytes(out)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"text format: unexpected {text[pos : pos + 20]!r}")
        pos = match.end()
        if match.lastgroup != "space":
            tokens.append((match.lastgroup or "", match.group()))
    return tokens


def parse(text: str) -> Message:
    """The message that ``text`` spells."""
    tokens = _tokens(text)
    message, end = _message(tokens, 0, None)
    assert end == len(tokens), "text format: trailing tokens"
    return message


def _message(tokens: list[tuple[str, str]], pos: int, close: str | None) -> tuple[Message, int]:
    message: Message = {}
    while pos < len(tokens) and tokens[pos][1] != close:
        kind, name = tokens[pos]
        assert kind == "name", f"text format: expected a field name, got {name!r}"
        pos += 1
        if tokens[pos][1] == ":":
            pos += 1
        value, pos = _value(tokens, pos)
        message.setdefault(name, []).append(value)
        if pos < len(tokens) and tokens[pos][1] in ",;":
            pos += 1
    if close is not None:
        pos += 1
    return message, pos


def _value(tokens: list[tuple[str, str]], pos: int) -> tuple[Any, int]:
    kind, text = tokens[pos]
    if text in "{<":
        return _message(tokens, pos + 1, "}" if text == "{" else ">")
    if kind == "string":
        data = b""
        while pos < len(tokens) and tokens[pos][0] == "string":
            data += _unquote(tokens[pos][1])
            pos += 1
        return data, pos
    if kind == "number":
        return _number(text), pos + 1
    if kind == "name":
        special = {"inf": float("inf"), "infinity": float("inf"), "nan": float("nan")}
        lowered = text.lower().lstrip("-")
        if lowered in special:
            value = special[lowered]
            return (-value if text.startswith("-") else value), pos + 1
        return text, pos + 1
    raise ValueError(f"text format: unexpected {text!r}")


def _number(text: str) -> int | float:
    text = text.rstrip("fF") if not text.lower().startswith(("0x", "-0x")) else text
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?0[xX][0-9a-fA-F]+", text):
        return int(text, 16)
    return float(text)
