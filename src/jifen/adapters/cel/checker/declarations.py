"""The domain's declared variables as a cel-cpp environment: protobuf descriptors built at run time.

Each :class:`~jifen.domain.earning.variables.Message` becomes a proto3 message in a
pool of its own (no protoc, no generated code), a ``dyn`` field a
``google.protobuf.Value``. The environment is for checking only: it also declares
the ordering of an int against a double (``200 <= order.total``), which the CEL
specification defines and cel-cpp keeps behind a checker option that
cel-expr-python 0.1.3 does not expose; an environment with these declarations
cannot evaluate (its runtime already has the overloads), and never needs to.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from cel_expr_python import cel
from google.protobuf import descriptor_pb2, descriptor_pool, struct_pb2, timestamp_pb2

from jifen.domain.earning.variables import CelType, Message, Scope

F = descriptor_pb2.FieldDescriptorProto
PACKAGE = "jifen"
SCALARS = {
    CelType.INT: F.TYPE_INT64,
    CelType.DOUBLE: F.TYPE_DOUBLE,
    CelType.STRING: F.TYPE_STRING,
    CelType.BOOL: F.TYPE_BOOL,
}
#: Types a proto3 field gives through a well-known message, which CEL reads as its own type
WELL_KNOWN = {
    CelType.DYN: ".google.protobuf.Value",
    CelType.TIMESTAMP: ".google.protobuf.Timestamp",
}
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Environment:
    env: Any  # cel.Env: checks only
    messages: dict[str, Message]  # "jifen.Order" -> its declaration


def proto_name(message: Message) -> str:
    return re.sub(r"\W", "_", message.name)


@functools.cache
def environment(scope: Scope) -> Environment:
    """The checking environment for a scope; built once per scope and process."""
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(struct_pb2.DESCRIPTOR.serialized_pb)
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    fd = descriptor_pb2.FileDescriptorProto(
        name="jifen/conditions.proto",
        package=PACKAGE,
        syntax="proto3",
        dependency=["google/protobuf/struct.proto", "google/protobuf/timestamp.proto"],
    )
    messages: dict[str, Message] = {}
    for message in scope.variables().values():
        _add(fd, message, messages)
    pool.Add(fd)
    variables = {
        name: cel.Type(f"{PACKAGE}.{proto_name(m)}") for name, m in scope.variables().items()
    }
    env = cel.NewEnv(pool, variables=variables, extensions=[_cross_numeric_ordering()])
    return Environment(env, messages)


def _add(fd: Any, message: Message, seen: dict[str, Message]) -> None:
    full = f"{PACKAGE}.{proto_name(message)}"
    if full in seen:
        return
    seen[full] = message
    proto = fd.message_type.add(name=proto_name(message))
    for number, field in enumerate((f for f in message.fields if IDENT.match(f.name)), 1):
        label = F.LABEL_REPEATED if field.repeated else F.LABEL_OPTIONAL
        if isinstance(field.type, Message):
            _add(fd, field.type, seen)
            type_name = f".{PACKAGE}.{proto_name(field.type)}"
            proto.field.add(
                name=field.name,
                number=number,
                type=F.TYPE_MESSAGE,
                label=label,
                type_name=type_name,
            )
        elif field.type in WELL_KNOWN:
            proto.field.add(
                name=field.name,
                number=number,
                type=F.TYPE_MESSAGE,
                label=label,
                type_name=WELL_KNOWN[field.type],
            )
        else:
            proto.field.add(name=field.name, number=number, type=SCALARS[field.type], label=label)


@functools.cache
def _cross_numeric_ordering() -> Any:
    """``<``, ``<=``, ``>``, ``>=`` between int, uint and double, as the specification has."""
    t = cel.Type
    numbers = [("int64", t.INT), ("uint64", t.UINT), ("double", t.DOUBLE)]
    operators = {
        "_<_": "less",
        "_<=_": "less_equals",
        "_>_": "greater",
        "_>=_": "greater_equals",
    }
    return cel.CelExtension(
        "jifen_cross_numeric_ordering",
        [
            cel.FunctionDecl(
                op,
                [
                    cel.Overload(f"{name}_{a}_{b}", t.BOOL, [ta, tb])
                    for a, ta in numbers
                    for b, tb in numbers
                    if a != b
                ],
            )
            for op, name in operators.items()
        ],
    )
