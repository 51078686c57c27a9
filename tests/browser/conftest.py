"""Shared fixtures of the browser tests: Debian's Chromium driven headless by Playwright, a
phone-sized context that records every console error (a CSP violation is one), and sign-in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("ROADCREDIT_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "roadcredit-demo"


@pytest.fixture
def chromium() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the live server
    # happen in its own thread, so Django's async-safety guard does not apply to them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"Chromium is required at {CHROMIUM} (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Console:
    """What the pages said on the console: errors and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    @property
    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e]

    @property
    def page_errors(self) -> list[str]:
        """Uncaught exceptions in the pages' own scripts."""
        return [e for e in self.errors if e.startswith("pageerror:")]


@dataclass
class Session:
    context: Any
    page: Any
    console: Console
    base_url: str

    def open(self, path: str) -> Any:
        self.page.goto(self.base_url + path)
        return self.page

    def sign_in(self, username: str, password: str = DEMO_PASSWORD, *, next_path: str = "/") -> Any:
        self.page.goto(f"{self.base_url}/accounts/login/?next={next_path}")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _session(browser: Any, live_server: Any, **options: Any) -> Session:
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    console = Console()
    page.on("console", lambda msg: console.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    return Session(context=context, page=page, console=console, base_url=live_server.url)


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Iterator[Session]:
    session = _session(chromium, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield session
    session.context.close()


@pytest.fixture
def desk(chromium: Any, live_server: Any) -> Iterator[Session]:
    session = _session(chromium, live_server, viewport={"width": 1366, "height": 900})
    yield session
    session.context.close()


@pytest.fixture
def public_base_url(settings: Any, live_server: Any) -> str:
    """QR codes carry ``PUBLIC_BASE_URL``: point it at the live server so they can be opened."""
    settings.PUBLIC_BASE_URL = live_server.url
    return str(live_server.url)
