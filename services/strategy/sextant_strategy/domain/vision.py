"""A workspace's product vision and mission, revised over time; every revision is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, assert_never
from uuid import UUID

from sextant_kit import Command, Decider, Event

from sextant_strategy.domain.common import Actor, ShortText, Text


class VisionRevised(Event):
    """A new revision of the vision statement; revision 1 is the first statement."""

    event_type = "VisionRevised"
    vision_id: UUID
    workspace_id: str
    revision: int
    vision: str
    mission: str
    note: str | None
    revised_at: datetime
    revised_by: str


VisionEvent = VisionRevised


class ReviseVision(Command):
    kind: Literal["revise"] = "revise"
    vision_id: UUID
    workspace_id: str
    vision: Text
    mission: Text
    note: ShortText | None = None
    now: datetime
    actor: Actor


VisionCommand = ReviseVision


@dataclass(frozen=True, slots=True)
class Vision:
    current: VisionRevised | None = None

    @property
    def revision(self) -> int:
        return self.current.revision if self.current else 0


def initial_state() -> Vision:
    return Vision()


def evolve(state: Vision, event: VisionEvent) -> Vision:
    match event:
        case VisionRevised():
            return Vision(current=event)
        case _:
            assert_never(event)


def decide(command: VisionCommand, state: Vision) -> list[VisionEvent]:
    match command:
        case ReviseVision():
            current = state.current
            if current is not None and (current.vision, current.mission) == (
                command.vision,
                command.mission,
            ):
                return []  # the same statement again is not a new revision
            return [
                VisionRevised(
                    vision_id=command.vision_id,
                    workspace_id=command.workspace_id,
                    revision=state.revision + 1,
                    vision=command.vision,
                    mission=command.mission,
                    note=command.note,
                    revised_at=command.now,
                    revised_by=command.actor,
                )
            ]
        case _:
            assert_never(command)


vision_decider: Decider[VisionCommand, VisionEvent, Vision] = Decider(initial_state, decide, evolve)
