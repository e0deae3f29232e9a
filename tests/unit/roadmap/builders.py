"""Builders for roadmap decider tests: one command or event with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel
from sextant_kit.testing import DeciderSpecification
from sextant_roadmap.domain import events as e
from sextant_roadmap.domain.roadmap import roadmap_decider

spec = DeciderSpecification(roadmap_decider)
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ROADMAP = UUID("00000000-0000-4000-8000-0000000000aa")
OTHER_ROADMAP = UUID("00000000-0000-4000-8000-0000000000bb")
A = UUID("00000000-0000-4000-8000-000000000001")
B = UUID("00000000-0000-4000-8000-000000000002")
C = UUID("00000000-0000-4000-8000-000000000003")
X = UUID("00000000-0000-4000-8000-000000000009")
ON = {"roadmap_id": ROADMAP, "tenant_id": "acme", "workspace_id": "ws-1", "at": NOW}

M = TypeVar("M", bound=BaseModel)


def make(kind: type[M], **fields: Any) -> M:
    return kind.model_validate(fields)


def command(kind: type[M], **fields: Any) -> M:
    return kind.model_validate({**ON, **fields})


def created(**fields: Any) -> e.RoadmapCreated:
    base = {
        "roadmap_id": ROADMAP,
        "tenant_id": "acme",
        "workspace_id": "ws-1",
        "name": "Payments",
        "workspaces": ["ws-1"],
        "created_at": NOW,
    }
    return e.RoadmapCreated.model_validate({**base, **fields})


def added(item_id: UUID = A, title: str = "Wallet", **fields: Any) -> e.ItemAdded:
    base = {
        "roadmap_id": ROADMAP,
        "item_id": item_id,
        "item_workspace_id": "ws-1",
        "title": title,
        "type": "feature",
        "added_at": NOW,
    }
    return e.ItemAdded.model_validate({**base, **fields})


def status(item_id: UUID, before: str, after: str) -> e.ItemStatusChanged:
    return e.ItemStatusChanged.model_validate(
        {
            "roadmap_id": ROADMAP,
            "item_id": item_id,
            "from_status": before,
            "to_status": after,
            "changed_at": NOW,
        }
    )


def planned(item_id: UUID = A) -> list[e.RoadmapEvent]:
    return [status(item_id, "proposed", "planned")]


def depends(item_id: UUID, on: UUID, roadmap: UUID = ROADMAP) -> e.DependencyAdded:
    return e.DependencyAdded(
        roadmap_id=ROADMAP,
        item_id=item_id,
        depends_on_roadmap_id=roadmap,
        depends_on_item_id=on,
        depends_on_workspace_id="ws-1",
        added_at=NOW,
    )


BASE: list[e.RoadmapEvent] = [created(), added(A, "Wallet"), added(B, "Ledger")]
