"""The delivery benchmark's figures: each phase's rates, latencies and CPU per send-out beside
its same-run reference (wrk's requests/s and nginx's CPU per request), then the summary
against issue 23's targets and the older ones."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from celery_baseline import CeleryResult
from deliver_db import Row
from deliver_load import Sent, percentile
from deliver_phases import DRAIN_LIMIT, Phase
from procs import WrkResult

TARGET_THROUGHPUT_RATIO = 0.05  # x wrk's requests/s (DESIGN.md §9)
TARGET_CPU_RATIO = 15.0  # x nginx's CPU per request, every Sendout process counted
TARGET_PG_US = 200.0  # PostgreSQL's own CPU per send-out
TARGET_CELERY_RATIO = 10.0  # x the Celery baseline's deliveries/s
TARGET_P99_MS = 50.0
TARGET_ISOLATION_RATIO = 1.2
TARGET_MIXED_API_P99_MS = 200.0
TARGET_MIXED_FIRST_ATTEMPT_P99_MS = 500.0
TIMESTAMP_RESOLUTION_MS = 1.0  # created_at and started_at are stored to the millisecond
ONE, TEN = "one endpoint", "ten endpoints"


@dataclass(frozen=True)
class Paired:
    """A phase run right after a wrk run of its own, and this machine's Python speed then."""

    shape: str
    phase: Phase
    wrk: WrkResult
    gauge: float  # PYTHON_GAUGE in microseconds
    workers: int = 0  # ``sendout worker`` processes (0: the worker in ``serve``)


@dataclass
class Results:
    backend: str
    wrk: WrkResult  # the median of the first wrk runs
    throughput: list[Paired] = field(default_factory=list)
    scaleout: list[Paired] = field(default_factory=list)
    phases: dict[str, Paired] = field(default_factory=dict)
    celery: CeleryResult | None = None
    celery_note: str = ""
    mixed_api_processes: int = 1


@dataclass(frozen=True)
class Line:
    name: str
    figure: str
    ratio: str
    target: str = ""
    passed: bool | None = None


def verdict(passed: bool | None) -> str:
    return "" if passed is None else ("PASS" if passed else "MISS")


def latencies_ms(rows: Sequence[Row]) -> list[float]:
    return [(r.attempt_at - r.event_at) * 1000 for r in rows if r.attempt_at is not None]


def describe_send(sent: Sent, phase: Phase) -> str:
    text = f"{sent.accepted:,} events accepted ({sent.errors} errors) in {sent.elapsed:.1f} s"
    if sent.lags:
        text += f", send lag p99 {percentile(sent.lags, 0.99) * 1000:.1f} ms"
    made = phase.progress.dispatched - phase.warm
    if made < sent.accepted:
        text += f"; only {made:,} send-outs made within {DRAIN_LIMIT:g} s"
    if phase.progress.waiting:
        text += (
            f"; {phase.progress.waiting:,} send-outs to nginx not {phase.done!r} "
            f"within {DRAIN_LIMIT:g} s"
        )
    return text


def recorded_rate(rows: Sequence[Row]) -> tuple[int, float]:
    """Send-outs delivered, and how many a second from the first one's dispatch to the last
    outcome recorded (or attempt ended, if later)."""
    delivered = [r for r in rows if r.status == "DELIVERED" and r.last_end is not None]
    if not delivered:
        return 0, 0.0
    start = min(r.sendout_at for r in rows)
    end = max(max(r.last_end or 0, r.recorded_at or 0) for r in delivered)
    return len(delivered), len(delivered) / (end - start)


def delivered_rate(rows: Sequence[Row], start: float) -> tuple[int, float]:
    """Send-outs delivered, and how many a second from ``start`` to the last attempt's end."""
    ends = [r.last_end for r in rows if r.status == "DELIVERED" and r.last_end is not None]
    if not ends:
        return 0, 0.0
    return len(ends), len(ends) / (max(ends) - start)


def failures(rows: Sequence[Row]) -> str:
    """First attempts that did not deliver, by outcome, and send-outs tried more than once."""
    outcomes: dict[str, int] = {}
    for r in rows:
        if r.attempt_at is None:
            key = "no attempt"
        elif r.status_code is not None and 200 <= r.status_code < 300:
            continue
        else:
            key = r.error or f"HTTP {r.status_code}"
        outcomes[key] = outcomes.get(key, 0) + 1
    retried = sum(1 for r in rows if r.attempts > 1)
    text = ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())) or "none"
    return text + (f"; {retried:,} send-outs needed a retry" if retried else "")


def cpu_text(run: Paired) -> str:
    """The phase's CPU per send-out, each beside nginx's CPU per request under wrk."""
    cpu, nginx = run.phase.cpu_us, run.wrk.nginx_us
    text = (
        f"CPU per send-out over {run.phase.window:.1f} s ({run.phase.operations:,} send-outs): "
        f"Sendout {cpu['sendout']:,.0f} us = {cpu['sendout'] / nginx:,.0f} x nginx's "
        f"{nginx:.1f} us/request under wrk"
    )
    if "pg" in cpu:
        text += (
            f"; PostgreSQL {cpu['pg']:,.0f} us (the database's backends; whole server "
            f"{cpu['pg_server']:,.0f} us) = {cpu['pg'] / nginx:,.0f} x nginx"
        )
    return text + f"; nginx answering them {cpu['nginx']:.1f} us/send-out"


def medians(runs: Sequence[Paired]) -> tuple[float, float, float, float | None]:
    """Median send-outs/s, its ratio to wrk, CPU ratio to nginx, PostgreSQL's us."""
    rates = [recorded_rate(r.phase.rows)[1] for r in runs]
    pg = [r.phase.cpu_us["pg"] for r in runs if "pg" in r.phase.cpu_us]
    return (
        statistics.median(rates),
        statistics.median(rate / r.wrk.rps for rate, r in zip(rates, runs, strict=True)),
        statistics.median(r.phase.cpu_us["sendout"] / r.wrk.nginx_us for r in runs),
        statistics.median(pg) if pg else None,
    )


def throughput_lines(results: Results, events: int) -> list[Line]:
    lines: list[Line] = []
    for i, run in enumerate(results.throughput):
        n = sum(1 for r in results.throughput[: i + 1] if r.shape == run.shape)
        count, rate = recorded_rate(run.phase.rows)
        print(
            f"throughput, {run.shape}, run {n}: {count:,} of {run.phase.sent.accepted:,} "
            f"send-outs delivered, {rate:,.0f}/s = {rate / run.wrk.rps:.4f} x wrk just before "
            f"({run.wrk.rps:,.0f}/s) (envelopes {run.phase.body_bytes:.0f} B on average)\n"
            f"  {cpu_text(run)}\n  first attempts not delivered: {failures(run.phase.rows)}"
        )
    for shape in (ONE, TEN):
        runs = [r for r in results.throughput if r.shape == shape]
        if not runs:
            continue
        complete = all(recorded_rate(r.phase.rows)[0] == events for r in runs)
        rate, ratio, cpu_ratio, pg = medians(runs)
        cpu = statistics.median(r.phase.cpu_us["sendout"] for r in runs)
        median = f"median of {len(runs)}"
        lines.append(
            Line(
                f"throughput, {shape} ({median})",
                f"{rate:,.0f} send-outs/s",
                f"{ratio:.4f} x wrk",
                f">= {TARGET_THROUGHPUT_RATIO:g} x wrk (paired)",
                complete and ratio >= TARGET_THROUGHPUT_RATIO,
            )
        )
        lines.append(
            Line(
                f"Sendout CPU/send-out, {shape}",
                f"{cpu:,.0f} us",
                f"{cpu_ratio:,.1f} x nginx",
                f"<= {TARGET_CPU_RATIO:g} x nginx (paired)",
                complete and cpu_ratio <= TARGET_CPU_RATIO,
            )
        )
        if pg is not None:
            lines.append(
                Line(
                    f"PostgreSQL CPU/send-out, {shape}",
                    f"{pg:,.0f} us",
                    f"{pg / statistics.median(r.wrk.nginx_us for r in runs):,.1f} x nginx",
                    f"<= {TARGET_PG_US:g} us",
                    complete and pg <= TARGET_PG_US,
                )
            )
    return lines


def phase_lines(results: Results) -> list[Line]:
    """aiohttp and the ingest phases: rate and CPU, no target of their own."""
    lines = []
    for name, run in results.phases.items():
        if not name.startswith(("throughput, aiohttp", "ingest")):
            continue
        rows = run.phase.rows
        if name.startswith("ingest"):
            count, rate = delivered_rate(rows, min((r.event_at for r in rows), default=0))
            accepted = run.phase.sent.accepted / run.phase.sent.elapsed
            extra = f"; events accepted at {accepted:,.0f}/s"
        else:
            (count, rate), extra = recorded_rate(rows), ""
        print(
            f"{name}: {count:,} of {run.phase.sent.accepted:,} send-outs delivered, "
            f"{rate:,.0f}/s{extra}\n  {cpu_text(run)}\n"
            f"  first attempts not delivered: {failures(rows)}"
        )
        cpu = run.phase.cpu_us["sendout"]
        lines.append(Line(name, f"{rate:,.0f} send-outs/s", f"{rate / run.wrk.rps:.4f} x wrk"))
        lines.append(
            Line("  CPU/send-out", f"{cpu:,.0f} us", f"{cpu / run.wrk.nginx_us:,.1f} x nginx")
        )
    return lines


def scaleout_lines(results: Results) -> list[Line]:
    lines = []
    for run in results.scaleout:
        count, rate = recorded_rate(run.phase.rows)
        name = run.shape  # "scale-out K=2, one endpoint": K `sendout worker` processes
        print(
            f"{name}: {count:,} of {run.phase.sent.accepted:,} delivered, {rate:,.0f}/s\n"
            f"  {cpu_text(run)}\n  first attempts not delivered: {failures(run.phase.rows)}"
        )
        cpu = run.phase.cpu_us
        pg = f", PostgreSQL {cpu['pg']:,.0f} us" if "pg" in cpu else ""
        lines.append(
            Line(
                name,
                f"{rate:,.0f} send-outs/s",
                f"{cpu['sendout'] / run.wrk.nginx_us:,.1f} x nginx",
                f"Sendout {cpu['sendout']:,.0f} us{pg}",
            )
        )
    return lines


def latency_lines(results: Results, rate: float, hook: str) -> list[Line]:
    lines: list[Line] = []
    if "latency" not in results.phases or "isolation" not in results.phases:
        return lines
    at, wrk = f"@ {rate:g}/s", results.wrk
    clean_ms = latencies_ms(results.phases["latency"].phase.rows)
    clean_p99 = percentile(clean_ms, 0.99) if clean_ms else math.inf
    iso = results.phases["isolation"].phase
    for label, phase, rows in (
        ("latency", results.phases["latency"].phase, results.phases["latency"].phase.rows),
        ("isolation, healthy", iso, [r for r in iso.rows if r.url.startswith(hook)]),
    ):
        values = latencies_ms(rows)
        missing = len(rows) - len(values)
        if not values:
            print(f"{label}: no attempt recorded")
            lines.append(Line(f"{label} p99 {at}", "none", "", "", False))
            continue
        p50, p99 = percentile(values, 0.50), percentile(values, 0.99)
        print(
            f"{label}: {len(values):,} send-outs, event to first attempt p50 {p50:.0f} ms, "
            f"p90 {percentile(values, 0.90):.0f} ms, p99 {p99:.0f} ms, max {max(values):.0f} ms"
            + f"\n  first attempts not delivered: {failures(rows)}"
        )
        complete = missing == 0 and (phase is iso or len(rows) == phase.sent.accepted)
        lines.append(Line(f"{label} p50 {at}", f"{p50:.0f} ms", f"{p50 / wrk.p50_ms:,.0f} x wrk"))
        if phase is iso:
            target = (
                f"<= {TARGET_ISOLATION_RATIO:g} x clean + {TIMESTAMP_RESOLUTION_MS:g} ms "
                f"({p99 / clean_p99:.2f} x)"
            )
            passed = p99 <= TARGET_ISOLATION_RATIO * clean_p99 + TIMESTAMP_RESOLUTION_MS
        else:
            target, passed = f"<= {TARGET_P99_MS:g} ms", p99 <= TARGET_P99_MS
        lines.append(
            Line(
                f"{label} p99 {at}",
                f"{p99:.0f} ms",
                f"{p99 / wrk.p99_ms:,.0f} x wrk",
                target,
                complete and passed,
            )
        )
    dead = [r for r in iso.rows if not r.url.startswith(hook)]
    print(f"isolation, dead endpoints: {len(dead):,} send-outs; first attempts: {failures(dead)}")
    return lines


def mixed_lines(results: Results, rate: float, seconds: float) -> list[Line]:
    run = results.phases.get("mixed")
    if run is None:
        return []
    phase, sent = run.phase, run.phase.sent
    api_p50 = percentile(sent.latencies, 0.50) * 1000 if sent.latencies else math.inf
    api_p99 = percentile(sent.latencies, 0.99) * 1000 if sent.latencies else math.inf
    first = latencies_ms(phase.rows)
    first_p99 = percentile(first, 0.99) if first else math.inf
    complete = len(first) == sent.accepted and sent.accepted > 0
    accepted = sent.accepted / sent.elapsed if sent.elapsed else 0.0
    print(
        f"mixed load: {results.mixed_api_processes} API process(es) + 2 workers, {rate:g} "
        f"events/s offered for {seconds:g} s: {sent.accepted:,} accepted ({accepted:,.0f}/s), "
        f"{sent.errors:,} errors; API p50 {api_p50:.0f} ms, p99 {api_p99:.0f} ms; "
        f"event to first attempt p99 {first_p99:.0f} ms ({len(first):,} attempted)\n"
        f"  {cpu_text(run)}"
    )
    at = f"@ {rate:g}/s offered"
    return [
        Line(f"mixed {at}: accepted", f"{accepted:,.0f} events/s", "", "", None),
        Line(f"mixed {at}: errors", f"{sent.errors:,}", "", "0", sent.errors == 0),
        Line(
            f"mixed {at}: API p99",
            f"{api_p99:,.0f} ms",
            "",
            f"<= {TARGET_MIXED_API_P99_MS:g} ms",
            api_p99 <= TARGET_MIXED_API_P99_MS,
        ),
        Line(
            f"mixed {at}: event -> 1st attempt p99",
            f"{first_p99:,.0f} ms",
            "",
            f"<= {TARGET_MIXED_FIRST_ATTEMPT_P99_MS:g} ms",
            complete and first_p99 <= TARGET_MIXED_FIRST_ATTEMPT_P99_MS,
        ),
    ]


def celery_lines(results: Results) -> list[Line]:
    celery = results.celery
    if celery is None:
        print(f"Celery baseline: {results.celery_note}")
        return []
    print(f"Celery baseline: {celery.describe()}")
    ones = [r for r in results.throughput if r.shape == ONE]
    lines = [
        Line(
            "Celery baseline",
            f"{celery.rate:,.0f} deliveries/s",
            f"{celery.total_us / results.wrk.nginx_us:,.0f} x nginx",
            f"{celery.total_us:,.0f} us CPU/delivery",
        )
    ]
    if ones:
        rate, _, _, _ = medians(ones)
        cpu = statistics.median(r.phase.cpu_us["sendout"] for r in ones)
        lines.append(
            Line(
                f"Sendout / Celery, {ONE}",
                f"{rate / celery.rate:,.1f} x deliveries/s",
                f"{celery.total_us / cpu:,.1f} x less CPU",
                f">= {TARGET_CELERY_RATIO:g} x deliveries/s",
                rate / celery.rate >= TARGET_CELERY_RATIO,
            )
        )
    return lines


def print_lines(lines: Sequence[Line]) -> None:
    width = max((len(line.name) for line in lines), default=0)
    for line in lines:
        print(
            f"  {line.name:<{width}}  {line.figure:>20}  {line.ratio:>14}  "
            f"{line.target:<30}  {verdict(line.passed)}".rstrip()
        )
