"""A customer account: segment, plan and revenue weight demand; erasure is final.

``contact`` (a person's name or e-mail) arrives sealed with the customer's own key; erasing
the customer destroys that key, so every copy of it in every event becomes unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, assert_never
from uuid import UUID

from pydantic import Field, StringConstraints
from sextant_kit import Command, Conflict, Decider, Event, NotFound

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Segment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Revenue = Annotated[Decimal, Field(ge=0, le=Decimal("1e15"), max_digits=20, decimal_places=2)]


SealedContact = Annotated[
    str | None,
    Field(
        description="The contact, sealed with the customer's own key "
        "(sealed:v1:<customer id>:<base64>, AES-256-GCM): read it through the feedback API, "
        "which opens it until the customer is erased."
    ),
]
AnnualRevenue = Annotated[
    Decimal,
    Field(description='An exact decimal amount, as a JSON string ("1300000.50").'),
]


class CustomerRegistered(Event):
    event_type = "CustomerRegistered"

    customer_id: UUID
    ref: str
    name: str
    segment: str | None = None
    plan: str | None = None
    annual_revenue: AnnualRevenue = Decimal(0)
    contact: SealedContact = None
    registered_at: datetime


class CustomerProfileUpdated(Event):
    event_type = "CustomerProfileUpdated"

    customer_id: UUID
    name: str
    segment: str | None = None
    plan: str | None = None
    annual_revenue: AnnualRevenue = Decimal(0)
    contact: SealedContact = None
    updated_at: datetime


class CustomerErased(Event):
    """The customer's personal data is gone: their key was destroyed."""

    event_type = "CustomerErased"

    customer_id: UUID
    erased_at: datetime


CustomerEvent = CustomerRegistered | CustomerProfileUpdated | CustomerErased


class RegisterCustomer(Command):
    kind: Literal["register"] = "register"
    customer_id: UUID
    ref: str
    name: Name
    segment: Segment | None = None
    plan: Segment | None = None
    annual_revenue: Revenue = Decimal(0)
    contact: str | None = None
    at: datetime


class UpdateCustomerProfile(Command):
    kind: Literal["update"] = "update"
    name: Name
    segment: Segment | None = None
    plan: Segment | None = None
    annual_revenue: Revenue = Decimal(0)
    contact: str | None = None
    at: datetime


class EraseCustomer(Command):
    """Also for a reference only ever seen on feedback: its sealed data is erased all the same."""

    kind: Literal["erase"] = "erase"
    customer_id: UUID
    at: datetime


CustomerCommand = Annotated[
    RegisterCustomer | UpdateCustomerProfile | EraseCustomer, Field(discriminator="kind")
]


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: UUID | None = None
    erased: bool = False


def initial_state() -> Customer:
    return Customer()


def evolve(state: Customer, event: CustomerEvent) -> Customer:
    match event:
        case CustomerRegistered():
            return Customer(customer_id=event.customer_id)
        case CustomerProfileUpdated():
            return state
        case CustomerErased():
            return Customer(customer_id=event.customer_id, erased=True)
        case _:
            assert_never(event)


def decide(
    command: RegisterCustomer | UpdateCustomerProfile | EraseCustomer, state: Customer
) -> list[CustomerEvent]:
    if state.erased:
        if isinstance(command, EraseCustomer):
            return []
        raise Conflict(
            "this customer was erased on request; register a new account under another reference",
            code="customer-erased",
        )
    match command:
        case RegisterCustomer():
            if state.customer_id is not None:
                raise Conflict(
                    f"customer {command.ref} is already registered; update its profile instead",
                    code="customer-exists",
                )
            return [
                CustomerRegistered(
                    **command.model_dump(exclude={"kind", "at"}), registered_at=command.at
                )
            ]
        case UpdateCustomerProfile():
            if state.customer_id is None:
                raise NotFound("no such customer")
            return [
                CustomerProfileUpdated(
                    customer_id=state.customer_id,
                    **command.model_dump(exclude={"kind", "at"}),
                    updated_at=command.at,
                )
            ]
        case EraseCustomer():
            return [CustomerErased(customer_id=command.customer_id, erased_at=command.at)]
        case _:
            assert_never(command)


customer_decider: Decider[
    RegisterCustomer | UpdateCustomerProfile | EraseCustomer, CustomerEvent, Customer
] = Decider(initial_state, decide, evolve)
