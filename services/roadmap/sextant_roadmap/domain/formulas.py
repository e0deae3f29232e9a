"""A workspace's custom scoring formulas: one aggregate per workspace."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import assert_never

from sextant_kit import Decider, DomainError

from sextant_roadmap.domain import formula
from sextant_roadmap.domain.commands import DefineScoringFormula
from sextant_roadmap.domain.events import FormulaEvent, ScoringFormulaDefined
from sextant_roadmap.domain.scoring import BUILT_IN, MANUAL


@dataclass(frozen=True, slots=True)
class Formulas:
    expressions: dict[str, str] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)


def initial_state() -> Formulas:
    return Formulas()


def evolve(state: Formulas, event: FormulaEvent) -> Formulas:
    match event:
        case ScoringFormulaDefined():
            return replace(
                state,
                expressions={**state.expressions, event.name: event.expression},
                revisions={**state.revisions, event.name: event.revision},
            )
        case _:
            assert_never(event)


def decide(command: DefineScoringFormula, state: Formulas) -> list[FormulaEvent]:
    if command.name in BUILT_IN or command.name == MANUAL:
        raise DomainError(
            f"{command.name!r} is a built-in model; give the formula another name",
            field="path.name",
        )
    tree = formula.parse(command.expression, name=command.name, field="body.expression")
    inputs = formula.identifiers(tree)
    if not inputs:
        raise DomainError(
            f"formula {command.name!r} reads no inputs; a score must depend on the item",
            field="body.expression",
        )
    if state.expressions.get(command.name) == command.expression:
        return []
    return [
        ScoringFormulaDefined(
            workspace_id=command.workspace_id,
            name=command.name,
            expression=command.expression,
            inputs=sorted(inputs),
            description=command.description,
            revision=state.revisions.get(command.name, 0) + 1,
            defined_at=command.at,
        )
    ]


formulas_decider: Decider[DefineScoringFormula, FormulaEvent, Formulas] = Decider(
    initial_state, decide, evolve
)
