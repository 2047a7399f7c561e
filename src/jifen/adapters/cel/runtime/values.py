"""The Python types of CEL values, and CEL's names for them.

``bool``, ``int`` (int64), :class:`Uint` (uint64), ``float`` (double),
``str``, ``bytes``, ``None`` (null), ``list``, ``dict`` (map),
``datetime.datetime`` (google.protobuf.Timestamp: always aware, in UTC),
``datetime.timedelta`` (google.protobuf.Duration) and :class:`CelType` (a
type, as ``type(x)`` gives). Types are tested exactly (``type(x) is int``),
so a bool is never an int and a uint is never an int.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final


class Uint(int):
    """A CEL uint64. Python's ``==`` and ``hash`` treat it as the same number as
    an int, as CEL's heterogeneous equality and map lookups do."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{int(self)}u"


class CelType:
    """A CEL type as a value: what ``type(x)`` returns and ``int``, ``string``, ... name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return type(other) is CelType and other.name == self.name

    def __hash__(self) -> int:
        return hash(("CelType", self.name))


NAMES: Final[dict[type, str]] = {
    bool: "bool",
    int: "int",
    Uint: "uint",
    float: "double",
    str: "string",
    bytes: "bytes",
    type(None): "null_type",
    list: "list",
    dict: "map",
    datetime: "google.protobuf.Timestamp",
    timedelta: "google.protobuf.Duration",
    CelType: "type",
}
TYPES: Final[dict[str, CelType]] = {name: CelType(name) for name in NAMES.values()}
"""The type values, by the names a condition may use for them (``int``, ``uint``, ...)."""

NUMBERS: Final = frozenset({int, Uint, float})
SCALARS: Final = frozenset({bool, int, Uint, float, str, bytes, type(None), datetime, timedelta})
"""The Python types of CEL's scalar values, compared with Python's own ``==`` and ``<``."""


def type_name(value: object) -> str:
    return NAMES.get(type(value), type(value).__name__)
