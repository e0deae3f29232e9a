"""Prioritisation models: RICE, ICE, WSJF, value/effort and custom workspace formulas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sextant_kit import DomainError
from sextant_kit.numbers import plain

from sextant_roadmap.domain import formula
from sextant_roadmap.domain.evaluation import evaluate


@dataclass(frozen=True, slots=True)
class BuiltInModel:
    name: str
    expression: str
    inputs: Mapping[str, tuple[float, float]]
    """Each input's allowed range, inclusive."""
    description: str


_BIG = 1e12
BUILT_IN: Mapping[str, BuiltInModel] = {
    m.name: m
    for m in (
        BuiltInModel(
            "rice",
            "reach * impact * (confidence / 100) / effort",
            {
                "reach": (0, _BIG),
                "impact": (0, 3),
                "confidence": (0, 100),
                "effort": (0.001, _BIG),
            },
            "Reach x Impact (0.25-3) x Confidence (%) / Effort (person-months)",
        ),
        BuiltInModel(
            "ice",
            "impact * confidence * ease",
            {"impact": (1, 10), "confidence": (1, 10), "ease": (1, 10)},
            "Impact x Confidence x Ease, each 1-10",
        ),
        BuiltInModel(
            "wsjf",
            "(business_value + time_criticality + risk_reduction) / job_size",
            {
                "business_value": (0, 100),
                "time_criticality": (0, 100),
                "risk_reduction": (0, 100),
                "job_size": (0.001, 100),
            },
            "Cost of delay (value + time criticality + risk reduction) / job size",
        ),
        BuiltInModel(
            "value_effort",
            "value / effort",
            {"value": (0, _BIG), "effort": (0.001, _BIG)},
            "Value / Effort",
        ),
    )
}

MANUAL = "manual"
"""Not a model: ranking by the roadmap's manual order."""


def check_inputs(
    model: str, required: frozenset[str], inputs: Mapping[str, float], *, field: str
) -> None:
    missing = sorted(required - inputs.keys())
    if missing:
        raise DomainError(
            f"model {model!r} needs input(s) {', '.join(missing)}; "
            f"it reads {', '.join(sorted(required))}",
            field=f"{field}.{missing[0]}",
        )
    extra = sorted(inputs.keys() - required)
    if extra:
        raise DomainError(
            f"model {model!r} does not read {', '.join(extra)}; "
            f"it reads {', '.join(sorted(required))}",
            field=f"{field}.{extra[0]}",
        )


def score_built_in(model: str, inputs: Mapping[str, float], *, field: str = "inputs") -> float:
    spec = BUILT_IN[model]
    check_inputs(model, frozenset(spec.inputs), inputs, field=field)
    for key, (low, high) in spec.inputs.items():
        if not low <= inputs[key] <= high:
            raise DomainError(
                f"{model} input {key} must be between {plain(low)} and {plain(high)},"
                f" got {plain(inputs[key])}",
                field=f"{field}.{key}",
            )
    return round(evaluate(formula.parse(spec.expression), inputs, name=model), 6)


def score_custom(
    name: str, expression: str, inputs: Mapping[str, float], *, field: str = "inputs"
) -> float:
    tree = formula.parse(expression, name=name, field="expression")
    check_inputs(name, formula.identifiers(tree), inputs, field=field)
    return round(evaluate(tree, inputs, name=name, field=field), 6)
