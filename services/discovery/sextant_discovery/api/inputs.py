"""Request bodies and dependencies shared by the discovery endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sextant_kit import CommandContext
from sextant_kit.authz import Access
from sextant_kit.http import Caller, command_context, requires
from sextant_kit.inputs import Body

from sextant_discovery.domain.common import ShortText


class ReasonIn(Body):
    """Why a step is taken or undone: an insight retired or reinstated, a problem closed,
    reopened or unmerged."""

    reason: ShortText


Reader = Annotated[Caller, Depends(requires(Access.READ))]
Writer = Annotated[Caller, Depends(requires(Access.WRITE))]
Decider_ = Annotated[Caller, Depends(requires(Access.DECIDE))]
Ctx = Annotated[CommandContext, Depends(command_context)]
