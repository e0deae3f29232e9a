"""The formula language: tokenizer, Pratt parser and evaluator, never ``eval``."""

from __future__ import annotations

import pytest
from sextant_roadmap.domain import evaluation, formula
from sextant_roadmap.domain.formula import FormulaError


def run(text: str, **inputs: float) -> float:
    return evaluation.evaluate(formula.parse(text, name="f"), inputs, name="f")


def error_of(text: str) -> FormulaError:
    with pytest.raises(FormulaError) as raised:
        formula.parse(text, name="weighted", field="body.expression")
    return raised.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("24 / 4 / 2", 3),
        ("2 ^ 3 ^ 2", 512),
        ("-2 ^ 2", -4),
        ("-a * b", -6),
        ("2 * -3", -6),
        ("--3", 3),
        ("+3", 3),
        ("1.5 * 2", 3),
        (".5 + .5", 1),
        ("min(a, b, 1)", 1),
        ("max(a, b)", 3),
        ("sqrt(16) + abs(-2)", 6),
        ("log(1)", 0),
        ("a^2 + b", 7),
    ],
)
def test_given_a_well_formed_formula_when_evaluated_then_precedence_holds(
    text: str, expected: float
) -> None:
    assert run(text, a=2, b=3) == pytest.approx(expected)


def test_given_a_formula_then_its_identifiers_are_its_inputs() -> None:
    tree = formula.parse("(value * 2 + urgency) / max(effort, 1)")
    assert formula.identifiers(tree) == {"value", "urgency", "effort"}


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("(a + b))", "unexpected ')'", 8),
        ("a + ", "unexpected end of formula", 5),
        ("a $ b", "unexpected character '$'", 3),
        ("(a + b", "expected ')' but found end of formula", 7),
        ("a b", "unexpected 'b'", 3),
        ("", "the formula is empty", 1),
        ("1.2.3", "malformed number '1.2.3'", 1),
        ("exec(a)", "unknown function 'exec'", 1),
        ("__import__(a)", "unknown function '__import__'", 1),
        ("max a", "function 'max' needs '('", 5),
        ("sqrt(a, b)", "sqrt() takes 1 argument(s), got 2", 1),
        ("min()", "min() takes 1 to 16 argument(s), got 0", 1),
        ("max(a b)", "expected ',' or ')' but found 'b'", 7),
        ("a * * b", "unexpected '*'", 5),
        ("a.b", "unexpected character '.'", 2),
        ("value + ²", "unexpected character '²'", 9),  # a digit to str.isdigit, not to float
        ("٣ * 2", "unexpected character '٣'", 1),
    ],
)
def test_given_a_malformed_formula_when_parsed_then_the_error_names_formula_and_column(
    text: str, message: str, column: int
) -> None:
    error = error_of(text)
    assert message in error.detail
    assert error.column == column
    assert f"at column {column}" in error.detail
    assert "'weighted'" in error.detail
    assert error.field == "body.expression"
    assert error.status == 422


def test_the_example_from_the_issue_reads_naturally() -> None:
    error = error_of("(a + b))")
    assert error.detail == "formula 'weighted': unexpected ')' at column 8"


def test_given_a_formula_too_long_then_it_is_rejected() -> None:
    error = error_of("a + " * 200 + "a")
    assert "the limit is 500" in error.detail


def test_given_a_formula_nested_too_deep_then_it_is_rejected() -> None:
    error = error_of("(" * 40 + "a" + ")" * 40)
    assert "nesting deeper than 32" in error.detail


def test_given_a_long_flat_chain_then_it_is_not_too_deep() -> None:
    assert run(" + ".join(["a"] * 100), a=1) == 100


def test_given_an_unknown_input_when_evaluated_then_it_is_named() -> None:
    with pytest.raises(FormulaError, match="unknown input 'reach' at column 5"):
        run("2 * reach", a=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a / (b - 3)", "division by zero at column 3"),
        ("log(a - 2)", "log() of 0 is undefined"),
        ("sqrt(0 - a)", "sqrt() of -2 is undefined"),
        ("10 ^ 400", "cannot be computed"),
        ("(0 - a) ^ 0.5", "cannot be computed"),
    ],
)
def test_given_an_undefined_result_when_evaluated_then_it_is_a_clear_error(
    text: str, message: str
) -> None:
    with pytest.raises(FormulaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(text, a=2, b=3)


def test_the_module_never_evaluates_python() -> None:
    import inspect

    for module in (formula, evaluation):
        source = inspect.getsource(module)
        assert "eval(" not in source.replace("evaluate(", "")
        assert "compile(" not in source
