"""Customer accounts (organisation-wide): register, update, read, erase on request."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AfterValidator, BaseModel, EmailStr
from sextant_kit import (
    CommandContext,
    CommandHandler,
    Conflict,
    EventMetadata,
    NotFound,
)
from sextant_kit.api import TEXT, decode_cursor, jsonable, page, request_idempotency
from sextant_kit.authz import Access
from sextant_kit.http import (
    Caller,
    IdempotencyKey,
    command_context,
    requires,
    requires_somewhere,
)
from sextant_kit.inputs import Body
from sextant_kit.service import Runtime
from sextant_kit.telemetry import current_traceparent

from sextant_feedback.api.common import Accepted, accepted
from sextant_feedback.domain import (
    CustomerRef,
    EraseCustomer,
    RegisterCustomer,
    UpdateCustomerProfile,
    customer_decider,
    customer_id_for,
)
from sextant_feedback.domain.customer import Name, Revenue, Segment
from sextant_feedback.events import registry
from sextant_feedback.privacy import KeyRing, seal

Ref = Annotated[str, Path(min_length=1, max_length=200, pattern=r"\S"), AfterValidator(str.strip)]
"""A customer's reference as feedback names it: without the spaces around it."""
Context = Annotated[CommandContext, Depends(command_context)]
Reader = Annotated[Caller, Depends(requires_somewhere(Access.READ))]
"""The directory is read by the organisation's readers and by every workspace's: a team
records feedback from, and votes on behalf of, the organisation's customers."""


def shown_to(who: Caller, row: Any) -> dict[str, Any]:
    """A customer as ``who`` may see them: the contact (personal data) to organisation-wide
    readers only, who look after the accounts; a team needs the account, not the person."""
    customer = jsonable(row)
    if not who.may(Access.READ, None):
        customer.pop("contact", None)
    return customer


class CustomerIn(Body):
    name: Name
    segment: Segment | None = None
    plan: Segment | None = None
    annual_revenue: Revenue = Decimal(0)
    contact: EmailStr | None = None
    """A person's e-mail: personal data, sealed with this customer's key."""


class NewCustomerIn(CustomerIn):
    ref: CustomerRef  # as feedback names it: without the spaces around it


COLUMNS = "customer_id, ref, name, segment, plan, annual_revenue, contact, erased"


def customers_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/customers", tags=["customers"])
    handler = CommandHandler(rt.store, registry, customer_decider, stream_type="customer")
    keyring = KeyRing(rt.pool)

    async def sealed_contact(ctx: CommandContext, ref: str, contact: str | None) -> str | None:
        if contact is None:
            return None
        subject = customer_id_for(ctx.tenant_id, ref)
        keys = await keyring.keys(ctx.tenant_id, [subject], create=True)
        if subject not in keys:
            raise Conflict(f"customer {ref} was erased on request", code="customer-erased")
        return seal(keys[subject], subject, contact)

    async def run(
        customer_id: uuid.UUID,
        cmd: Any,
        ctx: CommandContext,
        request: Request,
        body: BaseModel | None,
        idempotency_key: str | None,
        *,
        created: bool | None,
    ) -> Accepted:
        """``cmd`` on the customer's stream; a retry with the same ``idempotency_key``,
        method, path and ``body`` answers as the first did and writes nothing."""
        metadata = EventMetadata.from_context(
            ctx, workspace_id=None, traceparent=current_traceparent()
        )
        idempotency = request_idempotency(idempotency_key, request, body)
        result = await handler.handle(str(customer_id), cmd, metadata, idempotency=idempotency)
        return accepted(result, created=created)

    @api.post("", status_code=201, response_model=Accepted)
    async def register(
        body: NewCustomerIn,
        request: Request,
        _: Annotated[Caller, Depends(requires(Access.WRITE))],
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        customer_id = customer_id_for(ctx.tenant_id, body.ref)
        cmd = RegisterCustomer(
            customer_id=customer_id,
            at=ctx.now,
            **body.model_dump(exclude={"contact"}),
            contact=await sealed_contact(ctx, body.ref, body.contact),
        )
        return await run(customer_id, cmd, ctx, request, body, idempotency_key, created=None)

    @api.put("/{ref:path}", response_model=Accepted)
    async def update(
        ref: Ref,
        body: CustomerIn,
        request: Request,
        _: Annotated[Caller, Depends(requires(Access.WRITE))],
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        customer_id = customer_id_for(ctx.tenant_id, ref)
        cmd = UpdateCustomerProfile(
            at=ctx.now,
            **body.model_dump(exclude={"contact"}),
            contact=await sealed_contact(ctx, ref, body.contact),
        )
        return await run(customer_id, cmd, ctx, request, body, idempotency_key, created=False)

    @api.get("")
    async def directory(
        who: Reader,
        segment: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        plan: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        include_erased: bool = False,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """The organisation's customer accounts by ref, filtered by segment and plan;
        erased ones (their personal data gone) only with ``include_erased``. Read in any
        workspace; the contact only with an organisation-wide role."""
        after = decode_cursor(cursor, TEXT)
        rows = await rt.reads.fetch(
            f"SELECT {COLUMNS} FROM customers WHERE tenant_id = $1"
            " AND ($2::text IS NULL OR segment = $2) AND ($3::text IS NULL OR plan = $3)"
            " AND ($4 OR NOT erased) AND ($5::text IS NULL OR ref > $5)"
            " ORDER BY ref LIMIT $6",
            who.tenant_id,
            segment,
            plan,
            include_erased,
            after[0] if after else None,
            limit + 1,
        )
        return page([shown_to(who, r) for r in rows], limit, "ref")

    @api.get("/{ref:path}")
    async def get(ref: Ref, who: Reader) -> dict[str, Any]:
        row = await rt.reads.fetchrow(
            f"SELECT {COLUMNS} FROM customers WHERE tenant_id = $1 AND customer_id = $2",
            who.tenant_id,
            customer_id_for(who.tenant_id, ref),
        )
        if row is None:
            raise NotFound(f"customer {ref} not found")
        return shown_to(who, row)

    @api.post("/{ref:path}/erasure", response_model=Accepted)
    async def erase(
        ref: Ref,
        request: Request,
        _: Annotated[Caller, Depends(requires(Access.ADMINISTER))],
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        """Erase the customer's personal data (GDPR art. 17): their key is destroyed first,
        so nothing sealed with it can be read again, then CustomerErased is recorded."""
        customer_id = customer_id_for(ctx.tenant_id, ref)
        state, _version = await handler.load(str(customer_id))
        has_data = await keyring.keys(ctx.tenant_id, [customer_id])
        if state.customer_id is None and not has_data:
            raise NotFound(f"customer {ref} not found: nothing of theirs is stored")
        idempotency = request_idempotency(idempotency_key, request, None)
        if idempotency is not None:  # a key another request used is refused before erasing
            await rt.store.earlier_result(ctx.tenant_id, idempotency.key, idempotency.request_hash)
        await keyring.erase(ctx.tenant_id, customer_id)
        cmd = EraseCustomer(customer_id=customer_id, at=ctx.now)
        return await run(customer_id, cmd, ctx, request, None, idempotency_key, created=False)

    return api
