"""A real ``sendout serve`` process per backend, driven over HTTP and by the official SDK."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
import voucherify
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.services.accounts.projects import create_project

STARTUP_TIMEOUT = 30.0  # seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    host: str
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def start_server(
    database_url: str, workdir: Path, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], Server]:
    port = free_port()
    log = workdir / f"server-{port}.log"
    env = {
        **os.environ,
        "SENDOUT_DATABASE_URL": database_url,
        # The tests' webhook receivers listen on 127.0.0.1.
        "SENDOUT_ALLOWED_TARGETS": "127.0.0.0/8,::1/128",
        # Their SMTP servers (aiosmtpd) listen on ports the system picks.
        "SENDOUT_SMTP_PORTS": "1024-65535",
        # Short, so the timeout tests wait seconds, not the production 10.
        "SENDOUT_DELIVERY_TIMEOUT": "2",
        # The log is a file (JSON by default): tests read text unless they ask for JSON.
        "SENDOUT_LOG_FORMAT": "text",
        **(extra_env or {}),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sendout", "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server("127.0.0.1", port, log)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sendout serve exited:\n{log.read_text()}")
        try:
            status, _, _ = request(server, "GET", "/healthz")
            if status == 200:
                return process, server
        except OSError:
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError(f"sendout serve did not start:\n{log.read_text()}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    process, server = start_server(database_url, tmp_path_factory.mktemp("server"))
    yield server
    stop_server(process)


def request(
    server: Server,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    source: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection, from the loopback address ``source`` if given (all
    of 127.0.0.0/8 reaches the server: tests can be several clients)."""
    conn = http.client.HTTPConnection(
        server.host, server.port, timeout=10, source_address=(source, 0) if source else None
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@dataclass
class Api:
    """Raw HTTP calls with one project's keys."""

    server: Server
    keys: IssuedKey

    @property
    def auth(self) -> dict[str, str]:
        return {"X-App-Id": self.keys.app_id, "X-App-Token": self.keys.app_token}

    def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        authenticated: bool = True,
    ) -> tuple[int, Any]:
        all_headers = {"Content-Type": "application/json", **(self.auth if authenticated else {})}
        all_headers.update(headers or {})
        body = raw if raw is not None else (None if json is None else orjson.dumps(json))
        status, response_headers, content = request(self.server, method, path, body, all_headers)
        if content:
            assert response_headers["content-type"].startswith("application/json"), content
            return status, orjson.loads(content)
        return status, None


@pytest.fixture
def api(server: Server, project: IssuedKey) -> Api:
    return Api(server, project)


@pytest.fixture
async def other_api(server: Server, container: Container) -> Api:
    """A second project on the same server: the outsider of cross-project tests."""
    keys = await create_project(container.uow_factory, container.clock, container.rng, "other")
    return Api(server, keys)


@pytest.fixture
def sdk(server: Server, project: IssuedKey) -> Iterator[voucherify.ApiClient]:
    config = voucherify.Configuration(
        host=server.url, api_key={"X-App-Id": project.app_id, "X-App-Token": project.app_token}
    )
    with voucherify.ApiClient(config) as client:
        yield client


WAIT_SECONDS = 15.0  # how long a test waits for a webhook or a status


class _Listening(ThreadingHTTPServer):
    # http.server's default backlog is 5 connections waiting to be accepted: a worker whose
    # limit for a fast endpoint has grown opens far more at once (this server closes each
    # after one answer), and the kernel drops the SYNs beyond the backlog, so attempts time
    # out and wait for their retry. A receiver in production listens with hundreds (nginx:
    # 511); so does this one, or tests would measure http.server's default.
    request_queue_size = 512


class Receiver:
    """An HTTP endpoint that records what arrives and answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        #: answers for the next requests, in order: (status, headers, seconds to wait first)
        self.script: list[tuple[int, dict[str, str], float]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(
                        ({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status, headers, delay = (
                        receiver.script.pop(0) if receiver.script else (receiver.status, {}, 0.0)
                    )
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender gave up waiting (the timeout test)

            def log_message(self, *args: Any) -> None:
                return None

        self.port = free_port()
        self.server = _Listening(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait_for(self, count: int) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.requests)} of {count} webhooks arrived")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    endpoint.thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def sendouts_of(api: Api, source_id: str) -> list[dict[str, Any]]:
    """The send-outs of a distribution or a project webhook (the first 100)."""
    status, listing = api.call("GET", f"/v1/sendouts?distribution_id={source_id}&limit=100")
    assert status == 200, listing
    return list(listing["sendouts"])


def wait_until(api: Api, source_id: str, done: Any, what: str) -> list[dict[str, Any]]:
    """The source's send-outs once ``done(sendouts)`` holds (bounded wait)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        sendouts = sendouts_of(api, source_id)
        if done(sendouts):
            return sendouts
        time.sleep(0.05)
    raise AssertionError(f"{what}: {sendouts}")


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted"

    def about(self, resource_id: str) -> list[tuple[list[str], Message]]:
        """The emails naming ``resource_id`` (the database is shared with other tests, whose
        projects' alerts this server mails too), once one has arrived."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            found = [(to, m) for to, m in self.messages if resource_id.encode() in _text(m)]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no email about {resource_id} in {len(self.messages)}")


def _text(message: Message) -> bytes:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()
