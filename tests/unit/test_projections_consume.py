"""Which event types the read models consume: the rest the runner passes over unclaimed."""

from __future__ import annotations

from typing import Any

import pytest
from sextant_discovery.events import registry as discovery
from sextant_discovery.projections import OpportunityScoreboard, ProblemEvidence, ResearchCatalog
from sextant_feedback.events import registry as feedback
from sextant_kit.registry import parse_ce_type
from sextant_query.projections import Discovery, FeedbackEvidence, Objectives
from sextant_roadmap.events import registry as roadmap
from sextant_roadmap.projections.published import RoadmapVersions, ScoringFormulas
from sextant_strategy.events import registry as strategy
from sextant_strategy.projections.decisions import DecisionLog

REGISTRIES = {r.context: r for r in (discovery, feedback, roadmap, strategy)}


@pytest.mark.parametrize(
    ("projection", "consumed", "passed_over"),
    [
        (
            ProblemEvidence(),
            [
                discovery.ce_type("ProblemIdentified", 1),
                feedback.ce_type("FeedbackLinked", 1),
                feedback.ce_type("FeedbackUnlinked", 1),
            ],
            [
                discovery.ce_type("PersonaCreated", 1),
                feedback.ce_type("FeedbackReceived", 1),
                feedback.ce_type("FeedbackVoted", 1),
            ],
        ),
        (
            ResearchCatalog(),
            [discovery.ce_type("PersonaCreated", 1)],
            [discovery.ce_type("ProblemIdentified", 1)],
        ),
        (
            OpportunityScoreboard(),
            [discovery.ce_type("OpportunityOpened", 1)],
            [discovery.ce_type("PersonaCreated", 1)],
        ),
        (
            RoadmapVersions(),
            [roadmap.ce_type("RoadmapPublished", 1)],
            [roadmap.ce_type("RoadmapCreated", 1), roadmap.ce_type("ItemAdded", 1)],
        ),
        (
            ScoringFormulas(),
            [roadmap.ce_type("ScoringFormulaDefined", 1)],
            [roadmap.ce_type("RoadmapPublished", 1)],
        ),
        (
            DecisionLog(),
            [strategy.ce_type("DecisionRecorded", 1)],
            [strategy.ce_type("ObjectiveSet", 1)],
        ),
        (
            Objectives(),
            [strategy.ce_type("ObjectiveSet", 1)],
            [strategy.ce_type("DecisionRecorded", 1)],
        ),
        (
            Discovery(),
            [discovery.ce_type("ProblemIdentified", 1), discovery.ce_type("OpportunityOpened", 1)],
            [discovery.ce_type("PersonaCreated", 1)],
        ),
        (
            FeedbackEvidence(),
            [feedback.ce_type("FeedbackReceived", 1), feedback.ce_type("FeedbackClassified", 1)],
            [feedback.ce_type("FeedbackToldApart", 1), feedback.ce_type("CustomerErased", 1)],
        ),
    ],
    ids=lambda p: type(p).__name__ if not isinstance(p, list) else "",
)
def test_a_read_model_consumes_its_own_types_and_passes_over_the_rest(
    projection: Any, consumed: list[str], passed_over: list[str]
) -> None:
    for ce_type in [*consumed, *passed_over]:  # every name here is one its context has
        context, name, _ = parse_ce_type(ce_type)
        REGISTRIES[context].model_for(name)
    consumes = projection.consumes
    assert [t for t in consumed if not consumes(t)] == []
    assert [t for t in passed_over if consumes(t)] == []
    # A type the context does not know reaches the read model, which dead-letters it.
    assert consumes(discovery.ce_type("NoSuchThing", 1))
