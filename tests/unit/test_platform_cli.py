"""``sextant-run``: which services a process runs."""

import pytest
from sextant_platform import SERVICES, select, split_service_options


def test_without_a_selection_every_service_runs() -> None:
    names, rest = split_service_options(["all"], {})
    assert rest == ["all"]
    assert select(SERVICES, names) == list(SERVICES)


def test_the_option_selects_one_service_and_leaves_the_process_arguments() -> None:
    names, rest = split_service_options(["--service", "feedback", "api", "--port", "9000"], {})
    assert rest == ["api", "--port", "9000"]
    assert [s.context for s in select(SERVICES, names)] == ["feedback"]


def test_the_environment_selects_when_no_option_does() -> None:
    names, _ = split_service_options(["relay"], {"SEXTANT_SERVICES": "feedback"})
    assert [s.context for s in select(SERVICES, names)] == ["feedback"]
    names, _ = split_service_options(["relay"], {"SEXTANT_SERVICE": "feedback"})
    assert [s.context for s in select(SERVICES, names)] == ["feedback"]


def test_the_option_wins_over_the_environment() -> None:
    names, _ = split_service_options(["--service=feedback", "api"], {"SEXTANT_SERVICES": "x"})
    assert names == ["feedback"]


def test_an_unknown_service_is_refused_with_the_choices() -> None:
    with pytest.raises(SystemExit, match=r"unknown service\(s\) nope; choose from: .*feedback"):
        select(SERVICES, ["feedback,nope"])
