"""Settings: one object, read once from ``SENDOUT_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.fernet import Fernet

ENV_PREFIX = "SENDOUT_"

DEFAULT_DATABASE_URL = "sqlite:///sendout.db"  # relative to the working directory
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
#: where ``sendout worker`` serves /metrics unless told (Prometheus' conventional exporter port)
DEFAULT_METRICS_PORT = 9464
DEFAULT_LOG_LEVEL = "INFO"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024  # 1 MiB
DEFAULT_AUTH_CACHE_SECONDS = 5.0  # how long a verified key pair is trusted without a lookup
DEFAULT_DELIVERY_TIMEOUT = 10.0  # seconds for one whole webhook attempt (DESIGN.md §7)
DEFAULT_WORKER_POLL_SECONDS = 1.0
DEFAULT_DELIVERY_CONCURRENCY = 256  # attempts in flight per worker
#: the most PostgreSQL connections one process holds (half kept open, half opened on demand)
DEFAULT_DATABASE_POOL_SIZE = 20
DEFAULT_SIGNIN_LOCKOUT_SECONDS = 1.0  # the first lockout after failed sign-ins (then doubling)
MIN_ADMIN_PASSWORD_LENGTH = 16  # it opens every project: no short, guessable ones
#: the HTTP clients webhooks and HTTP channels can go out through (the first is the default)
HTTP_CLIENTS = ("http1", "aiohttp")

#: how log lines are written: ``text`` for a person, ``json`` (one object a line) for a shipper
LOG_FORMATS = ("text", "json")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
#: who may scrape ``/metrics`` by default: this machine only (the API's port may be public)
LOOPBACK: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)


class SettingsError(ValueError):
    """An environment variable holds a value Sendout cannot use."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    #: the most PostgreSQL connections this process opens (``serve --workers N`` shares it
    #: between its API processes)
    database_pool_size: int = DEFAULT_DATABASE_POOL_SIZE
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    log_level: str = DEFAULT_LOG_LEVEL
    #: ``text`` or ``json``; unset: text when stderr is a terminal, JSON when it is not
    log_format: str = LOG_FORMATS[0]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    auth_cache_seconds: float = DEFAULT_AUTH_CACHE_SECONDS
    app_id: str | None = None
    app_token: str | None = None
    #: non-public ranges webhooks may reach anyway (tests and local demos allow loopback)
    allowed_targets: tuple[IPNetwork, ...] = ()
    delivery_timeout: float = DEFAULT_DELIVERY_TIMEOUT
    #: how often an idle worker looks for work it was not told about
    worker_poll_seconds: float = DEFAULT_WORKER_POLL_SECONDS
    delivery_concurrency: int = DEFAULT_DELIVERY_CONCURRENCY
    #: the most attempts in flight per worker to one endpoint (URL); each endpoint's limit
    #: adapts to its answers up to it. None: up to ``delivery_concurrency``
    endpoint_concurrency: int | None = None
    #: ``http1``: Sendout's own keep-alive HTTP/1.1 client (~10x less CPU per request);
    #: ``aiohttp``: aiohttp's client session
    http_client: str = HTTP_CLIENTS[0]
    #: where alert emails go out (``smtp://user:password@host:port``, ``smtps://`` for TLS)
    smtp_url: str | None = None
    #: ports SMTP integrations may use besides 25, 465, 587 and 2525 (``2600`` or ``2600-2699``)
    smtp_ports: tuple[range, ...] = ()
    #: the alert address of projects that have none of their own
    alert_email: str | None = None
    #: the operator's dashboard password (signs in to any project); None: key pairs only
    admin_password: str | None = None
    #: dashboard cookies only over HTTPS (set behind a TLS-terminating proxy)
    secure_cookies: bool = False
    #: on SQLite, the worker dispatches events in a child process of its own (the second
    #: core); off: in the worker's process, as on PostgreSQL
    dispatch_process: bool = True
    #: the first lockout after repeated failed sign-ins; each further failure doubles it
    signin_lockout_seconds: float = DEFAULT_SIGNIN_LOCKOUT_SECONDS
    #: Fernet keys sealing stored secrets: the first seals, all open (rotation); none: plain
    encryption_keys: tuple[str, ...] = ()
    #: clients that may scrape ``/metrics`` (API and worker); None: metrics are off
    metrics_allow: tuple[IPNetwork, ...] | None = LOOPBACK
    #: where ``sendout worker`` serves ``/metrics`` (None: it does not; ``serve``'s own worker
    #: is on the API's ``/metrics``)
    metrics_host: str = DEFAULT_HOST
    metrics_port: int | None = DEFAULT_METRICS_PORT
    #: where Sendout keeps files (CSV exports, in ``exports/``); None: beside the SQLite
    #: database file, or the working directory on PostgreSQL
    data_dir: str | None = None

    @property
    def data_directory(self) -> str:
        """``data_dir``, or its default."""
        if self.data_dir is not None:
            return self.data_dir
        scheme, _, path = self.database_url.partition(":///")
        if scheme.startswith("sqlite") and path and not path.startswith(":memory:"):
            return os.path.dirname(os.path.abspath(path.split("?")[0]))
        return os.getcwd()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value if value not in (None, "") else None

        def number(name: str, default: float) -> float:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{ENV_PREFIX}{name} must be a number, not {raw!r}") from None
            if value < 0:
                raise SettingsError(f"{ENV_PREFIX}{name} must not be negative")
            return value

        def flag(name: str, default: bool) -> bool:
            raw = get(name)
            if raw is None:
                return default
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise SettingsError(f"{ENV_PREFIX}{name} must be 1 or 0 (true or false), not {raw!r}")

        log_level = (get("LOG_LEVEL") or DEFAULT_LOG_LEVEL).upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError(f"{ENV_PREFIX}LOG_LEVEL is not a log level: {log_level!r}")
        log_format = (get("LOG_FORMAT") or _default_log_format()).lower()
        if log_format not in LOG_FORMATS:
            raise SettingsError(
                f"{ENV_PREFIX}LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, "
                f"not {log_format!r}"
            )
        app_id, app_token = get("APP_ID"), get("APP_TOKEN")
        if (app_id is None) != (app_token is None):
            raise SettingsError(
                f"Set both {ENV_PREFIX}APP_ID and {ENV_PREFIX}APP_TOKEN, or neither"
            )
        http_client = (get("HTTP_CLIENT") or HTTP_CLIENTS[0]).lower()
        if http_client not in HTTP_CLIENTS:
            raise SettingsError(
                f"{ENV_PREFIX}HTTP_CLIENT must be one of {', '.join(HTTP_CLIENTS)}, "
                f"not {http_client!r}"
            )
        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        if not database_url.startswith(("sqlite", "postgresql", "postgres:")):
            raise SettingsError(
                f"{ENV_PREFIX}DATABASE_URL must be sqlite:///path or postgresql://user@host/db"
            )
        admin_password = get("ADMIN_PASSWORD")
        if admin_password is not None and len(admin_password) < MIN_ADMIN_PASSWORD_LENGTH:
            raise SettingsError(
                f"{ENV_PREFIX}ADMIN_PASSWORD must be at least {MIN_ADMIN_PASSWORD_LENGTH} "
                "characters long"
            )
        signin_lockout = number("SIGNIN_LOCKOUT_SECONDS", DEFAULT_SIGNIN_LOCKOUT_SECONDS)
        if signin_lockout == 0:
            raise SettingsError(f"{ENV_PREFIX}SIGNIN_LOCKOUT_SECONDS must be more than 0")
        pool_size = number("DATABASE_POOL_SIZE", DEFAULT_DATABASE_POOL_SIZE)
        if pool_size != int(pool_size) or pool_size < 1:
            raise SettingsError(
                f"{ENV_PREFIX}DATABASE_POOL_SIZE must be a whole number of connections (1 or "
                f"more), not {pool_size:g}"
            )
        port = number("PORT", DEFAULT_PORT)
        if port != int(port) or not 1 <= port <= 65535:
            raise SettingsError(f"{ENV_PREFIX}PORT must be a port number (1-65535), not {port:g}")
        return cls(
            database_url=database_url,
            database_pool_size=int(pool_size),
            host=get("HOST") or DEFAULT_HOST,
            port=int(port),
            log_level=log_level,
            log_format=log_format,
            max_body_bytes=int(number("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
            auth_cache_seconds=number("AUTH_CACHE_SECONDS", DEFAULT_AUTH_CACHE_SECONDS),
            app_id=app_id,
            app_token=app_token,
            allowed_targets=_networks(get("ALLOWED_TARGETS"), "ALLOWED_TARGETS"),
            delivery_timeout=number("DELIVERY_TIMEOUT", DEFAULT_DELIVERY_TIMEOUT) or 0.001,
            worker_poll_seconds=number("WORKER_POLL_SECONDS", DEFAULT_WORKER_POLL_SECONDS)
            or DEFAULT_WORKER_POLL_SECONDS,
            delivery_concurrency=max(
                1, int(number("DELIVERY_CONCURRENCY", DEFAULT_DELIVERY_CONCURRENCY))
            ),
            endpoint_concurrency=(
                None
                if get("ENDPOINT_CONCURRENCY") is None
                else max(1, int(number("ENDPOINT_CONCURRENCY", 1)))
            ),
            http_client=http_client,
            smtp_url=_smtp_url(get("SMTP_URL")),
            smtp_ports=_ports(get("SMTP_PORTS")),
            alert_email=get("ALERT_EMAIL"),
            admin_password=admin_password,
            secure_cookies=flag("SECURE_COOKIES", False),
            dispatch_process=flag("DISPATCH_PROCESS", True),
            signin_lockout_seconds=signin_lockout,
            encryption_keys=_fernet_keys(get("ENCRYPTION_KEY")),
            metrics_allow=_metrics_allow(get("METRICS_ALLOW")),
            metrics_host=get("METRICS_HOST") or DEFAULT_HOST,
            metrics_port=metrics_port(get("METRICS_PORT"), f"{ENV_PREFIX}METRICS_PORT"),
            data_dir=get("DATA_DIR"),
        )


def _default_log_format() -> str:
    """Text for a person at a terminal; JSON where a process manager or a container runtime
    collects the lines (stderr is then a pipe or a file)."""
    stream = sys.stderr
    return "text" if stream is not None and stream.isatty() else "json"


def metrics_port(raw: str | None, name: str) -> int | None:
    """A metrics listener's port (1-65535; unset: ``DEFAULT_METRICS_PORT``), or None for none
    (``0`` or ``off``): the environment's ``SENDOUT_METRICS_PORT`` and ``sendout worker
    --metrics-port`` alike."""
    if raw is None:
        return DEFAULT_METRICS_PORT
    if raw.strip().lower() in _FALSE:
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise SettingsError(f"{name} must be a port number (1-65535) or off, not {raw!r}")
    return int(text)


def _metrics_allow(raw: str | None) -> tuple[IPNetwork, ...] | None:
    """``SENDOUT_METRICS_ALLOW``: CIDR ranges that may scrape, or ``off`` (no metrics)."""
    if raw is None:
        return LOOPBACK
    return None if raw.strip().lower() in _FALSE else _networks(raw, "METRICS_ALLOW")


def _networks(raw: str | None, name: str) -> tuple[IPNetwork, ...]:
    """``SENDOUT_ALLOWED_TARGETS``, ``SENDOUT_METRICS_ALLOW``: comma-separated CIDR ranges (or
    single addresses)."""
    networks: list[IPNetwork] = []
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise SettingsError(
                f"{ENV_PREFIX}{name}: {part.strip()!r} is not a CIDR range"
            ) from None
    return tuple(networks)


def _ports(raw: str | None) -> tuple[range, ...]:
    """``SENDOUT_SMTP_PORTS``: comma-separated ports or ranges (``2600-2699``)."""
    ports: list[range] = []
    for part in (raw or "").split(","):
        text = part.strip()
        if not text:
            continue
        first, _, last = text.partition("-")
        bounds = (first.strip(), (last or first).strip())
        if not all(b.isascii() and b.isdigit() for b in bounds):
            raise SettingsError(f"{ENV_PREFIX}SMTP_PORTS: {text!r} is not a port or a range")
        low, high = int(bounds[0]), int(bounds[1])
        if not 0 < low <= high < 65536:
            raise SettingsError(f"{ENV_PREFIX}SMTP_PORTS: {text!r} is not within 1-65535")
        ports.append(range(low, high + 1))
    return tuple(ports)


def _smtp_url(raw: str | None) -> str | None:
    if raw is not None and not raw.startswith(("smtp://", "smtps://")):
        raise SettingsError(f"{ENV_PREFIX}SMTP_URL must be smtp://host:port or smtps://host:port")
    return raw


def _fernet_keys(raw: str | None) -> tuple[str, ...]:
    """``SENDOUT_ENCRYPTION_KEY``: comma-separated Fernet keys, each checked by Fernet itself
    (the code that uses them); the message names the key's position, never its value."""
    keys = tuple(part.strip() for part in (raw or "").split(",") if part.strip())
    for n, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise SettingsError(
                f"{ENV_PREFIX}ENCRYPTION_KEY: key {n} is not a Fernet key (32 url-safe "
                "base64-encoded bytes; make one with `sendout secrets new-key`)"
            ) from None
    return keys
