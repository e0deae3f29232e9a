"""Read models of the discovery context, each built only from events."""

from sextant_discovery.projections.experiments import ExperimentLog
from sextant_discovery.projections.problems import FEEDBACK_TOPIC, ProblemEvidence
from sextant_discovery.projections.research import ResearchCatalog
from sextant_discovery.projections.scoreboard import OpportunityScoreboard

__all__ = [
    "FEEDBACK_TOPIC",
    "ExperimentLog",
    "OpportunityScoreboard",
    "ProblemEvidence",
    "ResearchCatalog",
]
