"""The ``sendout`` command: serve, worker, migrate, project create, secrets, version."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace

import uvicorn
import uvloop
from cryptography.fernet import Fernet
from fastapi import FastAPI

from sendout import __version__
from sendout.adapters.db.migrate import DatabaseUnavailable
from sendout.bootstrap import Container, bootstrap, http_transport
from sendout.config import Settings, SettingsError, metrics_port
from sendout.domain.errors import DomainError
from sendout.domain.projects import IssuedKey
from sendout.entrypoints.api.app import create_app
from sendout.entrypoints.api_processes import (
    MAX_PROCESSES,
    api_children,
    bind_listening,
    pool_share,
    uvicorn_config,
)
from sendout.entrypoints.metrics_server import metrics_listener
from sendout.entrypoints.worker import running
from sendout.entrypoints.worker_lanes import worker_lanes
from sendout.logs import configure_logging
from sendout.services.accounts.projects import create_project

log = logging.getLogger("sendout")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sendout", description="Sendout: a self-hosted distributions engine for promotions."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the API (and, by default, the worker)")
    serve.add_argument("--host", help="listen address (SENDOUT_HOST, default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, help="listen port, 1-65535 (SENDOUT_PORT, default 8080)"
    )
    serve.add_argument(
        "--no-worker", action="store_true", help="API only; run `sendout worker` elsewhere"
    )
    serve.add_argument(
        "--workers",
        type=_processes,
        default=1,
        metavar="N",
        help=f"API processes on the one port, 1-{MAX_PROCESSES} (default 1); the worker, "
        "unless --no-worker, runs in the first only",
    )

    worker = commands.add_parser("worker", help="run the background worker alone")
    worker.add_argument(
        "--metrics-port",
        type=_metrics_port,
        help="serve /metrics on this port, or off (SENDOUT_METRICS_PORT, default 9464)",
    )
    commands.add_parser("migrate", help="apply database migrations")

    project = commands.add_parser("project", help="manage projects")
    project_commands = project.add_subparsers(dest="project_command", required=True)
    create = project_commands.add_parser("create", help="create a project and its key pair")
    create.add_argument("name")

    secrets = commands.add_parser("secrets", help="stored secrets (SENDOUT_ENCRYPTION_KEY)")
    secrets_commands = secrets.add_subparsers(dest="secrets_command", required=True)
    secrets_commands.add_parser(
        "rotate-key",
        help="encrypt every stored secret again with the first key of SENDOUT_ENCRYPTION_KEY",
    )
    secrets_commands.add_parser("new-key", help="print a new key for SENDOUT_ENCRYPTION_KEY")

    commands.add_parser("version", help="print the version")
    return parser


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _processes(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PROCESSES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of processes (1-{MAX_PROCESSES})"
        )
    return int(text)


def _metrics_port(text: str) -> int | None:
    try:
        return metrics_port(text, "--metrics-port")
    except SettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "version":
        print(f"sendout {__version__}")
        return 0
    if args.command == "secrets" and args.secrets_command == "new-key":
        print(Fernet.generate_key().decode())
        return 0
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"sendout: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    try:
        return uvloop.run(_run(args, settings))
    except (DomainError, OSError, DatabaseUnavailable) as exc:
        print(f"sendout: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        host = args.host or settings.host
        port = args.port if args.port is not None else settings.port
        return await _serve(
            settings, host, port, with_worker=not args.no_worker, processes=args.workers
        )
    container = bootstrap(settings)
    try:
        await container.migrate()
        if args.command == "migrate":
            print("database is up to date")
        elif args.command == "secrets":
            await _rotate_key(container)
        elif args.command == "worker":
            await container.check_secrets()
            port = settings.metrics_port if args.metrics_port is None else args.metrics_port
            await _work(container, port)
        elif args.command == "project":
            issued = await create_project(
                container.uow_factory, container.clock, container.rng, args.name
            )
            _print_keys(issued)
        return 0
    finally:
        await container.close()


async def _serve(
    settings: Settings, host: str, port: int, *, with_worker: bool, processes: int
) -> int:
    if processes > 1 and not with_worker:
        # This process is one of the API processes: its pool is a share like theirs.
        settings = replace(settings, database_pool_size=pool_share(settings, processes))
    container = bootstrap(settings)
    await container.migrate()
    await container.check_secrets()  # never start sending with secrets it cannot read
    issued = await container.ensure_default_project()
    if issued is not None:
        _print_keys(issued)

    listening = None if processes == 1 else bind_listening(host, port)

    @asynccontextmanager
    async def background(app: FastAPI) -> AsyncIterator[None]:
        # Stopped as the server shuts down (uvicorn then ends the process by the signal that
        # stopped it, so nothing after its serve() would run).
        async with contextlib.AsyncExitStack() as stack:
            if listening is not None:
                await stack.enter_async_context(api_children(settings, listening, processes))
            if with_worker:
                sender = http_transport(settings)
                stack.push_async_callback(sender.close)
                app.state.worker = await stack.enter_async_context(
                    running(worker_lanes(container, sender))
                )
            yield

    app = create_app(container, background=background)
    server = uvicorn.Server(uvicorn_config(app, settings, host, port))
    log.info("Sendout %s on http://%s:%d (docs at /docs)", __version__, host, port)
    if listening is None:
        await server.serve()
        return 0
    try:
        await server.serve(sockets=[listening])
    finally:
        listening.close()
    return 0


async def _work(container: Container, metrics_port: int | None) -> None:
    settings = container.settings
    sender = http_transport(settings)
    lanes = worker_lanes(container, sender)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lanes.stop)
    try:
        async with contextlib.AsyncExitStack() as listening:
            if metrics_port is not None and settings.metrics_allow is not None:
                await listening.enter_async_context(
                    metrics_listener(
                        container.metrics,
                        settings.metrics_host,
                        metrics_port,
                        settings.metrics_allow,
                    )
                )
            await lanes.run()
    finally:
        await sender.close()


async def _rotate_key(container: Container) -> None:
    def progress(table: str, done: int) -> None:
        print(f"  {table}: {done} rows encrypted", flush=True)

    print("Encrypting every stored secret with the first key of SENDOUT_ENCRYPTION_KEY", flush=True)
    done = await container.rotate_secrets(progress)
    print(
        "Done: "
        + ", ".join(f"{table} {count}" for table, count in done.items())
        + ". Keys after the first can now be removed from SENDOUT_ENCRYPTION_KEY.",
        flush=True,
    )


def _print_keys(issued: IssuedKey) -> None:
    print(
        f"Project {issued.project.name!r} ({issued.project.id})\n"
        f"  X-App-Id:    {issued.app_id}\n"
        f"  X-App-Token: {issued.app_token}\n"
        "Keep the token: it is stored hashed and cannot be shown again.",
        flush=True,
    )
