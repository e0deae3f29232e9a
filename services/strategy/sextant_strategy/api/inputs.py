"""Request bodies shared by several strategy endpoints."""

from __future__ import annotations

from datetime import date

from pydantic import model_validator
from sextant_kit.inputs import Body

from sextant_strategy.domain.common import Period, Quarter, custom_period, quarter_period


class PeriodIn(Body):
    """A quarter (``{"quarter": "2026-Q3"}``) or a custom range (``{"start", "end"}``)."""

    quarter: Quarter | None = None
    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> PeriodIn:
        custom = self.start is not None or self.end is not None
        if self.quarter is not None and custom:
            raise ValueError("give either a quarter or start and end, not both")
        if self.quarter is None and (self.start is None or self.end is None):
            raise ValueError("give a quarter like 2026-Q3, or both start and end dates")
        return self

    def period(self) -> Period:
        if self.quarter is not None:
            return quarter_period(self.quarter)
        assert self.start is not None
        assert self.end is not None
        return custom_period(self.start, self.end)
