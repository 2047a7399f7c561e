"""CEL rule conditions compiled to Python; see :mod:`jifen.adapters.cel.compiler`."""

from jifen.adapters.cel.compiler import (
    VARIABLES,
    CelEvalError,
    CompiledCondition,
    UnsupportedExpression,
    compile_condition,
)

__all__ = [
    "VARIABLES",
    "CelEvalError",
    "CompiledCondition",
    "UnsupportedExpression",
    "compile_condition",
]
