"""The composition root: Settings in, a wired container out. Nothing happens at import."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sendout.adapters.channels.email.smtp import SmtpMailer
from sendout.adapters.channels.guard import DnsTargetProbe
from sendout.adapters.channels.http.http1 import Http1Sender
from sendout.adapters.channels.http.webhook import WebhookSender
from sendout.adapters.channels.registry import channel_catalog, message_senders
from sendout.adapters.db.crypto import PLAIN, SecretBox
from sendout.adapters.db.databases import open_database
from sendout.adapters.db.engine import Database, check_writes
from sendout.adapters.db.migrate import upgrade_async
from sendout.adapters.db.queue_figures import queue_figures
from sendout.adapters.db.secret_rows import check_secrets, rotate_secrets
from sendout.adapters.db.uow import SqlUnitOfWorkFactory
from sendout.adapters.export_files import LocalExportFiles
from sendout.adapters.metrics import Metrics
from sendout.config import Settings
from sendout.domain.channels import ChannelCatalog
from sendout.domain.clock import Clock, truncate_ms
from sendout.domain.deliveries import ChannelSender
from sendout.domain.observations import Observer, WorkerFigures
from sendout.domain.ports import ExportFiles, TargetProbe, UnitOfWorkFactory
from sendout.domain.projects import IssuedKey
from sendout.domain.targets import SMTP_PORTS, TargetPolicy
from sendout.jobs import Job, at_most_every
from sendout.services import reactions
from sendout.services.accounts.notifications import AlertMailer
from sendout.services.accounts.projects import ensure_default_project
from sendout.services.accounts.sign_in_guard import SignInGuard
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.loyalty.member_tiers import TierScheduler
from sendout.services.loyalty.points_schedule import PointsScheduler
from sendout.services.pipeline.deliver import Deliverer
from sendout.services.pipeline.dispatch import Dispatcher, Turns
from sendout.services.pipeline.manual import ManualScheduler


class SystemClock:
    def now(self) -> datetime:
        return truncate_ms(datetime.now(UTC))


@dataclass(kw_only=True)
class Container:
    settings: Settings
    database: Database
    uow_factory: UnitOfWorkFactory
    #: where CSV exports are written and served from (the data directory)
    export_files: ExportFiles
    clock: Clock = field(default_factory=SystemClock)
    #: Ids, tokens and secrets come from the operating system's CSPRNG.
    rng: random.Random = field(default_factory=random.SystemRandom)
    #: the message channels (email, SMS, CRMs) distributions can send through
    channels: ChannelCatalog = field(default_factory=channel_catalog)
    #: resolves a webhook's host name when it is saved, to warn when sends would be refused
    target_probe: TargetProbe = field(default_factory=DnsTargetProbe)
    #: failed sign-ins (API key pairs and dashboard) and their lockouts, shared by both
    sign_in_guard: SignInGuard = field(default_factory=lambda: SignInGuard(SystemClock()))
    #: seals stored secrets with SENDOUT_ENCRYPTION_KEY (none: they are stored plain)
    box: SecretBox = PLAIN
    #: this process's metrics (``/metrics``); ``bootstrap`` has its unit of work report to it
    metrics: Metrics = field(default_factory=lambda: Metrics(SystemClock(), {}))

    #: Called when new background work was committed (the in-process worker's wake-up).
    wake_listeners: list[Callable[[], None]] = field(default_factory=list)

    def wake_worker(self) -> None:
        for listener in self.wake_listeners:
            listener()

    def observe_worker(self, figures: Callable[[], WorkerFigures]) -> None:
        """This process runs a worker: its metrics report the worker's ``figures`` and the
        queues it works from."""
        self.metrics.watch_worker(figures)
        self.metrics.watch_queues(lambda: queue_figures(self.database, self.clock.now()))

    async def migrate(self) -> None:
        await upgrade_async(self.settings.database_url)

    async def ensure_default_project(self) -> IssuedKey | None:
        return await ensure_default_project(
            self.uow_factory,
            self.clock,
            self.rng,
            app_id=self.settings.app_id,
            app_token=self.settings.app_token,
        )

    async def check_secrets(self) -> None:
        """Raise ``SecretsUnavailable`` when the configured keys cannot open stored secrets."""
        await check_secrets(self.database, self.box)

    async def rotate_secrets(self, on_batch: Callable[[str, int], None]) -> dict[str, int]:
        """Seal every stored secret again with the first key; rows per table."""
        return await rotate_secrets(self.database, self.box, on_batch)

    async def check_database(self) -> None:
        """Raises when the database does not answer."""
        await self.database.ping()

    async def check_database_writes(self) -> None:
        """Raises when the database does not take a write (a read-only file or server)."""
        await check_writes(self.database)

    async def close(self) -> None:
        await self.database.dispose()


def target_policy(settings: Settings) -> TargetPolicy:
    """Where channels may connect: public addresses and ``SENDOUT_ALLOWED_TARGETS``; SMTP on
    the mail ports and ``SENDOUT_SMTP_PORTS``."""
    return TargetPolicy(
        allowed=settings.allowed_targets, smtp_ports=SMTP_PORTS + settings.smtp_ports
    )


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    rng: random.Random | None = None,
    observer: Callable[[Mapping[str, str]], Observer] | None = None,
) -> Container:
    """``observer``: what the unit of work tells what it committed, made from the channel
    kinds (default: this process's metrics)."""
    reactions.install()
    database = open_database(settings.database_url, settings.database_pool_size)
    box = SecretBox(settings.encryption_keys)
    clock = clock or SystemClock()
    channels = channel_catalog(target_policy(settings))
    kinds = channel_kinds(channels)
    metrics = Metrics(clock, kinds)
    container = Container(
        settings=settings,
        database=database,
        uow_factory=SqlUnitOfWorkFactory(
            database, box, observer=metrics if observer is None else observer(kinds)
        ),
        export_files=LocalExportFiles(settings.data_directory),
        clock=clock,
        channels=channels,
        box=box,
        metrics=metrics,
    )
    if rng is not None:
        container.rng = rng
    container.sign_in_guard = SignInGuard(
        container.clock, lockout=timedelta(seconds=settings.signin_lockout_seconds)
    )
    return container


def channel_kinds(catalog: ChannelCatalog) -> dict[str, str]:
    """Provider name -> channel type: the metrics name a message send-out's channel kind by
    the provider it is addressed to (``domain/observations.py``)."""
    kinds: dict[str, str] = {}
    for channel_type in catalog.types:
        spec = catalog.spec(channel_type)
        if spec is not None:
            kinds[spec.provider.name] = channel_type
    return kinds


# --- the worker's jobs ----------------------------------------------------------------------

#: how often an idle worker looks for points and tiers whose day has come
DATED_JOBS_SECONDS = 30.0


def http_transport(settings: Settings) -> ChannelSender:
    """The HTTP client webhooks and HTTP channels go out through (``SENDOUT_HTTP_CLIENT``)."""
    client = WebhookSender if settings.http_client == "aiohttp" else Http1Sender
    # As many connections as attempts in flight: an attempt never waits for a connection.
    return client(
        timeout=settings.delivery_timeout,
        allowed_targets=settings.allowed_targets,
        connections=settings.delivery_concurrency,
    )


def dispatcher(
    container: Container, *, turns: Turns | None = None, read_first: bool = False
) -> Dispatcher:
    """A dispatcher (``turns``: sharing the queue with another; ``read_first``: holding
    SQLite's write lock only for its inserts, see ``services/pipeline/dispatch.py``)."""
    return Dispatcher(
        container.uow_factory,
        container.clock,
        container.rng,
        container.channels,
        read_first=read_first,
        turns=turns,
    )


@dataclass(frozen=True, slots=True)
class WorkerJobs:
    """The worker's jobs, lane by lane (``entrypoints/worker_lanes.py`` runs each lane as a
    loop of its own, so a long job in one never delays another)."""

    #: its own lane: a due send-out goes out whatever else the worker is doing
    deliverer: Deliverer
    #: dispatch (new send-outs: the delivery lane looks at once), then scheduled work
    main: list[tuple[str, Job]]
    #: manual distributions: a lane of its own, paced (``MANUAL_PACE``), so that a
    #: distribution to a million customers neither holds up dispatch nor starves delivery
    manual: list[tuple[str, Job]]
    #: alert emails, when this worker can send them (a lane of its own: a slow SMTP server
    #: must not hold up dispatch or delivery)
    mail: list[tuple[str, Job]]


def worker_jobs(
    container: Container, http: ChannelSender, *, dispatch_turns: Turns | None = None
) -> WorkerJobs:
    """The worker's jobs from the container and its settings; webhooks and HTTP channels go
    out through ``http``; ``dispatch_turns``: the worker shares dispatch with a helper."""
    settings, uow, clock, rng = (
        container.settings,
        container.uow_factory,
        container.clock,
        container.rng,
    )
    deliverer = Deliverer(
        uow,
        http,
        clock,
        rng,
        attempt_timeout=settings.delivery_timeout,
        concurrency=settings.delivery_concurrency,
        endpoint_concurrency=settings.endpoint_concurrency,
        catalog=container.channels,
        messages=message_senders(http, container.channels.targets),
    )
    points = PointsScheduler(uow, clock, rng)
    tiers = TierScheduler(uow, clock, rng)
    main: list[tuple[str, Job]] = [
        ("dispatch", dispatcher(container, turns=dispatch_turns).run_batch),
        (
            "async actions",
            AsyncActionRunner(uow, clock, rng, container.export_files).run_next,
        ),
        ("pending points", at_most_every(DATED_JOBS_SECONDS, points.activate_due)),
        ("points expiration", at_most_every(DATED_JOBS_SECONDS, points.expire_due)),
        ("tier expiration", at_most_every(DATED_JOBS_SECONDS, tiers.expire_due)),
    ]
    mail: list[tuple[str, Job]] = []
    if settings.smtp_url is not None:
        mailer = AlertMailer(
            uow, SmtpMailer(settings.smtp_url), clock, rng, default_address=settings.alert_email
        )
        mail.append(("alert emails", mailer.run_batch))
    manual: list[tuple[str, Job]] = [
        ("manual distributions", ManualScheduler(uow, clock, rng, container.channels).run_next)
    ]
    return WorkerJobs(deliverer=deliverer, main=main, manual=manual, mail=mail)
