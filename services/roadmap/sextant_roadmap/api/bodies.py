"""Request bodies of the roadmap API: strict, so an unknown field is a 422 naming it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from pydantic import Field, PlainSerializer, StringConstraints
from sextant_kit.inputs import Body
from sextant_kit.storable import Moment, not_ahead

from sextant_roadmap.domain.commands import (
    FormulaName,
    Name,
    Reason,
    Ref,
    Text,
    TimeframeIn,
    WorkspaceRef,
)
from sextant_roadmap.domain.events import (
    Audience,
    DeliveryState,
    ItemStatus,
    ItemType,
    Scope,
    Tracker,
)
from sextant_roadmap.domain.schedule import Horizon

TRACKER_CLOCK = timedelta(minutes=5)
"""How far ahead of ours a tracker's clock may run."""

IdOf = Annotated[UUID, PlainSerializer(str, return_type=str)]
"""An objective's or opportunity's id as the strategy or discovery context gave it (a UUID;
kept as text on the item)."""


class RoadmapIn(Body):
    name: Name
    description: Text = ""
    scope: Scope = "workspace"
    workspaces: list[WorkspaceRef] = Field(default_factory=list, max_length=50)


class RoadmapChangesIn(Body):
    name: Name | None = None
    description: Text | None = None


class ArchiveIn(Body):
    note: Reason = ""


class ItemIn(Body):
    title: Name
    description: Text = ""
    type: ItemType
    owner: Ref | None = None
    team: Ref | None = None
    item_workspace_id: WorkspaceRef | None = None
    objective_ids: list[IdOf] = Field(default_factory=list, max_length=50)
    opportunity_ids: list[IdOf] = Field(default_factory=list, max_length=50)


class NewItemIn(ItemIn):
    """One item of a batch: an item, and optionally its horizon and timeframe."""

    horizon: Horizon | None = None
    timeframe: TimeframeIn | None = None


class ItemsIn(Body):
    items: list[NewItemIn] = Field(min_length=1, max_length=1000)


class ItemChangesIn(Body):
    title: Name | None = None
    description: Text | None = None
    owner: Ref | None = None
    team: Ref | None = None
    objective_ids: list[IdOf] | None = Field(default=None, max_length=50)
    opportunity_ids: list[IdOf] | None = Field(default=None, max_length=50)


class StatusIn(Body):
    to: ItemStatus
    reason: Reason = ""


class ScoreIn(Body):
    model: FormulaName
    inputs: dict[Annotated[str, StringConstraints(max_length=50)], float] = Field(max_length=20)


class OrderIn(Body):
    order: list[UUID] = Field(min_length=1, max_length=2000)


class ScheduleIn(Body):
    horizon: Horizon
    timeframe: TimeframeIn | None = None
    reason: Reason = ""


class DependencyIn(Body):
    depends_on_item_id: UUID
    depends_on_roadmap_id: UUID | None = None
    """Another roadmap (in any workspace of the organisation); this roadmap when left out."""


class PublishIn(Body):
    audience: Audience
    title: Name
    notes: Text = ""


class CommitIn(Body):
    tracker: Tracker
    project_key: Ref


class DeliveryStatusIn(Body):
    tracker: Tracker
    external_key: Ref
    external_status: Ref
    state: DeliveryState
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S{1,2000}$")] | None = None
    """The ticket's address, shown as a link: http(s) only."""
    changed_at: (
        Annotated[Moment, not_ahead(TRACKER_CLOCK, "give when the ticket changed")] | None
    ) = None
    """When the tracker changed the ticket, by its own clock (Jira's ``updated``): a report
    older than one recorded before is passed over, so a late one does not undo a newer."""


class FormulaIn(Body):
    expression: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    description: Text = ""
