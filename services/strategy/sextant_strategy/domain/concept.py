"""The product concept: the problem, for whom, the value and what sets it apart."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Literal, assert_never
from uuid import UUID

from pydantic import Field
from sextant_kit import Command, Conflict, Decider, DomainError, Event, NotFound

from sextant_strategy.domain.common import ShortText, Text, Title

Personas = Annotated[tuple[ShortText, ...], Field(min_length=1, max_length=20)]
Differentiators = Annotated[tuple[ShortText, ...], Field(max_length=20)]


class ConceptDrafted(Event):
    event_type = "ConceptDrafted"
    concept_id: UUID
    workspace_id: str
    name: str
    problem: str
    personas: tuple[str, ...]
    value_proposition: str
    differentiators: tuple[str, ...]
    drafted_at: datetime


class ConceptRevised(Event):
    event_type = "ConceptRevised"
    concept_id: UUID
    name: str
    problem: str
    personas: tuple[str, ...]
    value_proposition: str
    differentiators: tuple[str, ...]
    revised_at: datetime


class ConceptLinkedToOpportunity(Event):
    event_type = "ConceptLinkedToOpportunity"
    audit_part = ("opportunity_id",)
    concept_id: UUID
    opportunity_id: UUID


class ConceptUnlinkedFromOpportunity(Event):
    event_type = "ConceptUnlinkedFromOpportunity"
    audit_part = ("opportunity_id",)
    concept_id: UUID
    opportunity_id: UUID


ConceptEvent = (
    ConceptDrafted | ConceptRevised | ConceptLinkedToOpportunity | ConceptUnlinkedFromOpportunity
)


class ConceptContent(Command):
    name: Title
    problem: Text
    personas: Personas
    value_proposition: Text
    differentiators: Differentiators = ()


class DraftConcept(ConceptContent):
    kind: Literal["draft"] = "draft"
    concept_id: UUID
    workspace_id: str
    now: datetime


class ReviseConcept(ConceptContent):
    kind: Literal["revise"] = "revise"
    concept_id: UUID
    now: datetime


class LinkOpportunity(Command):
    kind: Literal["link"] = "link"
    concept_id: UUID
    opportunity_id: UUID


class UnlinkOpportunity(Command):
    kind: Literal["unlink"] = "unlink"
    concept_id: UUID
    opportunity_id: UUID


ConceptCommand = DraftConcept | ReviseConcept | LinkOpportunity | UnlinkOpportunity


@dataclass(frozen=True, slots=True)
class ConceptBody:
    """What the concept says, as of its latest revision."""

    name: str
    problem: str
    personas: tuple[str, ...]
    value_proposition: str
    differentiators: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Concept:
    drafted: ConceptDrafted | None = None
    body: ConceptBody | None = None
    opportunity_ids: frozenset[UUID] = frozenset()

    @property
    def exists(self) -> bool:
        return self.drafted is not None

    @property
    def workspace_id(self) -> str | None:
        return self.drafted.workspace_id if self.drafted else None


def _content(event: ConceptDrafted | ConceptRevised | ConceptContent) -> ConceptBody:
    return ConceptBody(
        name=event.name,
        problem=event.problem,
        personas=tuple(event.personas),
        value_proposition=event.value_proposition,
        differentiators=tuple(event.differentiators),
    )


def initial_state() -> Concept:
    return Concept()


def evolve(state: Concept, event: ConceptEvent) -> Concept:
    match event:
        case ConceptDrafted():
            return Concept(drafted=event, body=_content(event))
        case ConceptRevised():
            return replace(state, body=_content(event))
        case ConceptLinkedToOpportunity():
            return replace(state, opportunity_ids=state.opportunity_ids | {event.opportunity_id})
        case ConceptUnlinkedFromOpportunity():
            return replace(state, opportunity_ids=state.opportunity_ids - {event.opportunity_id})
        case _:
            assert_never(event)


def _existing(state: Concept, concept_id: UUID) -> None:
    if not state.exists:
        raise NotFound(f"product concept {concept_id} does not exist")


def decide(command: ConceptCommand, state: Concept) -> list[ConceptEvent]:
    match command:
        case DraftConcept():
            if state.exists:
                raise Conflict(f"product concept {command.concept_id} already exists")
            return [
                ConceptDrafted(
                    **command.model_dump(exclude={"kind", "now"}), drafted_at=command.now
                )
            ]
        case ReviseConcept():
            _existing(state, command.concept_id)
            if _content(command) == state.body:
                return []
            return [
                ConceptRevised(
                    **command.model_dump(exclude={"kind", "now"}), revised_at=command.now
                )
            ]
        case LinkOpportunity():
            _existing(state, command.concept_id)
            if command.opportunity_id in state.opportunity_ids:
                return []
            return [ConceptLinkedToOpportunity(**command.model_dump(exclude={"kind"}))]
        case UnlinkOpportunity():
            _existing(state, command.concept_id)
            if command.opportunity_id not in state.opportunity_ids:
                raise DomainError(
                    f"concept {command.concept_id} is not linked to opportunity "
                    f"{command.opportunity_id}; nothing to unlink",
                    field="opportunity_id",
                )
            return [ConceptUnlinkedFromOpportunity(**command.model_dump(exclude={"kind"}))]
        case _:
            assert_never(command)


concept_decider: Decider[ConceptCommand, ConceptEvent, Concept] = Decider(
    initial_state, decide, evolve
)
