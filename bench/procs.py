"""Processes the benchmarks start: nginx and wrk (the reference), ``sendout serve`` and
``sendout worker``; each on 127.0.0.1, each stopped by its PID.

nginx (Debian's ``nginx-light``) and wrk are installed with ``apt-get`` when missing. nginx
answers 204 to everything and counts requests at ``/nginx_status`` (``stub_status``), which the
Celery baseline reads to see its deliveries arrive.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cpu import per_op_us, process_tree_cpu

APP_ID, APP_TOKEN = "bench-app-id", "bench-app-token"
HEADERS = {"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN, "Content-Type": "application/json"}
WRK_SECONDS = 4
WRK_CONNECTIONS = 32
WRK_BODY_BYTES = 640  # about the size of the envelopes sent (printed after the run)

NGINX_CONF = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_body_buffer_size 64k;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location = /nginx_status {{ stub_status; }}
        location / {{ return 204; }}
    }}
}}
"""

WRK_SCRIPT = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{{"id": "whs_bench", "data": "{filler}"}}'
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_tool(name: str) -> str | None:
    # /usr/sbin is not on every PATH, and Debian puts nginx there.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")


def ensure_tool(name: str, packages: Sequence[str], skip_install: bool) -> str:
    """The path of ``name``, installed from Debian's packages first when it is missing."""
    found = find_tool(name)
    if found is not None:
        return found
    if skip_install or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit(f"{name} is missing: apt-get install -y {packages[0]}")
    print(f"installing {name} with apt-get ...", flush=True)
    for refresh in (False, True):  # an image may come with no package lists: update once
        if refresh:
            subprocess.run(["apt-get", "update", "-qq"], check=False, timeout=600)
        for package in packages:
            done = subprocess.run(
                ["apt-get", "install", "-y", "-qq", package],
                check=False,
                timeout=600,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
            if done.returncode == 0 and (found := find_tool(name)) is not None:
                return found
    raise SystemExit(f"could not install {name} (apt-get install -y {packages[0]})")


def stop(process: subprocess.Popen[bytes], sig: signal.Signals, name: str) -> None:
    """Stop a process started here, by its PID (Popen never signals one already reaped)."""
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        print(f"{name} (pid {process.pid}) did not stop: killed", flush=True)
        process.kill()
        process.wait()


def wait_listening(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} is not listening on 127.0.0.1:{port}")


# -- nginx and wrk: the reference ----------------------------------------------------------


def start_nginx(nginx: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    prefix = workdir / "nginx"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port))
    command = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    with (prefix / "stdout.log").open("wb") as log:
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT
        )
    wait_listening(port, process, "nginx")
    return process


def nginx_requests(port: int) -> int:
    """Requests nginx has answered so far (this one included), from ``stub_status``."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/nginx_status", timeout=5) as answer:
        text = answer.read().decode()
    found = re.search(r"^\s*\d+\s+\d+\s+(\d+)\s*$", text, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"cannot read nginx's stub_status:\n{text}")
    return int(found[1])


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    problems: str  # non-2xx responses and socket errors, as wrk reports them ("" if none)
    nginx_us: float  # nginx's CPU per request during the run (master and worker)

    def describe(self) -> str:
        return (
            f"{self.rps:,.0f} requests/s, nginx {self.nginx_us:.1f} us CPU/request, "
            f"p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms ({self.requests:,} requests"
            f"{'; ' + self.problems if self.problems else ''})"
        )


def wrk_ms(text: str) -> float:
    """wrk's ``812.00us``, ``1.23ms``, ``2.00s`` in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise RuntimeError(f"wrk printed an unknown duration: {text!r}")
    return float(found[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[found[2]]


def run_wrk(wrk: str, url: str, workdir: Path, nginx_pid: int) -> WrkResult:
    """One wrk run against nginx, with nginx's CPU over it (/proc, before and after)."""
    filler = "x" * (WRK_BODY_BYTES - len('{"id": "whs_bench", "data": ""}'))
    script = workdir / "post.lua"
    script.write_text(WRK_SCRIPT.format(filler=filler))
    command = [wrk, "-t1", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--latency"]
    nginx_before = process_tree_cpu(nginx_pid)
    done = subprocess.run(
        [*command, "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=WRK_SECONDS + 30,
    )
    nginx_cpu = process_tree_cpu(nginx_pid) - nginx_before
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    requests = re.search(r"(\d+) requests in", out)
    if not (rps and p50 and p99 and requests):
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    problems = "; ".join(
        line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line
    )
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=wrk_ms(p50.group(1)),
        p99_ms=wrk_ms(p99.group(1)),
        requests=int(requests.group(1)),
        problems=problems,
        nginx_us=per_op_us(nginx_cpu, int(requests.group(1))),
    )


# -- Sendout -------------------------------------------------------------------------------


def sendout_env(database_url: str, timeout: float | None, client: str) -> dict[str, str]:
    return {
        **os.environ,
        "SENDOUT_DATABASE_URL": database_url,
        "SENDOUT_APP_ID": APP_ID,
        "SENDOUT_APP_TOKEN": APP_TOKEN,
        "SENDOUT_ALLOWED_TARGETS": "127.0.0.0/8",  # nginx and the black holes are loopback
        "SENDOUT_LOG_LEVEL": "WARNING",
        "SENDOUT_HTTP_CLIENT": client,
        # unset: the default (10 s)
        **({} if timeout is None else {"SENDOUT_DELIVERY_TIMEOUT": str(timeout)}),
    }


def start_server(
    database_url: str,
    workdir: Path,
    port: int,
    timeout: float | None,
    *,
    worker: bool = True,
    client: str = "http1",
    api_processes: int = 1,
) -> subprocess.Popen[bytes]:
    """``sendout serve`` (with ``--workers N`` when ``api_processes`` > 1: check
    ``api_processes_available`` first)."""
    command = [sys.executable, "-m", "sendout", "serve", "--port", str(port)]
    if not worker:
        command.append("--no-worker")
    if api_processes > 1:
        command += ["--workers", str(api_processes)]
    with (workdir / "server.log").open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=workdir,
            env=sendout_env(database_url, timeout, client),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def start_worker(
    database_url: str, workdir: Path, timeout: float | None, client: str = "http1"
) -> subprocess.Popen[bytes]:
    """A ``sendout worker`` process (no metrics listener)."""
    command = [sys.executable, "-m", "sendout", "worker", "--metrics-port", "off"]
    with (workdir / "worker.log").open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=workdir,
            env=sendout_env(database_url, timeout, client),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@functools.cache
def serve_has_workers_option() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "sendout", "serve", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return "--workers" in done.stdout


def api_processes_available(wanted: int) -> int:
    """``wanted`` if ``sendout serve --workers N`` exists (or ``wanted`` is 1), else 1, said
    clearly."""
    if wanted <= 1 or serve_has_workers_option():
        return max(1, wanted)
    print(
        f"NOTE: `sendout serve` has no --workers option in this version: --api-processes "
        f"{wanted} falls back to 1 API process",
        flush=True,
    )
    return 1
