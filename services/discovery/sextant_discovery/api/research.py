"""Market insights, personas (versioned) and competitors."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sextant_kit import NotFound
from sextant_kit.api import ID, LATEST_VERSION, MOMENT, TEXT
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
from sextant_discovery.api.inputs import Ctx, Reader, ReasonIn, Writer
from sextant_discovery.domain.common import Name, ShortText, Tag, Text, Title, Url
from sextant_discovery.domain.competitor import (
    ChangeCompetitorStatus,
    CompareFeature,
    CompetitorProfile,
    CompetitorStatus,
    Coverage,
    ProfileCompetitor,
    competitor_decider,
)
from sextant_discovery.domain.insight import (
    RecordInsight,
    ReinstateInsight,
    RetireInsight,
    ReviseInsight,
    TagInsight,
    insight_decider,
)
from sextant_discovery.domain.persona import (
    ArchivePersona,
    CreatePersona,
    PersonaProfile,
    RestorePersona,
    RevisePersona,
    persona_decider,
)

Tags = Annotated[tuple[Tag, ...], Field(max_length=30)]


def shown(only: bool | None, include: bool) -> bool | None:
    """The put-away flag a list keeps: ``only`` that value if given, else current ones
    (``False``), or all (``None``) when ``include`` says so."""
    if only is not None:
        return only
    return None if include else False


class FindingIn(Body):
    title: Title
    market: Name
    segment: Name | None = None
    source: ShortText
    summary: Text
    evidence_links: Annotated[tuple[Url, ...], Field(max_length=50)] = ()


class InsightIn(FindingIn):
    tags: Tags = ()


class TagsIn(Body):
    tags: Tags


class PersonaRevisionIn(Body):
    profile: PersonaProfile
    note: ShortText | None = None


class CompetitorProfileIn(CompetitorProfile):
    """A profile as a request gives it: the website is an http(s) address. (Profiles
    stored before this rule keep whatever they said.)"""

    website: Url | None = None


class FeatureIn(Body):
    feature: Name
    theirs: Coverage
    ours: Coverage
    note: ShortText | None = None


class StatusIn(Body):
    status: CompetitorStatus
    reason: ShortText | None = None


def research_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["research"])
    insights = Aggregate(rt, insight_decider, "insight")
    personas = Aggregate(rt, persona_decider, "persona")
    competitors = Aggregate(rt, competitor_decider, "competitor")

    @api.post("/insights", status_code=201)
    async def record_insight(
        workspace_id: WorkspaceId,
        body: InsightIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Record a research finding with its market, segment, source and evidence links."""
        insight_id = uuid.uuid4()
        command = RecordInsight(
            insight_id=insight_id,
            workspace_id=workspace_id,
            recorded_by=ctx.actor,
            now=ctx.now,
            **body.model_dump(),
        )
        result = await insights.run(
            str(insight_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    async def insight_in(insight_id: uuid.UUID, workspace_id: str, tenant: str) -> None:
        state, _ = await insights.load(str(insight_id), tenant)
        in_workspace(state.exists, state.workspace_id, workspace_id, f"insight {insight_id}")

    @api.put("/insights/{insight_id}")
    async def revise_insight(
        workspace_id: WorkspaceId,
        insight_id: uuid.UUID,
        body: FindingIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Revise what a current insight says: every field as it should stand (its tags
        are changed on their own). A retired one is not revised (409): reinstate it first,
        or record a new one. Sent unchanged, nothing is recorded."""
        await insight_in(insight_id, workspace_id, ctx.tenant_id)
        command = ReviseInsight(
            insight_id=insight_id, actor=ctx.actor, now=ctx.now, **body.model_dump()
        )
        result = await insights.run(
            str(insight_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.put("/insights/{insight_id}/tags")
    async def tag_insight(
        workspace_id: WorkspaceId,
        insight_id: uuid.UUID,
        body: TagsIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Replace the insight's tags."""
        await insight_in(insight_id, workspace_id, ctx.tenant_id)
        command = TagInsight(insight_id=insight_id, tags=body.tags, now=ctx.now)
        result = await insights.run(
            str(insight_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/insights/{insight_id}/retire")
    async def retire_insight(
        workspace_id: WorkspaceId,
        insight_id: uuid.UUID,
        body: ReasonIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await insight_in(insight_id, workspace_id, ctx.tenant_id)
        command = RetireInsight(insight_id=insight_id, reason=body.reason, now=ctx.now)
        result = await insights.run(
            str(insight_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.post("/insights/{insight_id}/reinstate")
    async def reinstate_insight(
        workspace_id: WorkspaceId,
        insight_id: uuid.UUID,
        body: ReasonIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """A retired insight current again, saying why (retired by mistake, or borne out
        after all): listed, revised and attached as evidence again."""
        await insight_in(insight_id, workspace_id, ctx.tenant_id)
        command = ReinstateInsight(
            insight_id=insight_id, reason=body.reason, actor=ctx.actor, now=ctx.now
        )
        result = await insights.run(
            str(insight_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.get("/insights")
    async def list_insights(
        workspace_id: WorkspaceId,
        who: Reader,
        tag: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
        market: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        include_retired: bool = False,
        retired: bool | None = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Newest first, filtered by tag and market (whatever their case, without the spaces
        around them); current ones, all with
        ``include_retired``, or only the retired ones with ``retired=true``."""
        after = decode_cursor(cursor, MOMENT, ID)
        rows = await rt.reads.fetch(
            "SELECT * FROM discovery_insights WHERE tenant_id = $1 AND workspace_id = $2"
            " AND ($3::text IS NULL OR lower(btrim($3)) = ANY(tags))"
            " AND ($4::text IS NULL OR lower(market) = lower(btrim($4)))"
            " AND ($5::bool IS NULL OR retired = $5)"
            " AND ($6::text IS NULL"
            "  OR (recorded_at, insight_id) < ($6::text::timestamptz, $7::text::uuid))"
            " ORDER BY recorded_at DESC, insight_id DESC LIMIT $8",
            who.tenant_id,
            workspace_id,
            tag,
            market,
            shown(retired, include_retired),
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        return page([jsonable(r) for r in rows], limit, "recorded_at", "insight_id")

    @api.get("/insights/{insight_id}")
    async def get_insight(
        workspace_id: WorkspaceId, insight_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        """One insight, retired or not."""
        row = await rt.reads.fetchrow(
            "SELECT * FROM discovery_insights WHERE tenant_id = $1 AND workspace_id = $2"
            " AND insight_id = $3",
            who.tenant_id,
            workspace_id,
            insight_id,
        )
        if row is None:
            raise NotFound(f"insight {insight_id} not found in workspace {workspace_id}")
        return jsonable(row)

    @api.post("/personas", status_code=201)
    async def create_persona(
        workspace_id: WorkspaceId,
        body: PersonaProfile,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Create a persona (version 1): goals, pains, jobs to be done, segment."""
        persona_id = uuid.uuid4()
        command = CreatePersona(
            persona_id=persona_id,
            workspace_id=workspace_id,
            profile=body,
            actor=ctx.actor,
            now=ctx.now,
        )
        result = await personas.run(
            str(persona_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    async def persona_in(persona_id: uuid.UUID, workspace_id: str, tenant: str) -> None:
        state, _ = await personas.load(str(persona_id), tenant)
        in_workspace(state.exists, state.workspace_id, workspace_id, f"persona {persona_id}")

    @api.put("/personas/{persona_id}")
    async def revise_persona(
        workspace_id: WorkspaceId,
        persona_id: uuid.UUID,
        body: PersonaRevisionIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """A new version of the persona; earlier versions stay readable."""
        await persona_in(persona_id, workspace_id, ctx.tenant_id)
        command = RevisePersona(
            persona_id=persona_id,
            profile=body.profile,
            note=body.note,
            actor=ctx.actor,
            now=ctx.now,
        )
        result = await personas.run(
            str(persona_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/personas/{persona_id}/archive")
    async def archive_persona(
        workspace_id: WorkspaceId,
        persona_id: uuid.UUID,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await persona_in(persona_id, workspace_id, ctx.tenant_id)
        command = ArchivePersona(persona_id=persona_id, now=ctx.now)
        result = await personas.run(
            str(persona_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.post("/personas/{persona_id}/restore")
    async def restore_persona(
        workspace_id: WorkspaceId,
        persona_id: uuid.UUID,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """An archived persona current again, its versions as they were: listed, revised
        and named by problems again."""
        await persona_in(persona_id, workspace_id, ctx.tenant_id)
        command = RestorePersona(persona_id=persona_id, actor=ctx.actor, now=ctx.now)
        result = await personas.run(
            str(persona_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.get("/personas")
    async def list_personas(
        workspace_id: WorkspaceId,
        who: Reader,
        segment: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        include_archived: bool = False,
        archived: bool | None = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The workspace's personas by name, each as its current version; archived ones
        too with ``include_archived``, or only those with ``archived=true``."""
        after = decode_cursor(cursor, TEXT, ID)
        rows = await rt.reads.fetch(
            "SELECT * FROM discovery_personas WHERE tenant_id = $1 AND workspace_id = $2"
            " AND ($3::text IS NULL OR profile->>'segment' = $3)"
            " AND ($4::bool IS NULL OR archived = $4)"
            " AND ($5::text IS NULL OR (name, persona_id) > ($5::text, $6::text::uuid))"
            " ORDER BY name, persona_id LIMIT $7",
            who.tenant_id,
            workspace_id,
            segment,
            shown(archived, include_archived),
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        return page([jsonable(r) for r in rows], limit, "name", "persona_id")

    @api.get("/personas/{persona_id}")
    async def get_persona(
        workspace_id: WorkspaceId,
        persona_id: uuid.UUID,
        who: Reader,
        version: Annotated[int | None, Query(ge=1, le=LATEST_VERSION)] = None,
    ) -> dict[str, Any]:
        """The current persona, or with ``?version=N`` that past version (its name and
        profile as they were then; whether it is archived, as it is now)."""
        row = await rt.reads.fetchrow(
            "SELECT * FROM discovery_personas WHERE tenant_id = $1 AND workspace_id = $2"
            " AND persona_id = $3",
            who.tenant_id,
            workspace_id,
            persona_id,
        )
        if row is None:
            raise NotFound(f"persona {persona_id} not found in workspace {workspace_id}")
        out = jsonable(row)
        if version is not None:
            past = await rt.reads.fetchrow(
                "SELECT * FROM discovery_persona_versions WHERE tenant_id = $1"
                " AND persona_id = $2 AND version = $3",
                who.tenant_id,
                persona_id,
                version,
            )
            if past is None:
                raise NotFound(f"persona {persona_id} has no version {version}")
            out = {**out, **jsonable(past)}
            out["name"] = out["profile"]["name"]
        return out

    @api.get("/personas/{persona_id}/history")
    async def persona_history(
        workspace_id: WorkspaceId, persona_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        """Every version of the persona, oldest first."""
        rows = await rt.reads.fetch(
            "SELECT v.* FROM discovery_persona_versions v JOIN discovery_personas p"
            " ON p.tenant_id = v.tenant_id AND p.persona_id = v.persona_id"
            " WHERE v.tenant_id = $1 AND p.workspace_id = $2 AND v.persona_id = $3"
            " ORDER BY v.version",
            who.tenant_id,
            workspace_id,
            persona_id,
        )
        if not rows:
            raise NotFound(f"persona {persona_id} not found in workspace {workspace_id}")
        return {"items": [jsonable(r) for r in rows], "next_cursor": None}

    @api.put("/competitors/{competitor_id}")
    async def profile_competitor(
        workspace_id: WorkspaceId,
        competitor_id: uuid.UUID,
        body: CompetitorProfileIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Create or revise a competitor's profile (the client chooses the id)."""
        state, _ = await competitors.load(str(competitor_id), ctx.tenant_id)
        if state.exists:
            in_workspace(True, state.workspace_id, workspace_id, f"competitor {competitor_id}")
        command = ProfileCompetitor(
            competitor_id=competitor_id, workspace_id=workspace_id, profile=body, now=ctx.now
        )
        result = await competitors.run(
            str(competitor_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=result.started_stream, location=request.url.path)

    async def competitor_in(competitor_id: uuid.UUID, workspace_id: str, tenant: str) -> None:
        state, _ = await competitors.load(str(competitor_id), tenant)
        in_workspace(state.exists, state.workspace_id, workspace_id, f"competitor {competitor_id}")

    @api.post("/competitors/{competitor_id}/features")
    async def compare_feature(
        workspace_id: WorkspaceId,
        competitor_id: uuid.UUID,
        body: FeatureIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await competitor_in(competitor_id, workspace_id, ctx.tenant_id)
        command = CompareFeature(competitor_id=competitor_id, now=ctx.now, **body.model_dump())
        result = await competitors.run(
            str(competitor_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.post("/competitors/{competitor_id}/status")
    async def change_status(
        workspace_id: WorkspaceId,
        competitor_id: uuid.UUID,
        body: StatusIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await competitor_in(competitor_id, workspace_id, ctx.tenant_id)
        command = ChangeCompetitorStatus(
            competitor_id=competitor_id, status=body.status, reason=body.reason, now=ctx.now
        )
        result = await competitors.run(
            str(competitor_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.get("/competitors")
    async def list_competitors(
        workspace_id: WorkspaceId,
        who: Reader,
        status: CompetitorStatus | None = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The competitive landscape: the workspace's competitors by name, each with its
        feature comparison (theirs against ours), so a page reads as a matrix."""
        after = decode_cursor(cursor, TEXT, ID)
        rows = await rt.reads.fetch(
            "SELECT * FROM discovery_competitors WHERE tenant_id = $1 AND workspace_id = $2"
            " AND ($3::text IS NULL OR status = $3)"
            " AND ($4::text IS NULL OR (name, competitor_id) > ($4::text, $5::text::uuid))"
            " ORDER BY name, competitor_id LIMIT $6",
            who.tenant_id,
            workspace_id,
            status,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        features = await rt.reads.fetch(
            "SELECT competitor_id, feature, theirs, ours, note, compared_at"
            " FROM discovery_competitor_features WHERE tenant_id = $1 AND competitor_id = ANY($2)"
            " ORDER BY feature",
            who.tenant_id,
            [r["competitor_id"] for r in rows[:limit]],
        )
        compared: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for f in features:
            compared.setdefault(f["competitor_id"], []).append(
                jsonable({k: v for k, v in f.items() if k != "competitor_id"})
            )
        items = [{**jsonable(r), "features": compared.get(r["competitor_id"], [])} for r in rows]
        return page(items, limit, "name", "competitor_id")

    @api.get("/competitors/{competitor_id}")
    async def get_competitor(
        workspace_id: WorkspaceId, competitor_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        """The profile, the feature comparison and the status history."""
        row = await rt.reads.fetchrow(
            "SELECT * FROM discovery_competitors WHERE tenant_id = $1 AND workspace_id = $2"
            " AND competitor_id = $3",
            who.tenant_id,
            workspace_id,
            competitor_id,
        )
        if row is None:
            raise NotFound(f"competitor {competitor_id} not found in workspace {workspace_id}")
        features = await rt.reads.fetch(
            "SELECT feature, theirs, ours, note, compared_at FROM discovery_competitor_features"
            " WHERE tenant_id = $1 AND competitor_id = $2 ORDER BY feature",
            who.tenant_id,
            competitor_id,
        )
        statuses = await rt.reads.fetch(
            "SELECT status, previous, reason, changed_at FROM discovery_competitor_statuses"
            " WHERE tenant_id = $1 AND competitor_id = $2 ORDER BY changed_at",
            who.tenant_id,
            competitor_id,
        )
        return {
            **jsonable(row),
            "features": [jsonable(f) for f in features],
            "status_history": [jsonable(s) for s in statuses],
        }

    return api
