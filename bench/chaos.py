"""The chaos scenarios (issue 21) as a table: lost, stuck, duplicates per scenario and backend.

Plays the scenarios of tests/chaos/scenarios.py (the same ones ``scripts/test -m chaos`` runs
as tests): kill -9 of ``serve``, of ``sendout worker`` and of SQLite's dispatch helper, an API
kill during ingest, PostgreSQL ending the service's connections, and a worker frozen
(SIGSTOP) past its lease. Each on a fresh database, with real processes and a real receiver
on 127.0.0.1; each bounded in count (--sendouts) and time (a hard deadline per run); only
processes it started are signalled, by PID. A few minutes in all with the defaults.

    .venv/bin/python bench/chaos.py [--sendouts 2000] [--kills 2]
        [--backend sqlite|postgresql ...] [--scenario NAME ...]

Prints one row per run (scenario, backend, send-outs, unacknowledged posts, lost, stuck,
duplicates, regressed, paused, notified, kills, seconds) and exits 1 if any run lost or left
stuck a send-out, turned a delivered one FAILED, paused or notified, or repeated more than its
faults' bound. PostgreSQL runs need a server on 127.0.0.1:5432 (user postgres, trust).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

# The scenarios live with the tests (tests/chaos/): the checkout's root goes on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.chaos.figures import table_header, table_row
from tests.chaos.receiver import Receiver
from tests.chaos.scenarios import (
    KILLS,
    SCENARIOS,
    SENDOUTS,
    broken_guarantees,
    run_scenario,
    scratch_database,
)
from tests.conftest import postgres_available


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sendouts", type=int, default=SENDOUTS, help="events per run")
    parser.add_argument("--kills", type=int, default=KILLS, help="faults per run")
    parser.add_argument(
        "--backend", action="append", choices=["sqlite", "postgresql"], help="(all by default)"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[s.play.__name__ for s in SCENARIOS],
        help="(all by default)",
    )
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    backends = args.backend or ["sqlite", "postgresql"]
    if "postgresql" in backends and not postgres_available():
        print("PostgreSQL does not answer on 127.0.0.1:5432: SQLite only", file=sys.stderr)
        backends.remove("postgresql")
    chosen = [s for s in SCENARIOS if not args.scenario or s.play.__name__ in args.scenario]
    print(table_header(), flush=True)
    broken = 0
    for scenario in chosen:
        for backend in (b for b in scenario.backends if b in backends):
            receivers: list[Receiver] = []
            with tempfile.TemporaryDirectory(prefix="sendout-chaos-") as workdir:
                try:
                    with scratch_database(backend, Path(workdir)) as database_url:
                        figures = run_scenario(
                            scenario,
                            backend,
                            database_url,
                            Path(workdir),
                            receivers,
                            count=args.sendouts,
                            kills=args.kills,
                        )
                finally:
                    for receiver in receivers:
                        receiver.stop()
            failed = broken_guarantees(scenario, figures)
            broken += bool(failed)
            print(table_row(figures.cells()), *failed, sep="  ", flush=True)
            for note in figures.notes:
                print(f"    {note}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
