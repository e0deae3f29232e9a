from datetime import UTC, date, datetime

import pytest
from sextant_strategy.domain.common import quarter_period
from sextant_strategy.domain.progress import (
    Status,
    elapsed_share,
    key_result_progress,
    key_result_status,
    objective_progress,
    rolled_up_progress,
    status_today,
    worst,
)


@pytest.mark.parametrize(
    ("baseline", "target", "current", "expected"),
    [
        (0, 100, 50, 0.5),
        (10, 20, 20, 1.0),
        (10, 20, 25, 1.0),  # overshooting is capped
        (10, 20, 5, 0.0),  # moving the wrong way is 0
        (40, 20, 30, 0.5),  # decreasing: halfway down
        (40, 20, 10, 1.0),
        (40, 20, 45, 0.0),
    ],
)
def test_key_result_progress_respects_direction(
    baseline: float, target: float, current: float, expected: float
) -> None:
    assert key_result_progress(baseline, target, current) == pytest.approx(expected)


def test_elapsed_share_counts_whole_days_of_the_period() -> None:
    start, end = date(2026, 1, 1), date(2026, 1, 10)
    assert elapsed_share(start, end, datetime(2025, 12, 31, tzinfo=UTC)) == 0.0
    assert elapsed_share(start, end, datetime(2026, 1, 6, tzinfo=UTC)) == pytest.approx(0.5)
    assert elapsed_share(start, end, datetime(2026, 2, 1, tzinfo=UTC)) == 1.0


def test_a_period_may_end_on_the_last_day_dates_have() -> None:
    share = elapsed_share(date(2026, 1, 1), date(9999, 12, 31), datetime(2026, 1, 2, tzinfo=UTC))
    assert 0.0 < share < 0.001


@pytest.mark.parametrize(
    ("progress", "elapsed", "confidence", "expected"),
    [
        (0.5, 0.5, 0.9, Status.ON_TRACK),
        (0.4, 0.5, 0.9, Status.ON_TRACK),  # trailing by exactly 0.10
        (0.3, 0.5, 0.9, Status.AT_RISK),
        (0.25, 0.5, 0.9, Status.AT_RISK),  # trailing by exactly 0.25
        (0.2, 0.5, 0.9, Status.OFF_TRACK),
        (0.6, 0.5, 0.5, Status.AT_RISK),  # moderate confidence caps at at risk
        (0.6, 0.5, 0.3, Status.OFF_TRACK),  # low confidence is off track
        (0.2, 0.5, 0.6, Status.OFF_TRACK),  # the cap never improves a status
        (1.0, 0.9, 0.1, Status.ON_TRACK),  # reached is on track
    ],
)
def test_key_result_status_rules(
    progress: float, elapsed: float, confidence: float, expected: Status
) -> None:
    assert key_result_status(progress, elapsed, confidence) is expected


def test_objective_progress_is_the_mean_of_its_key_results() -> None:
    assert objective_progress([0.2, 0.4, 0.9]) == pytest.approx(0.5)
    assert objective_progress([]) is None


def test_worst_status_wins_and_unknown_is_none() -> None:
    assert worst([Status.ON_TRACK, None, Status.AT_RISK]) is Status.AT_RISK
    assert worst([Status.OFF_TRACK, Status.ON_TRACK]) is Status.OFF_TRACK
    assert worst([None]) is None


def test_roll_up_averages_own_and_children_leaving_out_unknowns() -> None:
    assert rolled_up_progress(None, [0.4, 0.8]) == pytest.approx(0.6)
    assert rolled_up_progress(0.3, [0.6, None]) == pytest.approx(0.45)
    assert rolled_up_progress(None, [None]) is None


def test_quarters_cover_their_months() -> None:
    q3 = quarter_period("2026-Q3")
    assert (q3.start, q3.end, q3.label) == (date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")
    q4 = quarter_period("2026-Q4")
    assert q4.end == date(2026, 12, 31)


def test_a_status_is_reassessed_as_the_period_goes_on() -> None:
    """Checked in on track early in the quarter, the same progress trails later on."""
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    early, late = datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC)
    krs = [(0.1, 0.9), (1.0, 0.2), (0.9, None)]
    assert status_today(krs, start, end, early) == (
        [Status.ON_TRACK, Status.ON_TRACK, None],
        Status.ON_TRACK,
    )
    assert status_today(krs, start, end, late) == (
        [Status.OFF_TRACK, Status.ON_TRACK, None],
        Status.OFF_TRACK,
    )
    # A closed objective keeps the status it had when it was closed.
    assert status_today(krs, start, end, late, closed_at=early)[1] is Status.ON_TRACK
    assert status_today([(0.5, None)], start, end, late) == ([None], None)
