"""The roadmap context's events: immutable facts, one closed union per aggregate."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sextant_kit import Event

from sextant_roadmap.domain.schedule import Horizon, Timeframe
from sextant_roadmap.domain.vocabulary import (
    Audience,
    DeliveryState,
    ItemStatus,
    ItemType,
    Scope,
    Tracker,
)

# Re-exported: the vocabulary is part of the events' contract.
__all__ = [
    "Audience",
    "DeliveryState",
    "ItemStatus",
    "ItemType",
    "Scope",
    "Tracker",
]


class RoadmapCreated(Event):
    event_type = "RoadmapCreated"
    roadmap_id: UUID
    tenant_id: str
    workspace_id: str
    name: str
    description: str = ""
    scope: Scope = "workspace"
    workspaces: list[str]
    created_at: datetime


class RoadmapRenamed(Event):
    """The roadmap's name and description as they now stand (published versions keep the
    titles they were published with)."""

    event_type = "RoadmapRenamed"
    roadmap_id: UUID
    name: str
    description: str
    renamed_at: datetime


class RoadmapArchived(Event):
    """Put away: off the workspace's list of roadmaps, changed no further until restored;
    its published versions stay readable and its delivery statuses still arrive."""

    event_type = "RoadmapArchived"
    roadmap_id: UUID
    note: str = ""
    archived_at: datetime


class RoadmapRestored(Event):
    event_type = "RoadmapRestored"
    roadmap_id: UUID
    restored_at: datetime


class ItemAdded(Event):
    event_type = "ItemAdded"
    audit_part = ("item_id",)
    roadmap_id: UUID
    item_id: UUID
    item_workspace_id: str
    title: str
    description: str = ""
    type: ItemType
    owner: str | None = None
    team: str | None = None
    objective_ids: list[str] = Field(default_factory=list)
    opportunity_ids: list[str] = Field(default_factory=list)
    added_at: datetime


class ItemDetailsChanged(Event):
    """The item's details after the change; ``changed`` names the fields that changed."""

    event_type = "ItemDetailsChanged"
    audit_part = ("item_id",)
    roadmap_id: UUID
    item_id: UUID
    changed: list[str]
    title: str
    description: str
    owner: str | None
    team: str | None
    objective_ids: list[str]
    opportunity_ids: list[str]
    changed_at: datetime


class ItemStatusChanged(Event):
    event_type = "ItemStatusChanged"
    audit_part = ("item_id",)
    roadmap_id: UUID
    item_id: UUID
    from_status: ItemStatus
    to_status: ItemStatus
    reason: str = ""
    changed_at: datetime


class ItemScored(Event):
    """A score with the inputs and the formula that produced it; re-scoring is another one."""

    event_type = "ItemScored"
    audit_part = ("item_id", "model")  # each model's score against its own before
    roadmap_id: UUID
    item_id: UUID
    model: str
    formula: str
    inputs: dict[str, float]
    score: float
    previous_score: float | None = None
    scored_at: datetime


class ItemsReordered(Event):
    event_type = "ItemsReordered"
    roadmap_id: UUID
    order: list[UUID]
    reordered_at: datetime


class ItemScheduled(Event):
    """An item moved in time: from where, to where, and why."""

    event_type = "ItemScheduled"
    audit_part = ("item_id",)
    roadmap_id: UUID
    item_id: UUID
    from_horizon: Horizon | None = None
    from_timeframe: Timeframe | None = None
    to_horizon: Horizon
    to_timeframe: Timeframe | None = None
    reason: str = ""
    scheduled_at: datetime


class DependencyAdded(Event):
    event_type = "DependencyAdded"
    audit_part = ("item_id", "depends_on_item_id")
    roadmap_id: UUID
    item_id: UUID
    depends_on_roadmap_id: UUID
    depends_on_item_id: UUID
    depends_on_workspace_id: str
    added_at: datetime


class DependencyRemoved(Event):
    event_type = "DependencyRemoved"
    audit_part = ("item_id", "depends_on_item_id")
    roadmap_id: UUID
    item_id: UUID
    depends_on_item_id: UUID
    removed_at: datetime


class PublishedItem(BaseModel):
    """One item of a published version, holding only the fields its audience may see."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: UUID
    title: str
    type: ItemType
    status: ItemStatus
    horizon: Horizon | None = None
    timeframe: Timeframe | None = None
    description: str | None = None
    owner: str | None = None
    team: str | None = None
    objective_ids: list[str] | None = None
    opportunity_ids: list[str] | None = None
    scores: dict[str, float] | None = None
    depends_on: list[UUID] | None = None
    rank: int | None = None


class RoadmapPublished(Event):
    """An immutable version: its content travels with the event."""

    event_type = "RoadmapPublished"
    roadmap_id: UUID
    workspace_id: str
    version: int
    audience: Audience
    title: str
    notes: str = ""
    fields: list[str]
    items: list[PublishedItem]
    published_at: datetime


class ItemCommittedToDelivery(Event):
    """What a delivery tracker (a Jira or Azure DevOps connector) needs to open the work."""

    event_type = "ItemCommittedToDelivery"
    audit_part = ("item_id",)
    roadmap_id: UUID
    item_id: UUID
    workspace_id: str
    tracker: Tracker
    project_key: str
    title: str
    description: str
    type: ItemType
    owner: str | None = None
    team: str | None = None
    objective_ids: list[str] = Field(default_factory=list)
    opportunity_ids: list[str] = Field(default_factory=list)
    horizon: Horizon | None = None
    timeframe: Timeframe | None = None
    scores: dict[str, float] = Field(default_factory=dict)
    depends_on: list[UUID] = Field(default_factory=list)
    committed_at: datetime


class DeliveryStatusRecorded(Event):
    event_type = "DeliveryStatusRecorded"
    audit_part = ("item_id",)
    roadmap_id: UUID
    item_id: UUID
    tracker: Tracker
    external_key: str
    external_status: str
    state: DeliveryState
    url: str | None = None
    reported_at: datetime
    changed_at: datetime | None = None
    """When the tracker changed the ticket, by its clock, when it said."""


RoadmapEvent = (
    RoadmapCreated
    | RoadmapRenamed
    | RoadmapArchived
    | RoadmapRestored
    | ItemAdded
    | ItemDetailsChanged
    | ItemStatusChanged
    | ItemScored
    | ItemsReordered
    | ItemScheduled
    | DependencyAdded
    | DependencyRemoved
    | RoadmapPublished
    | ItemCommittedToDelivery
    | DeliveryStatusRecorded
)


class ScoringFormulaDefined(Event):
    """A workspace's custom prioritisation formula (a new revision replaces the old)."""

    event_type = "ScoringFormulaDefined"
    workspace_id: str
    name: str
    expression: str
    inputs: list[str]
    description: str = ""
    revision: int
    defined_at: datetime


FormulaEvent = ScoringFormulaDefined
