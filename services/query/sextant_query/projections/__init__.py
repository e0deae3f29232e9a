"""The query service's read models, one per domain topic, each its own consumer group."""

from sextant_query.projections.discovery import Discovery
from sextant_query.projections.feedback import FeedbackEvidence
from sextant_query.projections.objectives import Objectives
from sextant_query.projections.roadmap import RoadmapItems

__all__ = ["Discovery", "FeedbackEvidence", "Objectives", "RoadmapItems"]
