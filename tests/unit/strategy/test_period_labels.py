"""A period filter names a period there could be, or is refused (not answered with none)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError
from sextant_strategy.domain.common import PeriodLabel

LABELS = TypeAdapter(PeriodLabel)


def test_quarters_and_ranges_of_real_days_pass() -> None:
    for label in ("2026-Q3", "0001-Q1", "2026-01-01..2026-03-31", "2026-02-28..2026-02-28"):
        assert LABELS.validate_python(label) == label


@pytest.mark.parametrize(
    ("label", "said"),
    [
        ("0000-Q1", "a quarter's year is 0001 to 9998"),
        ("2026-02-30..2026-03-01", "names a day no calendar has"),
        ("2026-03-02..2026-03-01", "the range ends before it starts"),
        ("2026-Q5", "should match pattern"),
    ],
)
def test_a_period_there_cannot_be_is_refused(label: str, said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        LABELS.validate_python(label)
