"""The operators: ``?:``, ``&&``/``||``, comparisons, ``in``, arithmetic, ``-``, ``!``.

``&&`` and ``||`` are commutative, absorb errors and give a bool (the result
may hold an error value). Where one side is a literal, a comparison or ``in`` tests the
other side's type inline and calls the run-time helper only off that fast path.
"""

from __future__ import annotations

from typing import Final

from lark import Token, Tree

from jifen.adapters.cel.generator.emitter import Emitter
from jifen.adapters.cel.generator.syntax import NOLIT, Code, as_tree
from jifen.adapters.cel.runtime import INT64_MIN, Uint

_BINARY: Final = {
    "addition_add": "_add",
    "addition_sub": "_sub",
    "multiplication_mul": "_mul",
    "multiplication_div": "_div",
    "multiplication_mod": "_mod",
}
_ORDER: Final = {"relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">="}
_ORDER_FN: Final = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}


class OperatorRules(Emitter):
    """The rules of the ternary, logical, relational, arithmetic and unary operators.

    That is ``expr``, ``conditionalor``, ``conditionaland``, ``relation``,
    ``addition``, ``multiplication`` and ``unary``.
    """

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
        """``&&`` or ``||``: commutative, an error absorbed by the dominant bool.

        An operand that is not a bool is an error (``1 && true``), which
        ``false &&`` absorbs like any other.
        """
        operands: list[Tree[Token] | Token] = []
        while len(tree.children) == 2:
            operands.append(tree.children[1])
            tree = as_tree(tree.children[0])
        operands.append(tree.children[0])
        operands.reverse()
        is_and = tree.data == "conditionaland"
        stop, keep, op = ("False", "True", "_&&_") if is_and else ("True", "False", "_||_")
        acc = self.fresh()
        self.absorbing(acc, operands[0])
        self.emit(f"if type({acc}) is not bool:")
        self.emit(f"    {acc} = _nonbool({op!r}, {acc})")
        for operand in operands[1:]:
            self.emit(f"if {acc} is not {stop}:")
            with self.indented():
                item = self.fresh()
                self.absorbing(item, operand)
                self.emit(f"if {item} is not {keep}:")
                self.emit(
                    f"    {acc} = {stop} if {item} is {stop}"
                    f" else _nonbool({op!r}, {item}) if {acc} is {keep} else {acc}"
                )
        return Code(acc, errval=True)

    def relation(self, tree: Tree[Token]) -> Code:
        op_tree, right_tree = tree.children
        op_tree = as_tree(op_tree)
        left, right = self.value(op_tree.children[0]), self.value(right_tree)
        if op_tree.data == "relation_in":
            return self.membership(left, right)
        if op_tree.data in ("relation_eq", "relation_ne"):
            return self.equality(op_tree.data == "relation_eq", left, right)
        return self.ordering(_ORDER[op_tree.data], left, right)

    def equality(self, positive: bool, left: Code, right: Code) -> Code:
        fn = "_eq" if positive else "_ne"
        op = "==" if positive else "!="
        if (left.lit is NOLIT) == (right.lit is NOLIT):
            return Code(f"{fn}({left.expr}, {right.expr})")
        # One side is a literal: compare directly when the other has its type.
        t = self.fresh()
        lit, other = (left, right) if right.lit is NOLIT else (right, left)
        args = f"{t}, {right.expr}" if lit is right else f"{left.expr}, {t}"
        return Code(
            f"({t} {op} {lit.expr} if type({t} := {other.expr}) is {_type_of(lit.lit)}"
            f" else {fn}({args}))"
        )

    def ordering(self, op: str, left: Code, right: Code) -> Code:
        fn = _ORDER_FN[op]
        if right.lit is NOLIT or left.lit is not NOLIT or right.lit is None:
            return Code(f"{fn}({left.expr}, {right.expr})")
        t = self.fresh()
        return Code(
            f"({t} {op} {right.expr} if type({t} := {left.expr}) is {_type_of(right.lit)}"
            f" else {fn}({t}, {right.expr}))"
        )

    def membership(self, item: Code, container: Code) -> Code:
        t = self.fresh()
        items = container.items
        if items is not None and item.lit is NOLIT:
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
        op_tree = as_tree(op_tree)
        left, right = self.value(op_tree.children[0]), self.value(right_tree)
        return Code(f"{_BINARY[op_tree.data]}({left.expr}, {right.expr})")

    def unary(self, tree: Tree[Token]) -> Code:
        op_tree, operand_tree = tree.children
        operand = self.value(operand_tree)
        if as_tree(op_tree).data == "unary_not":
            t = self.fresh()
            return Code(f"(not {t} if type({t} := {operand.expr}) is bool else _not({t}))")
        if type(operand.lit) in (int, float) and operand.lit > INT64_MIN:
            return self.number(-operand.lit)
        return Code(f"_neg({operand.expr})")


def _type_of(value: object) -> str:
    names = {bool: "bool", int: "int", float: "float", str: "str", bytes: "bytes", Uint: "_Uint"}
    return names.get(type(value), "type(None)")
