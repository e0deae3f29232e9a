"""Experiments and MVPs; concluding one adds evidence to its opportunity."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sextant_kit import NotFound
from sextant_kit.api import ID, MOMENT
from sextant_kit.http import IdempotencyKey
from sextant_kit.inputs import Body
from sextant_kit.service import Runtime

from sextant_discovery.api.common import (
    Aggregate,
    Cursor,
    IfMatch,
    Limit,
    WorkspaceId,
    answer,
    decode_cursor,
    in_workspace,
    jsonable,
    page,
)
from sextant_discovery.api.inputs import Ctx, Decider_, Reader, Writer
from sextant_discovery.domain.common import Name, ShortText, Text
from sextant_discovery.domain.experiment import (
    ConcludeExperiment,
    DesignExperiment,
    Direction,
    ExperimentDesigned,
    MetricUnit,
    RecordObservation,
    RedesignExperiment,
    StartExperiment,
    experiment_decider,
)
from sextant_discovery.domain.opportunity import opportunity_decider
from sextant_discovery.domain.opportunity_events import AddExperimentEvidence, Outcome

Finite = Annotated[float, Field(allow_inf_nan=False)]


class ExperimentIn(Body):
    opportunity_id: uuid.UUID
    solution_id: uuid.UUID | None = None
    hypothesis: Text
    metric: Name
    unit: MetricUnit
    direction: Direction = Direction.AT_LEAST
    threshold: Finite


class RedesignIn(Body):
    solution_id: uuid.UUID | None = None
    hypothesis: Text
    metric: Name
    unit: MetricUnit
    direction: Direction = Direction.AT_LEAST
    threshold: Finite


class ObservationIn(Body):
    value: Finite
    note: ShortText | None = None


class ConclusionIn(Body):
    outcome: Outcome
    learnings: Text


def experiment_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["experiments"])
    experiments = Aggregate(rt, experiment_decider, "experiment")
    opportunities = Aggregate(rt, opportunity_decider, "opportunity")

    async def experiment_in(
        experiment_id: uuid.UUID, workspace_id: str, tenant: str
    ) -> ExperimentDesigned:
        """The experiment's design as it stands, when it is one of the workspace's."""
        state, _ = await experiments.load(str(experiment_id), tenant)
        owner = state.designed.workspace_id if state.designed else None
        in_workspace(state.exists, owner, workspace_id, f"experiment {experiment_id}")
        assert state.designed is not None
        return state.designed

    @api.post("/experiments", status_code=201)
    async def design_experiment(
        workspace_id: WorkspaceId,
        body: ExperimentIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """A hypothesis with a success metric and threshold, on an opportunity."""
        opportunity, _ = await opportunities.load(str(body.opportunity_id), ctx.tenant_id)
        in_workspace(
            opportunity.exists,
            opportunity.workspace_id,
            workspace_id,
            f"opportunity {body.opportunity_id}",
        )
        experiment_id = uuid.uuid4()
        command = DesignExperiment(
            experiment_id=experiment_id,
            workspace_id=workspace_id,
            opportunity_status=opportunity.status,
            solution_known=body.solution_id is None or body.solution_id in opportunity.solutions,
            actor=ctx.actor,
            now=ctx.now,
            **body.model_dump(),
        )
        result = await experiments.run(
            str(experiment_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    @api.put("/experiments/{experiment_id}")
    async def redesign_experiment(
        workspace_id: WorkspaceId,
        experiment_id: uuid.UUID,
        body: RedesignIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Redesign an experiment that has not started: its hypothesis, the solution it
        tests, its metric and threshold, every field as it should stand. Once started, its
        design is fixed (409). Sent unchanged, nothing is recorded."""
        state, _ = await experiments.load(str(experiment_id), ctx.tenant_id)
        owner = state.designed.workspace_id if state.designed else None
        in_workspace(state.exists, owner, workspace_id, f"experiment {experiment_id}")
        assert state.designed is not None
        opportunity, _ = await opportunities.load(str(state.designed.opportunity_id), ctx.tenant_id)
        command = RedesignExperiment(
            experiment_id=experiment_id,
            solution_known=body.solution_id is None or body.solution_id in opportunity.solutions,
            actor=ctx.actor,
            now=ctx.now,
            **body.model_dump(),
        )
        result = await experiments.run(
            str(experiment_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/experiments/{experiment_id}/start")
    async def start(
        workspace_id: WorkspaceId,
        experiment_id: uuid.UUID,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        designed = await experiment_in(experiment_id, workspace_id, ctx.tenant_id)
        opportunity, _ = await opportunities.load(str(designed.opportunity_id), ctx.tenant_id)
        command = StartExperiment(
            experiment_id=experiment_id, opportunity_status=opportunity.status, now=ctx.now
        )
        result = await experiments.run(
            str(experiment_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.post("/experiments/{experiment_id}/observations", status_code=201)
    async def observe(
        workspace_id: WorkspaceId,
        experiment_id: uuid.UUID,
        body: ObservationIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await experiment_in(experiment_id, workspace_id, ctx.tenant_id)
        command = RecordObservation(
            experiment_id=experiment_id, value=body.value, note=body.note, now=ctx.now
        )
        result = await experiments.run(
            str(experiment_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True)

    @api.post("/experiments/{experiment_id}/conclude")
    async def conclude(
        workspace_id: WorkspaceId,
        experiment_id: uuid.UUID,
        body: ConclusionIn,
        request: Request,
        who: Decider_,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Validated, invalidated or inconclusive, with learnings; feeds the opportunity.

        Validated or invalidated must be what the latest observation says against the
        threshold; inconclusive is always open."""
        await experiment_in(experiment_id, workspace_id, ctx.tenant_id)
        command = ConcludeExperiment(
            experiment_id=experiment_id,
            outcome=body.outcome,
            learnings=body.learnings,
            actor=ctx.actor,
            now=ctx.now,
        )
        result = await experiments.run(
            str(experiment_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        state, _ = await experiments.load(str(experiment_id), ctx.tenant_id)
        assert state.designed is not None
        # A second stream: the conclusion is recorded first; retrying adds the evidence once.
        await opportunities.run(
            str(state.designed.opportunity_id),
            AddExperimentEvidence(
                opportunity_id=state.designed.opportunity_id,
                experiment_id=experiment_id,
                outcome=body.outcome,
                learnings=body.learnings,
                now=ctx.now,
            ),
            ctx,
            request,
            workspace_id=workspace_id,
        )
        return answer(result, create=False)

    @api.get("/experiments/{experiment_id}")
    async def get_experiment(
        workspace_id: WorkspaceId, experiment_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        row = await rt.reads.fetchrow(
            "SELECT * FROM discovery_experiments WHERE tenant_id = $1 AND workspace_id = $2"
            " AND experiment_id = $3",
            who.tenant_id,
            workspace_id,
            experiment_id,
        )
        if row is None:
            raise NotFound(f"experiment {experiment_id} not found in workspace {workspace_id}")
        observations = await rt.reads.fetch(
            "SELECT value, note, observed_at FROM discovery_observations WHERE tenant_id = $1"
            " AND experiment_id = $2 ORDER BY observed_at",
            who.tenant_id,
            experiment_id,
        )
        return {**jsonable(row), "observations": [jsonable(o) for o in observations]}

    @api.get("/opportunities/{opportunity_id}/experiments")
    async def experiment_log(
        workspace_id: WorkspaceId,
        opportunity_id: uuid.UUID,
        who: Reader,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The opportunity's experiments, newest first, with their observation counts."""
        after = decode_cursor(cursor, MOMENT, ID)
        rows = await rt.reads.fetch(
            "SELECT e.*, (SELECT count(*) FROM discovery_observations o"
            "  WHERE o.tenant_id = e.tenant_id AND o.experiment_id = e.experiment_id)"
            "  AS observation_count"
            " FROM discovery_experiments e WHERE e.tenant_id = $1 AND e.workspace_id = $2"
            " AND e.opportunity_id = $3 AND ($4::text IS NULL"
            "  OR (e.designed_at, e.experiment_id) < ($4::text::timestamptz, $5::text::uuid))"
            " ORDER BY e.designed_at DESC, e.experiment_id DESC LIMIT $6",
            who.tenant_id,
            workspace_id,
            opportunity_id,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        if (
            not rows
            and after is None
            and not await rt.reads.fetchval(
                "SELECT 1 FROM discovery_opportunities WHERE tenant_id = $1 AND workspace_id = $2"
                " AND opportunity_id = $3",
                who.tenant_id,
                workspace_id,
                opportunity_id,
            )
        ):
            raise NotFound(f"opportunity {opportunity_id} not found in workspace {workspace_id}")
        return page([jsonable(r) for r in rows], limit, "designed_at", "experiment_id")

    return api
