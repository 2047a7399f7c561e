"""From a CEL parse tree (``cel.lark``, cel-python's grammar) to a Python function body.

Each node becomes a :class:`Code`: a Python expression, evaluated after the
statements the node emitted (temporaries for ``&&``, ``||``, ``?:``, ``has``
and macros, which need ``try``/``if``/``for``). Errors are raised; only
``&&``, ``||``, ``all`` and ``exists`` may hold one as a value (``errval``),
which a strict consumer re-raises. User text reaches the source only as the
``repr()`` of a literal value; every identifier is generated here.

:class:`Generator` joins the rules, which live in:

- :mod:`.syntax`: :class:`Code`, :class:`UnsupportedExpression`, parse-tree helpers;
- :mod:`.emitter`: emitting statements, temporaries, constants, error handling;
- :mod:`.operators`: ``?:``, ``&&``/``||``, comparisons, ``in``, arithmetic, ``-``/``!``;
- :mod:`.members`: variables, type names, ``a.f``, ``a[k]``, ``has()``, function and method calls;
- :mod:`.literals`: scalar (string and bytes decoding included), list and map literals;
- :mod:`.macros`: ``all``, ``exists``, ``exists_one``, ``filter``, ``map``.

The names the generated code calls (``_add``, ``_eq``, ...) are those of
:data:`jifen.adapters.cel.runtime.HELPERS`.
"""

from __future__ import annotations

from datetime import tzinfo

from lark import Token, Tree

from jifen.adapters.cel.generator.literals import LiteralRules
from jifen.adapters.cel.generator.members import MemberRules
from jifen.adapters.cel.generator.operators import OperatorRules
from jifen.adapters.cel.generator.syntax import Code, UnsupportedExpression
from jifen.adapters.cel.runtime.errors import Missing

__all__ = ["Code", "Generator", "UnsupportedExpression"]


class Generator(OperatorRules, MemberRules, LiteralRules):
    """Compiles one expression; :meth:`body` returns the statements and the result.

    :meth:`compile` first skips the one-child wrappers of the grammar's
    precedence levels, so each rule below sees its operator's own node.
    """

    def __init__(self, variables: frozenset[str], zone: tzinfo) -> None:
        super().__init__(variables, zone)
        self.rules = {
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
                f"    {local} = {self.constant(Missing(name))}",
            ]
        return prologue, self.lines, result
