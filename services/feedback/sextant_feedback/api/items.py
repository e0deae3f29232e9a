"""Commands on feedback items: receive (single, batch, meeting notes), tag, vote, link,
triage many at once, merge and unmerge."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError, model_validator
from sextant_kit import (
    CommandContext,
    CommandHandler,
    Conflict,
    DomainError,
    EventMetadata,
    Idempotency,
    NotFound,
)
from sextant_kit.api import request_idempotency, step_key
from sextant_kit.consistency import token_for
from sextant_kit.http import ITEMS_ONE_BY_ONE, IdempotencyKey, command_context
from sextant_kit.ids import id_for_key
from sextant_kit.inputs import Body
from sextant_kit.service import Runtime
from sextant_kit.telemetry import current_traceparent

from sextant_feedback.api.common import Accepted, WorkspaceId, Writer, accepted
from sextant_feedback.domain import (
    AbsorbDuplicate,
    ClassifyFeedback,
    CustomerRef,
    ExternalId,
    FeedbackItem,
    Link,
    LinkFeedback,
    LinkTarget,
    MarkAsDuplicate,
    ReleaseDuplicate,
    SeparateDuplicate,
    Tag,
    TellApart,
    Text,
    TriageFeedback,
    UnlinkFeedback,
    Vote,
    VoteForFeedback,
    WithdrawTellingApart,
    WithdrawVote,
    customer_vote,
    feedback_decider,
)
from sextant_feedback.domain.channels import Channel, Person, Reason
from sextant_feedback.events import registry
from sextant_feedback.ingest import MAX_BATCH, FeedbackIn, Ingestor, Received, first_event
from sextant_feedback.privacy import KeyRing

Context = Annotated[CommandContext, Depends(command_context)]


class BatchIn(Body):
    items: Annotated[list[Any], Field(min_length=1, max_length=MAX_BATCH)]
    """Each item (a feedback item's fields) is validated on its own, so one bad item never
    blocks the others."""


class MeetingNotesIn(Body):
    notes: Text
    attendees: Annotated[list[Person], Field(min_length=1, max_length=100)]
    customer_ref: CustomerRef | None = None
    meeting_at: Received
    external_id: ExternalId | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] = Field(default=[])


class TagsIn(Body):
    add_tags: Annotated[list[Tag], Field(max_length=50)] = Field(default=[])
    remove_tags: Annotated[list[Tag], Field(max_length=50)] = Field(default=[])
    add_themes: Annotated[list[Tag], Field(max_length=20)] = Field(default=[])
    remove_themes: Annotated[list[Tag], Field(max_length=20)] = Field(default=[])


class VoteIn(Body):
    on_behalf_of: CustomerRef | None = None
    """A customer's reference: the vote counts for that account, not for the caller."""


class LinkIn(Body):
    target_type: LinkTarget
    target_id: uuid.UUID
    """The problem's, opportunity's or roadmap item's id, as its own context gave it."""


MAX_TRIAGE = 500
TRIAGE_WRITERS = 4
"""Items of one triage written at once: their commits share the disk's flushes."""


class TriageIn(TagsIn):
    """What to do to every item listed: tags and themes added or removed, a link made."""

    feedback_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_TRIAGE)]
    link: LinkIn | None = None

    @model_validator(mode="after")
    def _does_something(self) -> TriageIn:
        if self.link is None and not (
            self.add_tags or self.remove_tags or self.add_themes or self.remove_themes
        ):
            raise ValueError("nothing to do: add or remove a tag or theme, or give a link")
        return self


class MergeIn(Body):
    into_id: uuid.UUID


class TellApartIn(Body):
    other_id: uuid.UUID
    """The item it is not the same request as."""


class UnmergeIn(Body):
    reason: Reason
    """Why the two are not the same after all: kept in both items' history."""


_REFUSED = {404: "not_found", 409: "conflict"}
"""An item's status in a triage's results when it was refused, by the HTTP status it would
have had on its own (otherwise ``rejected``)."""


def items_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["feedback"])
    handler = CommandHandler(rt.store, registry, feedback_decider, stream_type="feedback")
    keyring = KeyRing(rt.pool)
    ingestor = Ingestor(keyring)

    def metadata(ctx: CommandContext, workspace_id: str) -> EventMetadata:
        return EventMetadata.from_context(
            ctx, workspace_id=workspace_id, traceparent=current_traceparent()
        )

    async def receive_one(
        workspace_id: str,
        item: FeedbackIn,
        request: Request,
        ctx: CommandContext,
        idempotency_key: str | None,
    ) -> JSONResponse:
        (prepared,) = await ingestor.prepare([item], workspace_id, ctx, metadata(ctx, workspace_id))
        if isinstance(prepared, Conflict):
            raise prepared
        idempotency = Idempotency.of(
            idempotency_key, request.url.path, workspace_id, item.model_dump_json()
        )
        result = await handler.create(
            str(prepared.command.feedback_id),
            prepared.command,
            prepared.metadata,
            idempotency=idempotency,
        )
        out = accepted(result)
        return JSONResponse(
            out.model_dump(),
            status_code=201 if out.created else 200,
            headers={"Location": f"/v1/workspaces/{workspace_id}/feedback/{out.id}"},
        )

    @api.post("/feedback", status_code=201, response_model=Accepted)
    async def receive_feedback(
        workspace_id: WorkspaceId,
        body: FeedbackIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Record one piece of feedback; the same (source, external id) again is one item."""
        return await receive_one(workspace_id, body, request, ctx, idempotency_key)

    @api.post("/meeting-notes", status_code=201, response_model=Accepted)
    async def record_meeting_notes(
        workspace_id: WorkspaceId,
        body: MeetingNotesIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Notes of a customer meeting, with its attendees, as a feedback item."""
        item = FeedbackIn(
            text=body.notes,
            source=Channel.CUSTOMER_MEETING,
            external_id=body.external_id,
            customer_ref=body.customer_ref,
            attendees=body.attendees,
            tags=body.tags,
            received_at=body.meeting_at,
        )
        return await receive_one(workspace_id, item, request, ctx, idempotency_key)

    @api.post("/feedback/batch", openapi_extra={ITEMS_ONE_BY_ONE: "items"})
    async def receive_batch(
        workspace_id: WorkspaceId,
        body: BatchIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        """Up to 1,000 items; each is validated on its own and reported on its own. Sent
        again under its ``Idempotency-Key``, it records nothing more: its items that name no
        external id take their ids from the key, and answer ``duplicate``."""
        idempotency = request_idempotency(idempotency_key, request, body)
        if idempotency is not None:  # claimed first: another batch under it writes nothing
            await rt.store.remember(
                ctx.tenant_id, idempotency.key, idempotency.request_hash, "feedback-batch", 0
            )
        results: list[dict[str, Any]] = [{} for _ in body.items]
        valid: list[tuple[int, FeedbackIn]] = []
        for index, raw in enumerate(body.items):
            try:
                valid.append((index, FeedbackIn.model_validate(raw)))
            except ValidationError as error:
                results[index] = {
                    "index": index,
                    "status": "invalid",
                    "errors": [  # the item's own fields; an item that is not an object as itself
                        {
                            "field": ".".join(str(p) for p in e["loc"]) or f"items.{index}",
                            "message": e["msg"],
                        }
                        for e in error.errors()
                    ],
                }
        new_ids = (
            [id_for_key(ctx.tenant_id, step_key(idempotency_key, f"item {i}")) for i, _ in valid]
            if idempotency_key
            else None
        )
        prepared = await ingestor.prepare(
            [item for _, item in valid],
            workspace_id,
            ctx,
            metadata(ctx, workspace_id),
            new_ids=new_ids,
        )
        streams = []
        for (index, _item), outcome in zip(valid, prepared, strict=True):
            if isinstance(outcome, Conflict):
                results[index] = {"index": index, "status": "rejected", "detail": outcome.detail}
            else:
                streams.append((index, outcome, first_event(outcome)))
        created = await rt.store.create_streams([s for _, _, s in streams])
        for index, _prepared, stream in streams:
            # An item sent twice in the batch (one source and external id) is created once.
            position = created.pop(stream.stream_id, None)
            results[index] = {
                "index": index,
                "id": stream.stream_id,
                "status": "created" if position is not None else "duplicate",
                "position": position,
            }
        summary: dict[str, int] = {}
        for r in results:
            summary[r["status"]] = summary.get(r["status"], 0) + 1
        positions = [r["position"] for r in results if r.get("position") is not None]
        return {
            "summary": summary,
            "results": results,
            "consistency_token": token_for("feedback", positions),
        }

    async def found(
        tenant_id: str, workspace_id: str, feedback_id: uuid.UUID
    ) -> tuple[FeedbackItem, int]:
        """The item and its version; a 404 when it is not in the organisation's workspace."""
        state, version = await handler.load_for(str(feedback_id), tenant_id)
        if not state.exists or state.workspace_id != workspace_id:
            raise NotFound(f"feedback {feedback_id} not found in workspace {workspace_id}")
        return state, version

    async def told_apart_by(
        tenant_id: str, workspace_id: str, feedback_id: uuid.UUID, other_id: uuid.UUID
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Of the two items, each that holds the other as told apart, as (holder, other).
        A pair is recorded on the item it was told on, so either may hold it. (An item
        named twice holds nothing: the item's rule refuses it, naming ``other_id``.)"""
        item, _v = await found(tenant_id, workspace_id, feedback_id)
        other, _o = await found(tenant_id, workspace_id, other_id)
        return [
            (holder, held)
            for state, holder, held in (
                (item, feedback_id, other_id),
                (other, other_id, feedback_id),
            )
            if held in state.told_apart
        ]

    async def command(
        workspace_id: str,
        feedback_id: uuid.UUID,
        cmd: Any,
        ctx: CommandContext,
        request: Request,
        *,
        body: BaseModel | None,
        idempotency_key: str | None,
        expected_version: int | None = None,
    ) -> Accepted:
        """``cmd`` on one item; a retry with the same ``idempotency_key``, method, path and
        ``body`` answers as the first did and writes nothing."""
        await found(ctx.tenant_id, workspace_id, feedback_id)
        result = await handler.handle(
            str(feedback_id),
            cmd,
            metadata(ctx, workspace_id),
            expected_version=expected_version,
            idempotency=request_idempotency(idempotency_key, request, body),
        )
        return accepted(result, created=False)

    @api.post("/feedback/triage")
    async def triage(
        workspace_id: WorkspaceId, body: TriageIn, request: Request, _: Writer, ctx: Context
    ) -> dict[str, Any]:
        """Tag, theme and link up to 500 items at once, as a team works through its inbox.
        Each item is decided and written on its own and reported on its own: one missing or
        merged does not hold the others back, and sending it again changes nothing more."""
        link = None
        if body.link is not None:
            link = Link(target_type=body.link.target_type, target_id=str(body.link.target_id))
        cmd = TriageFeedback(
            **body.model_dump(exclude={"feedback_ids", "link"}),
            link=link,
            at=ctx.now,
        )
        writers = asyncio.Semaphore(TRIAGE_WRITERS)

        async def one(feedback_id: uuid.UUID) -> dict[str, Any]:
            outcome: dict[str, Any] = {"feedback_id": str(feedback_id)}
            try:
                async with writers:
                    done = await command(
                        workspace_id,
                        feedback_id,
                        cmd,
                        ctx,
                        request,
                        body=None,
                        idempotency_key=None,
                    )
            except DomainError as error:
                status = _REFUSED.get(error.status, "rejected")
                return outcome | {"status": status, "code": error.code, "detail": error.detail}
            changed = "changed" if done.positions else "unchanged"
            return outcome | {"status": changed, "positions": done.positions}

        # each once, in the order given
        results = await asyncio.gather(*(one(i) for i in dict.fromkeys(body.feedback_ids)))
        positions = [p for r in results for p in r.get("positions", [])]
        summary: dict[str, int] = {}
        for r in results:
            summary[r["status"]] = summary.get(r["status"], 0) + 1
        return {
            "summary": summary,
            "results": results,
            "consistency_token": token_for("feedback", positions),
        }

    @api.post("/feedback/{feedback_id}/tags", response_model=Accepted)
    async def classify(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        body: TagsIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        """Add or remove tags and themes."""
        cmd = ClassifyFeedback(**body.model_dump(), at=ctx.now)
        return await command(
            workspace_id, feedback_id, cmd, ctx, request, body=body, idempotency_key=idempotency_key
        )

    @api.post("/feedback/{feedback_id}/votes", response_model=Accepted)
    async def vote(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        body: VoteIn,
        request: Request,
        who: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        """A vote by the caller, or on behalf of a customer account; one per voter. None
        is cast on behalf of an account erased on request (409 ``customer-erased``), as no
        feedback is attributed to one."""
        if body.on_behalf_of is None:
            the_vote = Vote(voter=who.actor)
        else:
            the_vote = customer_vote(ctx.tenant_id, body.on_behalf_of)
            if the_vote.customer_id and await keyring.erased(ctx.tenant_id, the_vote.customer_id):
                raise Conflict(
                    f"customer {body.on_behalf_of} was erased on request; votes can no longer"
                    " be cast on their behalf",
                    code="customer-erased",
                )
        cmd = VoteForFeedback(vote=the_vote, at=ctx.now)
        return await command(
            workspace_id, feedback_id, cmd, ctx, request, body=body, idempotency_key=idempotency_key
        )

    @api.delete("/feedback/{feedback_id}/votes", response_model=Accepted)
    async def withdraw_vote(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        request: Request,
        who: Writer,
        ctx: Context,
        on_behalf_of: Annotated[CustomerRef | None, Query()] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        """Take back the caller's own vote, or the one on behalf of a customer account
        (``on_behalf_of``); one never cast is a 422 naming ``on_behalf_of``."""
        if on_behalf_of is None:
            voter = who.actor
        else:
            voter = customer_vote(ctx.tenant_id, on_behalf_of).voter
        cmd = WithdrawVote(voter=voter, at=ctx.now)
        return await command(
            workspace_id, feedback_id, cmd, ctx, request, body=None, idempotency_key=idempotency_key
        )

    @api.post("/feedback/{feedback_id}/links", response_model=Accepted)
    async def link(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        body: LinkIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        """Link to a problem, opportunity or roadmap item; the other contexts count it."""
        cmd = LinkFeedback(
            link=Link(target_type=body.target_type, target_id=str(body.target_id)), at=ctx.now
        )
        return await command(
            workspace_id, feedback_id, cmd, ctx, request, body=body, idempotency_key=idempotency_key
        )

    @api.delete("/feedback/{feedback_id}/links/{target_type}/{target_id}", response_model=Accepted)
    async def unlink(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        target_type: LinkTarget,
        target_id: uuid.UUID,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        link_ = Link(target_type=target_type, target_id=str(target_id))
        cmd = UnlinkFeedback(link=link_, at=ctx.now)
        return await command(
            workspace_id, feedback_id, cmd, ctx, request, body=None, idempotency_key=idempotency_key
        )

    @api.post("/feedback/{feedback_id}/tell-apart", response_model=Accepted)
    async def tell_apart(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        body: TellApartIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        """Not the same request as ``other_id``, though their words are alike: the likely
        duplicates and either item's similar items no longer offer the two together. Told
        once, either way round, it is recorded once."""
        holders = await told_apart_by(ctx.tenant_id, workspace_id, feedback_id, body.other_id)
        holder, other = holders[0] if holders else (feedback_id, body.other_id)
        cmd = TellApart(other_id=other, at=ctx.now)
        return await command(
            workspace_id, holder, cmd, ctx, request, body=body, idempotency_key=idempotency_key
        )

    @api.delete("/feedback/{feedback_id}/told-apart/{other_id}", response_model=Accepted)
    async def withdraw_telling_apart(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        other_id: uuid.UUID,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        """Told apart from ``other_id`` by mistake, either way round: the two may be offered
        as likely duplicates again. A pair never told apart is a 422 naming ``other_id``."""
        holders = await told_apart_by(ctx.tenant_id, workspace_id, feedback_id, other_id)
        withdrawn = []
        # held by neither: the rule's 422; by both (told either way round before one
        # record was kept): each withdraws, the second under a key of its own
        for n, (holder, other) in enumerate(holders or [(feedback_id, other_id)]):
            key = step_key(idempotency_key, str(n)) if n else idempotency_key
            cmd = WithdrawTellingApart(other_id=other, at=ctx.now)
            withdrawn.append(
                await command(
                    workspace_id, holder, cmd, ctx, request, body=None, idempotency_key=key
                )
            )
        return withdrawn[0]

    @api.post("/feedback/{feedback_id}/merge", response_model=Accepted)
    async def merge(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        body: MergeIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        """Merge this (duplicate) item into ``into_id``: its votes and links move there,
        and its customer counts there as a vote on that customer's behalf; both originals
        stay in the history.

        The duplicate is marked first, at the version read, so of two merges of one
        duplicate into different items only one takes it; the item it went into absorbs
        it after. A retry (with the ``Idempotency-Key``, or without one into the same item)
        finishes a merge that stopped between the two. When that item was merged into
        another meanwhile (someone merging the two the other way at once), the duplicate
        stands on its own again and the merge is a 409: neither is lost between them."""
        if body.into_id == feedback_id:
            raise DomainError("an item cannot be merged into itself", field="into_id")
        duplicate, version = await found(ctx.tenant_id, workspace_id, feedback_id)
        target, _t = await found(ctx.tenant_id, workspace_id, body.into_id)
        if target.merged_into is not None:
            raise Conflict(
                f"feedback {body.into_id} was itself merged into {target.merged_into}; "
                "merge into that item",
                code="feedback-merged",
            )
        marked = None
        if duplicate.merged_into == body.into_id:  # marked already: absorb what it carried
            links = duplicate.moved_links
        else:
            links = tuple(sorted(duplicate.links, key=lambda k: (k.target_type, k.target_id)))
        if duplicate.merged_into != body.into_id or idempotency_key:  # a key answers as before
            marked = await command(
                workspace_id,
                feedback_id,
                MarkAsDuplicate(into_id=body.into_id, at=ctx.now),
                ctx,
                request,
                body=body,
                idempotency_key=idempotency_key,
                expected_version=version,
            )
        absorb = AbsorbDuplicate(
            duplicate_id=feedback_id,
            votes=list(duplicate.votes),
            links=list(links),
            customer_vote=(
                customer_vote(ctx.tenant_id, duplicate.customer_ref)
                if duplicate.customer_ref
                else None
            ),
            at=ctx.now,
        )
        try:
            absorbed = await command(
                workspace_id,
                body.into_id,
                absorb,
                ctx,
                request,
                body=body,
                idempotency_key=step_key(idempotency_key, "absorb"),
            )
        except Conflict as refused:
            if refused.code != "feedback-merged":
                raise
            reason = f"{body.into_id} was merged into another item before it took this one in"
            await command(
                workspace_id,
                feedback_id,
                SeparateDuplicate(reason=reason, at=ctx.now),
                ctx,
                request,
                body=body,
                idempotency_key=step_key(idempotency_key, "stand-alone"),
            )
            raise Conflict(
                f"feedback {body.into_id} was merged into another item meanwhile, so "
                f"{feedback_id} stands on its own again; look at both and merge again",
                code="feedback-merged",
            ) from None
        return _both(marked, absorbed)

    @api.post("/feedback/{feedback_id}/unmerge", response_model=Accepted)
    async def unmerge(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        body: UnmergeIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        """Separate an item merged by mistake from the item it went into: it stands on its
        own again with its links, and that item gives back the votes and links that came
        only with it (those it had itself, or that another duplicate brought too, stay).

        The duplicate is separated first, at the version read, then the other item
        releases it; a retry finishes one that stopped between the two."""
        duplicate, version = await found(ctx.tenant_id, workspace_id, feedback_id)
        into = duplicate.merged_into or duplicate.unmerged_from
        if into is None:
            raise _not_merged(feedback_id)
        target, _t = await handler.load_for(str(into), ctx.tenant_id)
        # Merged itself before it took the duplicate in (two merged into each other at once,
        # before that was refused), or not this organisation's: it has nothing to give back.
        never_took = not target.exists or (
            target.merged_into is not None and feedback_id not in target.absorbed
        )
        separates = duplicate.merged_into is not None or idempotency_key  # a key answers again
        if never_took and not separates:
            raise _not_merged(feedback_id)
        if target.merged_into is not None and not never_took:
            raise Conflict(
                f"feedback {into}, which {feedback_id} was merged into, was itself merged into"
                f" {target.merged_into}; unmerge {into} first",
                code="feedback-merged",
            )
        separated = None
        if separates:
            separated = await command(
                workspace_id,
                feedback_id,
                SeparateDuplicate(reason=body.reason, at=ctx.now),
                ctx,
                request,
                body=body,
                idempotency_key=idempotency_key,
                expected_version=version,
            )
        if never_took and separated is not None:
            return separated
        released = await command(
            workspace_id,
            into,
            ReleaseDuplicate(duplicate_id=feedback_id, reason=body.reason, at=ctx.now),
            ctx,
            request,
            body=body,
            idempotency_key=step_key(idempotency_key, "release"),
        )
        return _both(separated, released)

    return api


def _not_merged(feedback_id: uuid.UUID) -> Conflict:
    return Conflict(f"feedback {feedback_id} is not merged into another item", code="not-merged")


def _both(first: Accepted | None, then: Accepted) -> Accepted:
    """The answer to a command on two items: the first item's, with the positions of both
    and the token of the later, so a read that passes it sees both applied."""
    if first is None:
        return then
    positions = sorted({*first.positions, *then.positions})
    return first.model_copy(
        update={
            "positions": positions,
            "consistency_token": token_for("feedback", positions) or first.consistency_token,
        }
    )
