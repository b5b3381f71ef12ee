"""The composition root: Settings in, a wired container out. Nothing happens at import."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sendout.adapters.channels.registry import channel_catalog
from sendout.adapters.db.crypto import PLAIN, SecretBox
from sendout.adapters.db.engine import Database, check_writes, open_database
from sendout.adapters.db.migrate import upgrade_async
from sendout.adapters.db.secret_rows import check_secrets, rotate_secrets
from sendout.adapters.db.uow import SqlUnitOfWorkFactory
from sendout.config import Settings
from sendout.domain.channels import ChannelCatalog
from sendout.domain.clock import Clock, truncate_ms
from sendout.domain.ports import UnitOfWorkFactory
from sendout.domain.projects import IssuedKey
from sendout.domain.targets import SMTP_PORTS, TargetPolicy
from sendout.services.projects import ensure_default_project
from sendout.services.sign_in_guard import SignInGuard


class SystemClock:
    def now(self) -> datetime:
        return truncate_ms(datetime.now(UTC))


@dataclass(kw_only=True)
class Container:
    settings: Settings
    database: Database
    uow_factory: UnitOfWorkFactory
    clock: Clock = field(default_factory=SystemClock)
    #: Ids, tokens and secrets come from the operating system's CSPRNG.
    rng: random.Random = field(default_factory=random.SystemRandom)
    #: the message channels (email, SMS, CRMs) distributions can send through
    channels: ChannelCatalog = field(default_factory=channel_catalog)
    #: failed sign-ins (API key pairs and dashboard) and their lockouts, shared by both
    sign_in_guard: SignInGuard = field(default_factory=lambda: SignInGuard(SystemClock()))
    #: seals stored secrets with SENDOUT_ENCRYPTION_KEY (none: they are stored plain)
    box: SecretBox = PLAIN

    #: Called when new background work was committed (the in-process worker's wake-up).
    wake_listeners: list[Callable[[], None]] = field(default_factory=list)

    def wake_worker(self) -> None:
        for listener in self.wake_listeners:
            listener()

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
    settings: Settings, *, clock: Clock | None = None, rng: random.Random | None = None
) -> Container:
    database = open_database(settings.database_url)
    box = SecretBox(settings.encryption_keys)
    container = Container(
        settings=settings,
        database=database,
        uow_factory=SqlUnitOfWorkFactory(database, box),
        channels=channel_catalog(target_policy(settings)),
        box=box,
    )
    if clock is not None:
        container.clock = clock
    if rng is not None:
        container.rng = rng
    container.sign_in_guard = SignInGuard(
        container.clock, lockout=timedelta(seconds=settings.signin_lockout_seconds)
    )
    return container
