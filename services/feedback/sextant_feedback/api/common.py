"""What the feedback endpoints share: path parameters and the command answer."""

from __future__ import annotations

from sextant_kit import AppendResult
from sextant_kit.api import Accepted, WorkspaceId
from sextant_kit.consistency import token_for

__all__ = ["Accepted", "WorkspaceId", "accepted"]


def accepted(result: AppendResult, *, created: bool | None = None) -> Accepted:
    return Accepted(
        id=result.stream_id,
        stream_version=result.stream_version,
        positions=list(result.positions),
        consistency_token=token_for("feedback", result.positions),
        created=(bool(result.positions) and not result.replayed) if created is None else created,
    )
