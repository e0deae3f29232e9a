"""The opportunity scoring model."""

import pytest
from pydantic import ValidationError
from sextant_discovery.domain.scoring import WEIGHTS, ScoreInputs, normalised_reach, score


def inputs(**overrides: int) -> ScoreInputs:
    fields = {
        "reach": 1_000_000,
        "pain_severity": 5,
        "frequency": 5,
        "willingness_to_pay": 5,
        "alternatives_strength": 1,
        "strategic_fit": 5,
    }
    fields.update(overrides)
    return ScoreInputs.model_validate(fields)


def test_the_weights_add_up_to_one() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1)


def test_the_best_opportunity_scores_100_and_the_worst_0() -> None:
    assert score(inputs()).total == 100
    worst = inputs(
        reach=0,
        pain_severity=1,
        frequency=1,
        willingness_to_pay=1,
        alternatives_strength=5,
        strategic_fit=1,
    )
    assert score(worst).total == 0


def test_the_breakdown_adds_up_to_the_total_and_names_every_factor() -> None:
    result = score(inputs(reach=1000, pain_severity=3, alternatives_strength=3))
    assert set(result.breakdown) == set(WEIGHTS)
    assert sum(result.breakdown.values()) == pytest.approx(result.total)
    assert result.breakdown["reach"] == 12.5
    assert result.breakdown["pain_severity"] == 10
    assert result.breakdown["alternatives_gap"] == 5


def test_reach_is_on_a_log_scale_capped_at_a_million() -> None:
    assert normalised_reach(0) == 0
    assert normalised_reach(999) == pytest.approx(0.5)
    assert normalised_reach(10**9) == 1


def test_strong_alternatives_lower_the_score() -> None:
    assert score(inputs(alternatives_strength=5)).total < score(inputs()).total


@pytest.mark.parametrize(
    ("field", "value"),
    [("reach", -1), ("reach", 10**9 + 1), ("pain_severity", 0), ("strategic_fit", 6)],
)
def test_inputs_outside_their_ranges_are_refused(field: str, value: int) -> None:
    with pytest.raises(ValidationError):
        inputs(**{field: value})
