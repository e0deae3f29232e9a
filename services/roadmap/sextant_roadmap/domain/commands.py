"""The roadmap context's commands: imperative, validated at the edge, carrying time and ids."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sextant_kit import Command
from sextant_kit.inputs import Body

from sextant_roadmap.domain.events import (
    Audience,
    DeliveryState,
    ItemStatus,
    ItemType,
    Scope,
    Tracker,
)
from sextant_roadmap.domain.schedule import Horizon

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
WorkspaceRef = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
FormulaName = Annotated[
    str, StringConstraints(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")
]


class TimeframeIn(Body):
    """A quarter (``2026-Q3``), a month (``2026-07``) or explicit dates."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["quarter", "month", "dates"]
    value: Annotated[str, StringConstraints(max_length=20)] | None = None
    start: date | None = None
    end: date | None = None


class OnRoadmap(Command):
    """Every roadmap command names its roadmap, where the caller found it, and when; and
    where the caller may change a portfolio roadmap's items, each filed under a workspace
    it spans: only in ``only_in`` when given (a team member's workspaces), never in
    ``kept_out`` (where a lesser role keeps an organisation-wide writer out)."""

    roadmap_id: UUID
    tenant_id: str
    workspace_id: str
    at: datetime
    only_in: frozenset[str] | None = None
    kept_out: frozenset[str] = frozenset()

    def may_change(self, workspace_id: str) -> bool:
        """Whether the caller may change what is filed under ``workspace_id``."""
        if workspace_id in self.kept_out:
            return False
        return self.only_in is None or workspace_id in self.only_in


class CreateRoadmap(OnRoadmap):
    name: Name
    description: Text = ""
    scope: Scope = "workspace"
    workspaces: list[WorkspaceRef] = Field(default_factory=list, max_length=50)


class RenameRoadmap(OnRoadmap):
    """Fields left out stay as they are."""

    name: Name | None = None
    description: Text | None = None


class ArchiveRoadmap(OnRoadmap):
    note: Reason = ""


class RestoreRoadmap(OnRoadmap):
    pass


class ItemFields(BaseModel):
    """An item as it is added, alone (``AddItem``) or in a batch (``NewItem``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: UUID
    title: Name
    description: Text = ""
    type: ItemType
    owner: Ref | None = None
    team: Ref | None = None
    item_workspace_id: WorkspaceRef | None = None
    objective_ids: list[Ref] = Field(default_factory=list, max_length=50)
    opportunity_ids: list[Ref] = Field(default_factory=list, max_length=50)


class AddItem(OnRoadmap, ItemFields):
    pass


class NewItem(ItemFields):
    """One item of a batch: what ``AddItem`` takes, and optionally where it goes."""

    horizon: Horizon | None = None
    timeframe: TimeframeIn | None = None


class AddItems(OnRoadmap):
    """Many items at once (an import): all are added, or none."""

    items: list[NewItem] = Field(min_length=1, max_length=1000)


class ChangeItemDetails(OnRoadmap):
    """Fields left out stay as they are."""

    item_id: UUID
    title: Name | None = None
    description: Text | None = None
    owner: Ref | None = None
    team: Ref | None = None
    objective_ids: list[Ref] | None = Field(default=None, max_length=50)
    opportunity_ids: list[Ref] | None = Field(default=None, max_length=50)


class ChangeItemStatus(OnRoadmap):
    item_id: UUID
    to: ItemStatus
    reason: Reason = ""


class ScoreItem(OnRoadmap):
    """``formula`` is the custom formula's expression, looked up by the API; built-ins need none."""

    item_id: UUID
    model: FormulaName
    inputs: dict[Annotated[str, StringConstraints(max_length=50)], float] = Field(max_length=20)
    formula: str | None = None


class ReorderItems(OnRoadmap):
    order: list[UUID] = Field(min_length=1, max_length=2000)


class ScheduleItem(OnRoadmap):
    item_id: UUID
    horizon: Horizon
    timeframe: TimeframeIn | None = None
    reason: Reason = ""


class DependencyEdge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: UUID
    depends_on: UUID


class AddDependency(OnRoadmap):
    """``graph`` is the rest of the dependency graph (other roadmaps), gathered by the API;
    ``titles`` names the items of it the caller may read, for naming a cycle."""

    item_id: UUID
    depends_on_roadmap_id: UUID
    depends_on_item_id: UUID
    depends_on_workspace_id: str
    depends_on_exists: bool = True
    graph: list[DependencyEdge] = Field(default_factory=list)
    titles: dict[UUID, str] = Field(default_factory=dict)


class RemoveDependency(OnRoadmap):
    item_id: UUID
    depends_on_item_id: UUID


class PublishVersion(OnRoadmap):
    audience: Audience
    title: Name
    notes: Text = ""


class CommitToDelivery(OnRoadmap):
    item_id: UUID
    tracker: Tracker
    project_key: Ref


class RecordDeliveryStatus(OnRoadmap):
    item_id: UUID
    tracker: Tracker
    external_key: Ref
    external_status: Ref
    state: DeliveryState
    url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    changed_at: datetime | None = None


RoadmapCommand = (
    CreateRoadmap
    | RenameRoadmap
    | ArchiveRoadmap
    | RestoreRoadmap
    | AddItem
    | AddItems
    | ChangeItemDetails
    | ChangeItemStatus
    | ScoreItem
    | ReorderItems
    | ScheduleItem
    | AddDependency
    | RemoveDependency
    | PublishVersion
    | CommitToDelivery
    | RecordDeliveryStatus
)


class DefineScoringFormula(Command):
    workspace_id: str
    name: FormulaName
    expression: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    description: Text = ""
    at: datetime
