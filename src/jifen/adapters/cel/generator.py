"""From a CEL parse tree (cel-python's grammar) to the body of a Python function.

Each node becomes a :class:`Code`: a Python expression, evaluated after the
statements the node emitted (temporaries for ``&&``, ``||``, ``?:``, ``has``
and macros, which need ``try``/``if``/``for``). Errors are raised; only
``&&``, ``||``, ``all`` and ``exists`` may hold one as a value (``errval``),
which a strict consumer re-raises. User text reaches the source only as the
``repr()`` of a literal value; every identifier is generated here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from celpy.evaluation import celstr
from lark import Token, Tree

from jifen.adapters.cel import runtime

HELPERS: Final[dict[str, object]] = {
    "_CATCH": runtime.CATCH,
    "CelEvalError": runtime.CelEvalError,
    "_Missing": runtime.Missing,
    "_as_error": runtime.as_error,
    "_checked": runtime.checked,
    "_overload": runtime.overload,
    "_eq": runtime.eq,
    "_ne": runtime.ne,
    "_lt": runtime.lt,
    "_le": runtime.le,
    "_gt": runtime.gt,
    "_ge": runtime.ge,
    "_in": runtime.in_,
    "_index": runtime.index,
    "_make_map": runtime.make_map,
    "_iterable": runtime.iterable,
    "_add": runtime.add,
    "_sub": runtime.sub,
    "_mul": runtime.mul,
    "_div": runtime.div,
    "_mod": runtime.mod,
    "_neg": runtime.neg,
    "_not": runtime.not_,
    "_size": runtime.size,
    "_int": runtime.to_int,
    "_double": runtime.to_double,
    "_string": runtime.to_string,
    "_starts_with": runtime.starts_with,
    "_ends_with": runtime.ends_with,
    "_contains": runtime.contains,
    "type": type,
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "list": list,
    "dict": dict,
    "KeyError": KeyError,
}
"""The names generated code may use besides its own temporaries and constants."""

_BINARY: Final = {
    "addition_add": "_add",
    "addition_sub": "_sub",
    "multiplication_mul": "_mul",
    "multiplication_div": "_div",
    "multiplication_mod": "_mod",
}
_ORDER: Final = {"relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">="}
_ORDER_FN: Final = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}
_FUNCTIONS: Final = {"size": "_size", "int": "_int", "double": "_double", "string": "_string"}
_METHODS: Final = {
    "size": ("_size", 0),
    "startsWith": ("_starts_with", 1),
    "endsWith": ("_ends_with", 1),
    "contains": ("_contains", 1),
}
_MACROS: Final = frozenset({"exists", "all", "exists_one", "filter", "map"})
_PASSTHROUGH: Final = frozenset(
    {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"}
    | {"unary", "member", "primary", "paren_expr"}
)
_NOLIT: Final[Any] = object()


class UnsupportedExpression(ValueError):
    """The text is not CEL, or uses CEL outside the supported subset."""


@dataclass(frozen=True)
class Code:
    expr: str
    errval: bool = False  # may hold a CelEvalError instead of raising
    lit: Any = _NOLIT  # the value of a scalar literal
    items: tuple[Any, ...] | None = None  # the values of a list of scalar literals


def position(node: Tree[Token] | Token) -> str:
    if isinstance(node, Token):
        return f"{node.line}:{node.column}"
    if node.meta.empty:
        return "?"
    return f"{node.meta.line}:{node.meta.column}"


def unsupported(what: str, node: Tree[Token] | Token) -> UnsupportedExpression:
    return UnsupportedExpression(f"unsupported: {what} at {position(node)}")


def _tree(node: Tree[Token] | Token) -> Tree[Token]:
    assert isinstance(node, Tree), node
    return node


def _token(node: Tree[Token] | Token) -> Token:
    assert isinstance(node, Token), node
    return node


def _innermost(node: Tree[Token]) -> Tree[Token]:
    """The first node below ``node`` that is more than a one-child wrapper."""
    while node.data in _PASSTHROUGH and len(node.children) == 1:
        child = node.children[0]
        if not isinstance(child, Tree):
            break
        node = child
    return node


class Generator:
    """Compiles one expression; :meth:`body` returns the statements and the result.

    :meth:`compile` first skips the one-child wrappers of the grammar's
    precedence levels, so each rule below sees its operator's own node.
    """

    def __init__(self, variables: frozenset[str]) -> None:
        self.variables = variables
        self.lines: list[str] = []
        self.depth = 0
        self.counter = itertools.count()
        self.scope: dict[str, str] = {}
        self.loaded: dict[str, str] = {}
        self.constants: dict[str, object] = {}
        self.rules: dict[str, Callable[[Tree[Token]], Code]] = {
            "expr": self.expr,
            "conditionalor": self.logic,
            "conditionaland": self.logic,
            "relation": self.relation,
            "addition": self.arithmetic,
            "multiplication": self.arithmetic,
            "unary": self.unary,
            "member_dot": self.member_dot,
            "member_dot_arg": self.member_dot_arg,
            "member_index": self.member_index,
            "ident_arg": self.ident_arg,
            "ident": self.ident,
            "literal": self.literal,
            "list_lit": self.list_lit,
            "map_lit": self.map_lit,
        }

    def body(self, tree: Tree[Token]) -> tuple[list[str], list[str], str]:
        """The prologue (variable loads), the statements and the result expression."""
        result = self.compile(tree).expr
        prologue = []
        for name, local in self.loaded.items():
            prologue += [
                "try:",
                f"    {local} = activation[{name!r}]",
                "except KeyError:",
                f"    {local} = {self.constant(runtime.Missing(name))}",
            ]
        return prologue, self.lines, result

    # Plumbing.

    def compile(self, node: Tree[Token] | Token) -> Code:
        tree = _innermost(_tree(node))
        rule = self.rules.get(tree.data)
        if rule is None:
            raise unsupported(_DESCRIPTIONS.get(tree.data, tree.data), tree)
        return rule(tree)

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    @contextmanager
    def indented(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def fresh(self, prefix: str = "t") -> str:
        return f"{prefix}{next(self.counter)}"

    def constant(self, value: object) -> str:
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    def strict(self, code: Code) -> Code:
        """``code`` with an error value raised rather than passed on."""
        if code.errval:
            self.emit(f"if type({code.expr}) is CelEvalError:")
            self.emit(f"    raise {code.expr}")
            return Code(code.expr)
        return code

    def value(self, node: Tree[Token] | Token) -> Code:
        return self.strict(self.compile(node))

    def absorbing(self, target: str, node: Tree[Token] | Token) -> None:
        """``target = <node>``, holding an error as a value."""
        self.emit("try:")
        with self.indented():
            self.emit(f"{target} = {self.compile(node).expr}")
        self.emit("except _CATCH as _e:")
        self.emit(f"    {target} = _as_error(_e)")

    def base(self, node: Tree[Token] | Token) -> str:
        """``node`` to be subscripted: a variable may stay unchecked (a missing one raises)."""
        inner = _innermost(_tree(node))
        if inner.data == "ident":
            name = _token(inner.children[0]).value
            if name not in self.scope and name in self.variables:
                return self.load(name)
        return self.value(node).expr

    def load(self, name: str) -> str:
        if name not in self.loaded:
            self.loaded[name] = f"v{len(self.loaded)}"
        return self.loaded[name]

    # Rules.

    def expr(self, tree: Tree[Token]) -> Code:
        cond, left, right = tree.children
        test = self.value(cond).expr
        result, flag = self.fresh(), self.fresh()
        self.emit(f"{flag} = {test}")
        self.emit(f"if {flag} is True:")
        with self.indented():
            yes = self.compile(left)
            self.emit(f"{result} = {yes.expr}")
        self.emit(f"elif {flag} is False:")
        with self.indented():
            no = self.compile(right)
            self.emit(f"{result} = {no.expr}")
        self.emit("else:")
        self.emit(f"    raise _overload('_?_:_', {flag})")
        return Code(result, errval=yes.errval or no.errval)

    def logic(self, tree: Tree[Token]) -> Code:
        """``&&`` or ``||``: commutative, an error absorbed by the dominant bool."""
        operands: list[Tree[Token] | Token] = []
        while len(tree.children) == 2:
            operands.append(tree.children[1])
            tree = _tree(tree.children[0])
        operands.append(tree.children[0])
        operands.reverse()
        is_and = tree.data == "conditionaland"
        stop, keep, op = ("False", "True", "_&&_") if is_and else ("True", "False", "_||_")
        acc = self.fresh()
        self.absorbing(acc, operands[0])
        for operand in operands[1:]:
            self.emit(f"if {acc} is not {stop}:")
            with self.indented():
                item = self.fresh()
                self.absorbing(item, operand)
                self.emit(f"if {item} is not {keep}:")
                self.emit(
                    f"    {acc} = {stop} if {item} is {stop} else {item} if {acc} is {keep}"
                    f" else _as_error(_overload({op!r}, {acc}, {item}))"
                )
        return Code(acc, errval=True)

    def relation(self, tree: Tree[Token]) -> Code:
        op_tree, right_tree = tree.children
        op_tree = _tree(op_tree)
        left, right = self.value(op_tree.children[0]), self.value(right_tree)
        if op_tree.data == "relation_in":
            return self.membership(left, right)
        if op_tree.data in ("relation_eq", "relation_ne"):
            return self.equality(op_tree.data == "relation_eq", left, right)
        return self.ordering(_ORDER[op_tree.data], left, right)

    def equality(self, positive: bool, left: Code, right: Code) -> Code:
        fn = "_eq" if positive else "_ne"
        op = "==" if positive else "!="
        if (left.lit is _NOLIT) == (right.lit is _NOLIT):
            return Code(f"{fn}({left.expr}, {right.expr})")
        # One side is a literal: compare directly when the other has its type.
        t = self.fresh()
        lit, other = (left, right) if right.lit is _NOLIT else (right, left)
        args = f"{t}, {right.expr}" if lit is right else f"{left.expr}, {t}"
        return Code(
            f"({t} {op} {lit.expr} if type({t} := {other.expr}) is {_type_of(lit.lit)}"
            f" else {fn}({args}))"
        )

    def ordering(self, op: str, left: Code, right: Code) -> Code:
        fn = _ORDER_FN[op]
        if right.lit is _NOLIT or left.lit is not _NOLIT or right.lit is None:
            return Code(f"{fn}({left.expr}, {right.expr})")
        t = self.fresh()
        return Code(
            f"({t} {op} {right.expr} if type({t} := {left.expr}) is {_type_of(right.lit)}"
            f" else {fn}({t}, {right.expr}))"
        )

    def membership(self, item: Code, container: Code) -> Code:
        t = self.fresh()
        items = container.items
        if items is not None and item.lit is _NOLIT:
            kinds = {type(value) for value in items}
            listed = self.constant(list(items))
            if kinds <= {str} or kinds == {int}:
                found = self.constant(frozenset(items))
                kind = "str" if kinds <= {str} else "int"
                return Code(
                    f"({t} in {found} if type({t} := {item.expr}) is {kind}"
                    f" else _in({t}, {listed}))"
                )
            return Code(f"_in({item.expr}, {listed})")
        if type(item.lit) is str:
            return Code(
                f"(True if (type({t} := {container.expr}) is list or type({t}) is dict)"
                f" and {item.expr} in {t} else _in({item.expr}, {t}))"
            )
        return Code(f"_in({item.expr}, {container.expr})")

    def arithmetic(self, tree: Tree[Token]) -> Code:
        op_tree, right_tree = tree.children
        op_tree = _tree(op_tree)
        left, right = self.value(op_tree.children[0]), self.value(right_tree)
        return Code(f"{_BINARY[op_tree.data]}({left.expr}, {right.expr})")

    def unary(self, tree: Tree[Token]) -> Code:
        op_tree, operand_tree = tree.children
        operand = self.value(operand_tree)
        if _tree(op_tree).data == "unary_not":
            t = self.fresh()
            return Code(f"(not {t} if type({t} := {operand.expr}) is bool else _not({t}))")
        if type(operand.lit) in (int, float) and operand.lit > runtime.INT64_MIN:
            return self.number(-operand.lit)
        return Code(f"_neg({operand.expr})")

    def member_dot(self, tree: Tree[Token]) -> Code:
        target, name = tree.children
        return Code(f"{self.base(target)}[{_token(name).value!r}]")

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
        name = _token(name_token)
        args = _arguments(tree.children[2:])
        if name.value in _MACROS:
            return self.macro(name, target, args)
        if name.value not in _METHODS:
            raise unsupported(f"function '{name.value}'", name)
        helper, arity = _METHODS[name.value]
        _check_arity(name, args, arity)
        receiver = self.value(target).expr
        values = [receiver, *(self.value(arg).expr for arg in args)]
        return Code(f"{helper}({', '.join(values)})")

    def ident_arg(self, tree: Tree[Token]) -> Code:
        name = _token(tree.children[0])
        args = _arguments(tree.children[1:])
        if name.value == "has":
            return self.has(name, args)
        if name.value not in _FUNCTIONS:
            raise unsupported(f"function '{name.value}'", name)
        _check_arity(name, args, 1)
        return Code(f"{_FUNCTIONS[name.value]}({self.value(args[0]).expr})")

    def has(self, name: Token, args: list[Tree[Token]]) -> Code:
        _check_arity(name, args, 1)
        select = _innermost(args[0])
        if select.data != "member_dot":
            raise unsupported("has() of anything but a field selection a.f", name)
        target, field = select.children
        found, t = self.fresh(), self.fresh()
        self.emit("try:")
        with self.indented():
            base = self.base(target)
            self.emit(f"{found} = type({t} := {base}) is dict and {_token(field).value!r} in {t}")
        self.emit("except _CATCH:")
        self.emit(f"    {found} = False")
        return Code(found)

    def ident(self, tree: Tree[Token]) -> Code:
        token = _token(tree.children[0])
        if token.value in self.scope:
            return Code(self.scope[token.value])
        if token.value not in self.variables:
            raise unsupported(f"unknown variable '{token.value}'", token)
        local = self.load(token.value)
        return Code(f"({local} if type({local}) is not _Missing else _checked({local}))")

    def literal(self, tree: Tree[Token]) -> Code:
        token = _token(tree.children[0])
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
        raise unsupported(_DESCRIPTIONS.get(kind, kind), token)

    def number(self, value: float) -> Code:
        if isinstance(value, float) and not math.isfinite(value):
            return Code(self.constant(value), lit=value)
        return Code(f"({value!r})", lit=value)

    def list_lit(self, tree: Tree[Token]) -> Code:
        elements = [self.value(arg) for arg in _arguments(tree.children)]
        items = tuple(e.lit for e in elements)
        constant = _NOLIT not in items
        return Code(f"[{', '.join(e.expr for e in elements)}]", items=items if constant else None)

    def map_lit(self, tree: Tree[Token]) -> Code:
        inits = _tree(tree.children[0]).children if tree.children else []
        codes = [self.value(node) for node in inits]
        keys = [code.lit for code in codes[::2]]
        if all(type(k) is str for k in keys) and len(set(keys)) == len(keys):
            pairs = (f"{k.expr}: {v.expr}" for k, v in zip(codes[::2], codes[1::2], strict=True))
            return Code(f"{{{', '.join(pairs)}}}")
        return Code(f"_make_map({', '.join(code.expr for code in codes)})")

    # Macros.

    def macro(self, name: Token, target: Tree[Token] | Token, args: list[Tree[Token]]) -> Code:
        _check_arity(name, args, 2)
        bound = _innermost(args[0])
        if bound.data != "ident":
            raise unsupported(f"{name.value}() whose first argument is not a name", name)
        items, t = self.fresh(), self.fresh()
        self.emit(
            f"{items} = {t} if type({t} := {self.value(target).expr}) is list else _iterable({t})"
        )
        local, variable = self.fresh("x"), _token(bound.children[0]).value
        outer = self.scope.get(variable)
        self.scope[variable] = local
        try:
            return _MACRO_BUILDERS[name.value](self, f"for {local} in {items}:", local, args[1])
        finally:
            if outer is None:
                del self.scope[variable]
            else:
                self.scope[variable] = outer

    def fold(self, loop: str, body: Tree[Token], is_all: bool) -> Code:
        """``all``/``exists``: cel-python folds ``&&``/``||`` over every element."""
        stop, keep, op = ("False", "True", "_&&_") if is_all else ("True", "False", "_||_")
        acc, item = self.fresh(), self.fresh()
        self.emit(f"{acc} = {keep}")
        self.emit(loop)
        with self.indented():
            self.absorbing(item, body)
            self.emit(f"if {item} is {stop}:")
            self.emit(f"    {acc} = {stop}")
            self.emit("    break")
            self.emit(f"if {item} is not {keep}:")
            self.emit(
                f"    {acc} = {item} if {acc} is {keep}"
                f" else _as_error(_overload({op!r}, {acc}, {item}))"
            )
        return Code(acc, errval=True)

    def collect(self, loop: str, local: str, body: Tree[Token], kind: str) -> Code:
        """``map``, ``filter``, ``exists_one``; an error in the body is the result's."""
        result = self.fresh()
        self.emit(f"{result} = 0" if kind == "exists_one" else f"{result} = []")
        self.emit(loop)
        with self.indented():
            value = self.value(body).expr
            if kind == "map":
                self.emit(f"{result}.append({value})")
            else:
                self.emit(f"if {value}:")  # cel-python tests the body's truth, not its bool
                self.emit(
                    f"    {result} += 1"
                    if kind == "exists_one"
                    else f"    {result}.append({local})"
                )
        return Code(f"({result} == 1)" if kind == "exists_one" else result)


_MacroBuilder = Callable[[Generator, str, str, Tree[Token]], Code]
_MACRO_BUILDERS: Final[dict[str, _MacroBuilder]] = {
    "all": lambda g, loop, local, body: g.fold(loop, body, is_all=True),
    "exists": lambda g, loop, local, body: g.fold(loop, body, is_all=False),
    "exists_one": lambda g, loop, local, body: g.collect(loop, local, body, "exists_one"),
    "filter": lambda g, loop, local, body: g.collect(loop, local, body, "filter"),
    "map": lambda g, loop, local, body: g.collect(loop, local, body, "map"),
}

_DESCRIPTIONS: Final = {
    "member_object": "message construction",
    "dot_ident": "leading-dot name",
    "dot_ident_arg": "leading-dot function",
    "UINT_LIT": "uint literal",
    "BYTES_LIT": "bytes literal",
}


def _type_of(value: object) -> str:
    return {bool: "bool", int: "int", float: "float", str: "str"}.get(type(value), "type(None)")


def _int_literal(token: Token) -> int:
    text = token.value
    if text.startswith("-0x"):
        value = -int(text[3:], 16)
    else:
        value = int(text[2:], 16) if text.startswith("0x") else int(text)
    if not runtime.INT64_MIN <= value <= runtime.INT64_MAX:
        raise unsupported("int literal out of the int64 range", token)
    return value


def _arguments(children: list[Tree[Token] | Token]) -> list[Tree[Token]]:
    """The expressions of an optional ``exprlist`` child."""
    if not children:
        return []
    return [_tree(child) for child in _tree(children[0]).children]


def _check_arity(name: Token, args: list[Tree[Token]], arity: int) -> None:
    if len(args) != arity:
        plural = "" if arity == 1 else "s"
        raise unsupported(
            f"{name.value}() with {len(args)} argument(s), expected {arity}{plural}", name
        )
