"""Counts the walk's outcomes and writes "N of M in-scope SDK methods work" in pytest's terminal
summary, per backend: the coverage figure comes out of the suite, not out of a document."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest

from tests.e2e.sdk_coverage.table import MISSING, WRONG, Check

PLUGIN_NAME = "sdk-coverage-tally"
# test_sdk_method[sqlite-CampaignsApi.create_campaign] -> ("sqlite", "CampaignsApi.create_campaign")
_NODE = re.compile(r"::test_sdk_method\[(\w+)-(\w+\.\w+)\]$")


class Tally:
    """A pytest plugin registered by the walk's fixture (tests cannot ship a conftest hook of
    their own here); it sees each check's report and sums them up at the end."""

    def __init__(self, checks: dict[str, Check]) -> None:
        self.checks = checks
        self.outcomes: dict[str, dict[str, str]] = defaultdict(dict)  # backend -> method -> outcome

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        found = _NODE.search(report.nodeid)
        if found is None or (report.when != "call" and report.passed):
            return
        backend, method = found.groups()
        if hasattr(report, "wasxfail"):
            outcome = self.checks[method].status  # failed as its mark says
        elif report.passed:
            outcome = "works"
        elif report.skipped:
            outcome = "skipped"
        else:
            outcome = "failed"
        self.outcomes[backend][method] = outcome

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for backend, outcomes in sorted(self.outcomes.items()):
            counts: dict[str, list[str]] = defaultdict(list)
            for method, outcome in sorted(outcomes.items()):
                counts[outcome].append(method)
            terminalreporter.write_sep("-", f"SDK coverage ({backend})")
            terminalreporter.write_line(
                f"{len(counts['works'])} of {len(self.checks)} in-scope SDK methods work "
                f"({len(outcomes)} walked): {len(counts[WRONG])} return wrong values, "
                f"{len(counts[MISSING])} have no route, {len(counts['failed'])} failed"
            )
            for outcome in (WRONG, "failed"):
                if counts[outcome]:
                    terminalreporter.write_line(f"{outcome}: {', '.join(counts[outcome])}")
