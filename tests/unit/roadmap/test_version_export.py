"""A published version as the rows of a spreadsheet: its audience's columns only, and text
a spreadsheet would run kept as text."""

from __future__ import annotations

from sextant_kit.exports import spreadsheet_safe
from sextant_roadmap.domain.versions import csv_rows

from tests.unit.roadmap.builders import BASE, A, B, C, added
from tests.unit.roadmap.test_diff import moved, published, scored

EVENTS = [*BASE, moved(A, "now", "2026-Q3"), scored(A, 5), scored(B, 2)]


def test_executives_get_rank_timeframe_owner_and_a_column_per_score() -> None:
    [header, first, *_] = csv_rows(published(EVENTS, "executives"))
    assert header == [
        "rank",
        "title",
        "type",
        "status",
        "horizon",
        "timeframe",
        "start",
        "end",
        "description",
        "owner",
        "team",
        "objective_ids",
        "score:ice",
    ]
    row = dict(zip(header, first, strict=True))
    assert (row["rank"], row["horizon"], row["timeframe"]) == ("1", "now", "2026-Q3")
    assert (row["start"], row["end"], row["score:ice"]) == ("2026-07-01", "2026-09-30", "5")


def test_a_score_is_written_with_every_digit() -> None:
    [header, first, *_] = csv_rows(published([*EVENTS, scored(A, 1234567.25)], "executives"))
    assert dict(zip(header, first, strict=True))["score:ice"] == "1234567.25"  # not 1.23457e+06


def test_customers_get_no_dates_scores_or_owners() -> None:
    rows = csv_rows(published(EVENTS, "customers"))
    assert rows[0] == ["title", "type", "status", "horizon", "description"]
    assert all(len(r) == 5 for r in rows)


def test_a_title_a_spreadsheet_would_run_is_kept_as_text() -> None:
    sneaky = added(C, '=HYPERLINK("http://x","click")')
    rows = csv_rows(published([*EVENTS, sneaky], "sales"))
    assert [r[0] for r in rows[1:]] == ["Wallet", "Ledger", '\'=HYPERLINK("http://x","click")']
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("-2 days faster") == "'-2 days faster"
    assert spreadsheet_safe("Wallet, 2 days faster") == "Wallet, 2 days faster"
