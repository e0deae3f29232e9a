"""Evaluating a parsed formula over named numeric inputs, with clear errors."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from sextant_kit.numbers import plain

from sextant_roadmap.domain.formula import Binary, Call, FormulaError, Name, Node, Num, Unary

_FUNCS: Mapping[str, Callable[[list[float]], float]] = {
    "min": min,
    "max": max,
    "log": lambda a: math.log(a[0]),
    "sqrt": lambda a: math.sqrt(a[0]),
    "abs": lambda a: abs(a[0]),
}


def evaluate(
    node: Node, inputs: Mapping[str, float], *, name: str = "formula", field: str = "inputs"
) -> float:
    """Evaluate over ``inputs``; unknown inputs, division by zero and overflow are errors."""

    def fail(message: str, column: int) -> FormulaError:
        return FormulaError(name, message, column, field=field)

    def ev(n: Node) -> float:
        match n:
            case Num():
                return n.value
            case Name():
                if n.name not in inputs:
                    raise fail(f"unknown input {n.name!r}", n.column)
                return float(inputs[n.name])
            case Unary():
                return -ev(n.operand)
            case Binary():
                left, right = ev(n.left), ev(n.right)
                if n.op == "/" and right == 0:
                    raise fail("division by zero", n.column)
                try:
                    result = _apply(n.op, left, right)
                except (OverflowError, ZeroDivisionError, ValueError) as error:
                    raise fail(f"{n.op} cannot be computed ({error})", n.column) from None
                if not math.isfinite(result):
                    raise fail(f"{n.op} gives a result that is not a finite number", n.column)
                return result
            case Call():
                args = [ev(a) for a in n.args]
                undefined = (n.function == "log" and args[0] <= 0) or (
                    n.function == "sqrt" and args[0] < 0
                )
                if undefined:
                    raise fail(f"{n.function}() of {plain(args[0])} is undefined", n.column)
                return _FUNCS[n.function](args)

    return ev(node)


def _apply(op: str, left: float, right: float) -> float:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return left / right
    result = left**right
    if isinstance(result, complex):
        raise ValueError("a negative number to a fractional power")
    return float(result)
