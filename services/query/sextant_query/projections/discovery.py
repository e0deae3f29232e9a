"""Problems, opportunities and experiments, from the discovery context's events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from sextant_discovery.domain.experiment import (
    ExperimentConcluded,
    ExperimentDesigned,
    ExperimentRedesigned,
    ExperimentStarted,
    ExperimentStatus,
    ObservationRecorded,
)
from sextant_discovery.domain.opportunity import STATUS_OF
from sextant_discovery.domain.opportunity_events import (
    OpportunityDecided,
    OpportunityEvaluated,
    OpportunityOpened,
    OpportunityRestated,
)
from sextant_discovery.domain.problem import (
    ProblemClosed,
    ProblemIdentified,
    ProblemMerged,
    ProblemReopened,
    ProblemRestated,
    ProblemStatus,
    ProblemUnmerged,
)
from sextant_discovery.events import registry
from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_query.projections.selection import Consumes

DiscoveryFact = (
    ProblemIdentified
    | ProblemRestated
    | ProblemMerged
    | ProblemClosed
    | ProblemReopened
    | ProblemUnmerged
    | OpportunityOpened
    | OpportunityRestated
    | OpportunityEvaluated
    | OpportunityDecided
    | ExperimentDesigned
    | ExperimentRedesigned
    | ExperimentStarted
    | ObservationRecorded
    | ExperimentConcluded
)
DISCOVERY = Consumes[DiscoveryFact](
    registry,
    (
        ProblemIdentified,
        ProblemRestated,
        ProblemMerged,
        ProblemClosed,
        ProblemReopened,
        ProblemUnmerged,
        OpportunityOpened,
        OpportunityRestated,
        OpportunityEvaluated,
        OpportunityDecided,
        ExperimentDesigned,
        ExperimentRedesigned,
        ExperimentStarted,
        ObservationRecorded,
        ExperimentConcluded,
    ),
)
_PROBLEM = " WHERE tenant_id = $1 AND problem_id = $2"
_OPPORTUNITY = " WHERE tenant_id = $1 AND opportunity_id = $2"
_EXPERIMENT = " WHERE tenant_id = $1 AND experiment_id = $2"


class Discovery:
    name = "query_discovery"
    tables: Sequence[str] = ("query_problems", "query_opportunities", "query_experiments")
    topics: Sequence[str] = (DISCOVERY.topic,)

    consumes = staticmethod(DISCOVERY.consumes)

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = DISCOVERY.decode(event)
        if fact is None:
            return
        tenant = event.tenant
        match fact:
            case ProblemIdentified():
                await conn.execute(
                    "INSERT INTO query_problems (tenant_id, problem_id, workspace_id, title,"
                    " severity, frequency, identified_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    " ON CONFLICT (tenant_id, problem_id) DO UPDATE SET"
                    " workspace_id = excluded.workspace_id, title = excluded.title,"
                    " severity = excluded.severity, frequency = excluded.frequency,"
                    " identified_at = excluded.identified_at",
                    tenant,
                    str(fact.problem_id),
                    fact.workspace_id,
                    fact.title,
                    fact.severity,
                    fact.frequency,
                    fact.identified_at,
                )
            case ProblemRestated():
                await conn.execute(
                    "UPDATE query_problems SET title = $3, severity = $4, frequency = $5"
                    + _PROBLEM,
                    tenant,
                    str(fact.problem_id),
                    fact.title,
                    fact.severity,
                    fact.frequency,
                )
            case ProblemMerged() | ProblemUnmerged():
                into = str(fact.into) if isinstance(fact, ProblemMerged) else None
                await conn.execute(
                    "UPDATE query_problems SET status = $3, merged_into = $4" + _PROBLEM,
                    tenant,
                    str(fact.problem_id),
                    (ProblemStatus.MERGED if into else ProblemStatus.OPEN).value,
                    into,
                )
            case ProblemClosed() | ProblemReopened():
                closed = isinstance(fact, ProblemClosed)
                await conn.execute(
                    "UPDATE query_problems SET status = $3" + _PROBLEM,
                    tenant,
                    str(fact.problem_id),
                    (ProblemStatus.CLOSED if closed else ProblemStatus.OPEN).value,
                )
            case OpportunityOpened():
                await conn.execute(
                    "INSERT INTO query_opportunities (tenant_id, opportunity_id, workspace_id,"
                    " title, problem_ids, opened_at) VALUES ($1, $2, $3, $4, $5, $6)"
                    " ON CONFLICT (tenant_id, opportunity_id) DO UPDATE SET"
                    " workspace_id = excluded.workspace_id, title = excluded.title,"
                    " problem_ids = excluded.problem_ids, opened_at = excluded.opened_at",
                    tenant,
                    str(fact.opportunity_id),
                    fact.workspace_id,
                    fact.title,
                    [str(p) for p in fact.problem_ids],
                    fact.opened_at,
                )
            case OpportunityRestated():
                await conn.execute(
                    "UPDATE query_opportunities SET title = $3, problem_ids = $4" + _OPPORTUNITY,
                    tenant,
                    str(fact.opportunity_id),
                    fact.title,
                    [str(p) for p in fact.problem_ids],
                )
            case OpportunityEvaluated():
                await conn.execute(
                    "UPDATE query_opportunities SET score = $3,"
                    " evaluations = greatest(evaluations, $4)" + _OPPORTUNITY,
                    tenant,
                    str(fact.opportunity_id),
                    fact.score,
                    fact.evaluation,
                )
            case OpportunityDecided():
                await conn.execute(
                    "UPDATE query_opportunities SET status = $3, decided_at = $4" + _OPPORTUNITY,
                    tenant,
                    str(fact.opportunity_id),
                    STATUS_OF[fact.verdict].value,
                    fact.decided_at,
                )
            case ExperimentDesigned():
                await conn.execute(
                    "INSERT INTO query_experiments (tenant_id, experiment_id, workspace_id,"
                    " opportunity_id, hypothesis, metric, designed_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    " ON CONFLICT (tenant_id, experiment_id) DO UPDATE SET"
                    " workspace_id = excluded.workspace_id,"
                    " opportunity_id = excluded.opportunity_id,"
                    " hypothesis = excluded.hypothesis, metric = excluded.metric,"
                    " designed_at = excluded.designed_at",
                    tenant,
                    str(fact.experiment_id),
                    fact.workspace_id,
                    str(fact.opportunity_id),
                    fact.hypothesis,
                    fact.metric,
                    fact.designed_at,
                )
            case ExperimentRedesigned():
                await conn.execute(
                    "UPDATE query_experiments SET hypothesis = $3, metric = $4" + _EXPERIMENT,
                    tenant,
                    str(fact.experiment_id),
                    fact.hypothesis,
                    fact.metric,
                )
            case ExperimentStarted():
                await conn.execute(
                    "UPDATE query_experiments SET status = $3" + _EXPERIMENT,
                    tenant,
                    str(fact.experiment_id),
                    ExperimentStatus.RUNNING.value,
                )
            case ObservationRecorded():
                await conn.execute(
                    "UPDATE query_experiments SET observations = observations + 1" + _EXPERIMENT,
                    tenant,
                    str(fact.experiment_id),
                )
            case ExperimentConcluded():
                await conn.execute(
                    "UPDATE query_experiments SET status = $3, outcome = $4, learnings = $5,"
                    " concluded_at = $6" + _EXPERIMENT,
                    tenant,
                    str(fact.experiment_id),
                    ExperimentStatus.CONCLUDED.value,
                    fact.outcome.value,
                    fact.learnings,
                    fact.concluded_at,
                )
            case _:
                assert_never(fact)
