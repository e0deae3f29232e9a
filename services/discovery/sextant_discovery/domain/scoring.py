"""The opportunity scoring model: a pure, documented function of six inputs."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sextant_kit.inputs import Body

from sextant_discovery.domain.common import Scale

MAX_REACH = 1_000_000_000

WEIGHTS: dict[str, float] = {
    "reach": 0.25,
    "pain_severity": 0.20,
    "frequency": 0.15,
    "willingness_to_pay": 0.15,
    "alternatives_gap": 0.10,
    "strategic_fit": 0.15,
}
"""How much each normalised input counts; the weights add up to 1."""


class ScoreInputs(Body):
    """What an evaluation is made of; every value is kept on the evaluation event."""

    model_config = ConfigDict(frozen=True)
    reach: Annotated[int, Field(ge=0, le=MAX_REACH)]
    """Customers affected per year, 0 to 1,000,000,000."""
    pain_severity: Scale
    frequency: Scale
    willingness_to_pay: Scale
    alternatives_strength: Scale
    """How good the existing alternatives are: 5 = customers are well served already."""
    strategic_fit: Scale


class Score(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    total: float
    breakdown: dict[str, float]
    """Each factor's contribution in points; they add up to ``total``."""


def _scale(value: int) -> float:
    """1..5 -> 0..1."""
    return (value - 1) / 4


def normalised_reach(reach: int) -> float:
    """0..1 on a log scale: 1 customer -> 0, 1,000,000 or more -> 1."""
    return min(1.0, math.log10(1 + reach) / 6)


def score(inputs: ScoreInputs) -> Score:
    """An opportunity's score, 0 to 100, with each factor's contribution.

    ``score = 100 * sum(weight_f * n_f)`` over the factors f, where

    - ``n_reach = min(1, log10(1 + reach) / 6)`` (reach 0..1e9; a million customers is 1),
    - ``n_pain_severity``, ``n_frequency``, ``n_willingness_to_pay`` and ``n_strategic_fit``
      are ``(x - 1) / 4`` for ratings ``x`` in 1..5,
    - ``n_alternatives_gap = (5 - alternatives_strength) / 4``: strong existing
      alternatives make an opportunity less attractive,

    and the weights (``WEIGHTS``) are reach 0.25, pain severity 0.20, frequency 0.15,
    willingness to pay 0.15, alternatives gap 0.10, strategic fit 0.15 (they add up to 1).
    Contributions are rounded to two decimals and the total is their sum.
    """
    normalised = {
        "reach": normalised_reach(inputs.reach),
        "pain_severity": _scale(inputs.pain_severity),
        "frequency": _scale(inputs.frequency),
        "willingness_to_pay": _scale(inputs.willingness_to_pay),
        "alternatives_gap": (5 - inputs.alternatives_strength) / 4,
        "strategic_fit": _scale(inputs.strategic_fit),
    }
    breakdown = {k: round(100 * WEIGHTS[k] * v, 2) for k, v in normalised.items()}
    return Score(total=round(sum(breakdown.values()), 2), breakdown=breakdown)
