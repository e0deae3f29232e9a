"""Feedback items: the events, the state they fold into, and the rules that decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, assert_never
from uuid import UUID, uuid5

from pydantic import Field, StringConstraints
from sextant_kit import Command, Conflict, Decider, Event


class Channel(StrEnum):
    """Where a piece of feedback came from."""

    SUPPORT_TICKET = "support_ticket"
    SALES_CALL = "sales_call"
    SURVEY = "survey"
    APP_STORE = "app_store"
    COMMUNITY = "community"
    CUSTOMER_MEETING = "customer_meeting"
    EMAIL = "email"
    CHAT = "chat"
    INTERNAL = "internal"
    API = "api"


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CustomerRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

FEEDBACK_NAMESPACE = UUID("7b0c5f3e-2a55-4d0b-9b1e-5d8f0c1a7e21")


def feedback_id_for(tenant_id: str, workspace_id: str, source: Channel, external_id: str) -> UUID:
    """The same (source, external id) in a workspace is always the same item."""
    return uuid5(FEEDBACK_NAMESPACE, f"{tenant_id}\n{workspace_id}\n{source.value}\n{external_id}")


# Events -------------------------------------------------------------------------------


class FeedbackReceived(Event):
    event_type = "FeedbackReceived"

    feedback_id: UUID
    workspace_id: str
    text: str
    source: Channel
    external_id: str | None = None
    customer_ref: str | None = None
    received_at: datetime


FeedbackEvent = FeedbackReceived

# Commands -----------------------------------------------------------------------------


class ReceiveFeedback(Command):
    kind: Literal["receive"] = "receive"
    feedback_id: UUID
    workspace_id: str
    text: Text
    source: Channel
    external_id: ExternalId | None = None
    customer_ref: CustomerRef | None = None
    received_at: datetime


FeedbackCommand = Annotated[ReceiveFeedback, Field(discriminator="kind")]

# State --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Feedback:
    received: FeedbackReceived | None = None

    @property
    def exists(self) -> bool:
        return self.received is not None


def initial_state() -> Feedback:
    return Feedback()


def evolve(state: Feedback, event: FeedbackEvent) -> Feedback:
    match event:
        case FeedbackReceived():
            return Feedback(received=event)
        case _:
            assert_never(event)


def decide(command: ReceiveFeedback, state: Feedback) -> list[FeedbackEvent]:
    match command:
        case ReceiveFeedback():
            return _receive(command, state)
        case _:
            assert_never(command)


def _receive(command: ReceiveFeedback, state: Feedback) -> list[FeedbackEvent]:
    if state.received is not None:
        first = state.received
        if (first.text, first.source, first.customer_ref) != (
            command.text,
            command.source,
            command.customer_ref,
        ):
            raise Conflict(
                f"feedback {command.feedback_id} ({command.source.value} "
                f"{command.external_id}) was already received with different content",
                code="feedback-already-received",
            )
        return []  # the same item sent again: nothing new happened
    return [
        FeedbackReceived(
            feedback_id=command.feedback_id,
            workspace_id=command.workspace_id,
            text=command.text,
            source=command.source,
            external_id=command.external_id,
            customer_ref=command.customer_ref,
            received_at=command.received_at,
        )
    ]


feedback_decider: Decider[ReceiveFeedback, FeedbackEvent, Feedback] = Decider(
    initial_state, decide, evolve
)
