"""Read models of the strategy context, each built only from the context's events."""

from sextant_strategy.projections.decisions import DecisionLog
from sextant_strategy.projections.documents import StrategyDocuments
from sextant_strategy.projections.objectives import ObjectiveTree
from sextant_strategy.projections.reviews import StrategyReviews

__all__ = ["DecisionLog", "ObjectiveTree", "StrategyDocuments", "StrategyReviews"]
