"""Read models of the roadmap context, built only from its events."""

from sextant_roadmap.projections.board import RoadmapBoard
from sextant_roadmap.projections.published import RoadmapVersions, ScoringFormulas

__all__ = ["RoadmapBoard", "RoadmapVersions", "ScoringFormulas"]
