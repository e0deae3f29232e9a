"""What the feedback endpoints share: path parameters and the command answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel
from sextant_kit import AppendResult

WorkspaceId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]


class Accepted(BaseModel):
    id: str
    stream_version: int
    positions: list[int]
    consistency_token: str | None
    created: bool


def accepted(result: AppendResult, *, created: bool | None = None) -> Accepted:
    return Accepted(
        id=result.stream_id,
        stream_version=result.stream_version,
        positions=list(result.positions),
        consistency_token=f"feedback:{max(result.positions)}" if result.positions else None,
        created=(bool(result.positions) and not result.replayed) if created is None else created,
    )
