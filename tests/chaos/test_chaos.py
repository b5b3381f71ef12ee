"""The chaos suite (issue 21), opt-in: ``scripts/test -m chaos`` (the default run leaves the
``chaos`` marker out). Each scenario of ``scenarios.py`` on each backend it applies to: after
the faults, nothing is lost, nothing is stuck, no delivered send-out ends FAILED, nothing is
paused or notified, and duplicates stay within the bound of the attempts the faults cut
(none at all for the dispatch helper: dispatching is one transaction).

``bench/chaos.py`` plays the same scenarios and prints their figures as a table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chaos.figures import table_header, table_row
from tests.chaos.receiver import Receiver, receiver_factory
from tests.chaos.scenarios import (
    POSTGRESQL,
    SCENARIOS,
    Scenario,
    broken_guarantees,
    run_scenario,
    scratch_database,
)
from tests.conftest import require_postgres

__all__ = ["receiver_factory"]  # a fixture: used by name, imported to be found

pytestmark = pytest.mark.chaos


@pytest.mark.parametrize(
    ("scenario", "backend"),
    [
        pytest.param(scenario, backend, id=f"{scenario.play.__name__}-{backend}")
        for scenario in SCENARIOS
        for backend in scenario.backends
    ],
)
def test_chaos_loses_nothing_and_repeats_only_what_was_in_flight(
    scenario: Scenario, backend: str, tmp_path: Path, receiver_factory: list[Receiver]
) -> None:
    if backend == POSTGRESQL:
        require_postgres()
    with scratch_database(backend, tmp_path) as database_url:
        figures = run_scenario(scenario, backend, database_url, tmp_path, receiver_factory)
    print("", table_header(), table_row(figures.cells()), *figures.notes, sep="\n")

    assert figures.kills >= 1, f"no fault landed: {figures.notes}"
    assert figures.sendouts > 0
    assert not broken_guarantees(scenario, figures), figures
