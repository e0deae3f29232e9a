"""The strategy context's event registry: its wire names, versions and topic."""

from __future__ import annotations

from typing import get_args

from sextant_kit import Event, EventRegistry

from sextant_strategy.domain.concept import ConceptEvent
from sextant_strategy.domain.decision import DecisionEvent
from sextant_strategy.domain.milestone import MilestoneEvent
from sextant_strategy.domain.objective_events import ObjectiveEvent
from sextant_strategy.domain.review import StrategyEvent
from sextant_strategy.domain.vision import VisionRevised


def _members(union: object) -> list[type[Event]]:
    return list(get_args(union))


registry = EventRegistry(
    "strategy",
    [
        VisionRevised,
        *_members(ObjectiveEvent),
        *_members(ConceptEvent),
        *_members(MilestoneEvent),
        *_members(DecisionEvent),
        *_members(StrategyEvent),
    ],
)
