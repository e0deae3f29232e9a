"""How objectives and key results are measured: pure, documented formulas.

These rules are shared by the deciders (a check-in records its progress and status) and the
read models (an objective tree rolls progress up its children).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum

ON_TRACK_GAP = 0.10
"""Progress may trail the elapsed share of the period by this much and still be on track."""
AT_RISK_GAP = 0.25
"""Trailing by more than ``ON_TRACK_GAP`` up to this much is at risk; beyond it, off track."""
LOW_CONFIDENCE = 0.4
"""Below this confidence a key result is off track whatever its progress says."""
MODERATE_CONFIDENCE = 0.7
"""Below this confidence a key result is at best at risk."""


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


_SEVERITY = {Status.ON_TRACK: 0, Status.AT_RISK: 1, Status.OFF_TRACK: 2}


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def key_result_progress(baseline: float, target: float, current: float) -> float:
    """``progress = clamp((current - baseline) / (target - baseline), 0, 1)``.

    The formula respects the direction by itself: for a decreasing key result the target is
    below the baseline, so both differences are negative while the value moves the right
    way. Moving the wrong way gives 0, overshooting gives 1. ``target == baseline`` is
    refused when the key result is defined, so the division is safe.
    """
    return clamp((current - baseline) / (target - baseline))


def elapsed_share(start: date, end: date, at: datetime) -> float:
    """``clamp((at - start) / (end + 1 day - start), 0, 1)``: the share of the period gone.

    Both ends are whole days (the end inclusive), measured in the timezone of ``at``.
    """
    begin = datetime.combine(start, time.min, tzinfo=at.tzinfo)
    length = timedelta(days=(end - start).days + 1)  # not end + 1 day: 9999-12-31 has none
    return clamp((at - begin) / length)


def key_result_status(progress: float, elapsed: float, confidence: float) -> Status:
    """The status of a key result at a check-in.

    - reached (``progress >= 1``): on track;
    - otherwise, by ``gap = elapsed - progress``: on track when ``gap <= 0.10``, at risk
      when ``gap <= 0.25``, off track beyond;
    - then the owner's confidence caps it: below 0.4 off track, below 0.7 at best at risk.
    """
    if progress >= 1.0:
        return Status.ON_TRACK
    gap = elapsed - progress
    if gap <= ON_TRACK_GAP:
        status = Status.ON_TRACK
    elif gap <= AT_RISK_GAP:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    if confidence < LOW_CONFIDENCE:
        return Status.OFF_TRACK
    if confidence < MODERATE_CONFIDENCE and status is Status.ON_TRACK:
        return Status.AT_RISK
    return status


def status_today(
    key_results: Sequence[tuple[float, float | None]],
    start: date,
    end: date,
    now: datetime,
    closed_at: datetime | None = None,
) -> tuple[list[Status | None], Status | None]:
    """Each key result's status, and its objective's (the worst), re-assessed at ``now``.

    A check-in records the status at its time; as the period goes on, the same progress
    trails more of it. This applies ``key_result_status`` to each key result's last
    ``(progress, confidence)`` against the share of the period gone at ``now``, or at
    ``closed_at`` for a closed objective. A key result not checked in yet
    (``confidence is None``) is not assessed.
    """
    elapsed = elapsed_share(start, end, min(now, closed_at) if closed_at else now)
    each = [
        None if confidence is None else key_result_status(progress, elapsed, confidence)
        for progress, confidence in key_results
    ]
    return each, worst(each)


def worst(statuses: Sequence[Status | None]) -> Status | None:
    """The most severe status; ``None`` (not yet assessed) when none is known."""
    known = [s for s in statuses if s is not None]
    return max(known, key=_SEVERITY.__getitem__) if known else None


def objective_progress(key_results: Sequence[float]) -> float | None:
    """The mean progress of an objective's key results; ``None`` when it has none."""
    return sum(key_results) / len(key_results) if key_results else None


def rolled_up_progress(own: float | None, children: Sequence[float | None]) -> float | None:
    """An objective's progress with its aligned children's: the mean of every known value.

    ``own`` is the objective's own key-result progress, ``children`` the rolled-up progress
    of each child objective. Unknown values (no key results anywhere below) are left out.
    """
    known = [p for p in [own, *children] if p is not None]
    return sum(known) / len(known) if known else None
