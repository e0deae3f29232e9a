"""The discovery context's event registry: its wire names, versions and topic."""

from __future__ import annotations

from typing import get_args

from sextant_kit import Event, EventRegistry

from sextant_discovery.domain.competitor import CompetitorEvent
from sextant_discovery.domain.experiment import ExperimentEvent
from sextant_discovery.domain.insight import InsightEvent
from sextant_discovery.domain.opportunity_events import OpportunityEvent
from sextant_discovery.domain.persona import PersonaEvent
from sextant_discovery.domain.problem import ProblemEvent


def _members(union: object) -> list[type[Event]]:
    return list(get_args(union))


registry = EventRegistry(
    "discovery",
    [
        *_members(InsightEvent),
        *_members(PersonaEvent),
        *_members(CompetitorEvent),
        *_members(ProblemEvent),
        *_members(OpportunityEvent),
        *_members(ExperimentEvent),
    ],
)
