"""What the feedback endpoints share: path parameters, who may call, the command answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sextant_kit import AppendResult
from sextant_kit.api import Accepted, WorkspaceId
from sextant_kit.authz import Access
from sextant_kit.consistency import token_for
from sextant_kit.http import Caller, requires

__all__ = ["Accepted", "Reader", "WorkspaceId", "Writer", "accepted"]

Reader = Annotated[Caller, Depends(requires(Access.READ))]
Writer = Annotated[Caller, Depends(requires(Access.WRITE))]


def accepted(result: AppendResult, *, created: bool | None = None) -> Accepted:
    return Accepted(
        id=result.stream_id,
        stream_version=result.stream_version,
        positions=list(result.positions),
        consistency_token=token_for("feedback", result.positions),
        created=bool(result.positions) if created is None else created,  # a repeat, as the first
    )
