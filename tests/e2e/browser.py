"""Helpers for the dashboard's browser tests: Debian's Chromium (installed when missing) driven
by Playwright for Python, signing in through the login form, bounded reloads, screenshots.

Playwright's own browser download (``playwright install``) does not work on these machines,
so the tests launch ``/usr/bin/chromium`` from Debian's ``chromium`` package instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Playwright, expect, sync_playwright

from sendout.domain.projects import IssuedKey

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_TIMEOUT = 600.0  # seconds for apt-get, waiting for dpkg's lock included
STEP_TIMEOUT_MS = 10_000  # how long one expectation waits for the page
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}


def ensure_chromium() -> str | None:
    """Install Debian's ``chromium`` when it is missing: None once it is there, else why not."""
    if Path(CHROMIUM).exists():
        return None
    if os.geteuid() != 0:
        return f"{CHROMIUM} is missing and installing it needs root"
    if shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing and there is no apt-get to install it"
    deadline = time.monotonic() + INSTALL_TIMEOUT
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-q", "chromium"]
    # A stale package index makes the first install fail: update once and try again.
    for commands in ([install], [["apt-get", "update", "-q"], install]):
        for command in commands:
            left = deadline - time.monotonic()
            if left <= 0:
                return f"installing chromium took longer than {INSTALL_TIMEOUT:.0f} s"
            try:
                done = subprocess.run(command, env=env, capture_output=True, timeout=left)
            except subprocess.TimeoutExpired:
                return f"installing chromium took longer than {INSTALL_TIMEOUT:.0f} s"
            if done.returncode != 0:
                break
        if Path(CHROMIUM).exists():
            return None
    tail = (done.stderr or done.stdout).decode(errors="replace")[-500:]
    return f"apt-get could not install chromium: {tail}"


def skip_without_chromium() -> None:
    """Chromium missing and impossible to install is the only reason browser tests skip."""
    reason = ensure_chromium()
    if reason is not None:
        pytest.skip(f"no Chromium for the browser tests: {reason}")


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=30_000
    )


@contextmanager
def open_page() -> Iterator[Page]:
    """A fresh browser and page. Open it once the test's async fixtures are set up: while the
    sync API runs, its event loop counts as running, where pytest-asyncio cannot run theirs."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        context.set_default_timeout(STEP_TIMEOUT_MS)
        expect.set_options(timeout=STEP_TIMEOUT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def sign_in(page: Page, base_url: str, keys: IssuedKey) -> None:
    """Through the login form, with the project's key pair: lands on the distributions."""
    page.goto(f"{base_url}/dashboard/login")
    form = page.locator("form", has=page.locator("input[name=app_id]"))
    form.locator("input[name=app_id]").fill(keys.app_id)
    form.locator("input[name=app_token]").fill(keys.app_token)
    form.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/dashboard/distributions", timeout=STEP_TIMEOUT_MS)
    expect(page.locator("h1")).to_have_text("Distributions")


def reload_until(page: Page, locator: Locator, text: str, seconds: float = 15.0) -> None:
    """Reload the page until ``locator`` contains ``text`` (for what the worker does in the
    background), each look bounded by Playwright's own wait; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            expect(locator).to_contain_text(text, timeout=500)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        page.reload()


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save the page under ``artifacts/screenshots/`` (ignored by git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
