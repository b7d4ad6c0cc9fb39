"""A real `streamlit run dashboard.py` on a free port over a demo-seeded temporary warehouse, and
Debian's chromium driven by Playwright (never a downloaded browser)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing but CI is set: install Debian's chromium package "
                    "(scripts/test does).", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); browser tests skipped")


def _seed(url: str) -> None:
    from etl.demo.demo import load_demo
    from etl.warehouse.db import ensure_schema, make_engine
    engine = make_engine(url)
    ensure_schema(engine)
    result = load_demo(engine)
    engine.dispose()
    assert result.ok, result.message


PASSWORD = "mat-khau-du-dai"   # the password of the accounts the browser tests log in with


def seeded_warehouse(folder: Path, seed: bytes, user: str, role: str) -> str:
    """The URL of a SQLite warehouse in `folder` holding one loaded workbook (`seed`) and one account
    (`user`, `role`, PASSWORD)."""
    from etl.accounts import auth
    from etl.warehouse.db import ensure_schema, make_engine
    from etl.warehouse.load import load_file
    url = f"sqlite:///{folder}/warehouse.db"
    engine = make_engine(url)
    ensure_schema(engine)
    assert load_file(engine, seed, "ban_dau.xlsx", user="seed").status == "loaded"
    auth.add_user(engine, user, role, password=PASSWORD)
    engine.dispose()
    return url


# How the server is started: the README's way (scripts/serve.py, which `bash scripts/run` execs) or
# plain `streamlit run dashboard.py`; login must work through both.
LAUNCHERS = {"serve": [sys.executable, str(ROOT / "scripts" / "serve.py")],
             "streamlit-run": [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py")]}


@contextmanager
def streamlit_server(url: str, log_dir: Path, launcher: str = "serve") -> Iterator[str]:
    """`streamlit run dashboard.py` on a free loopback port over the warehouse at `url`; yields its
    base URL once healthy and stops it afterwards."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "DVK_DEMO_AUTOLOAD": "0",
           "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full"}
    log_path = log_dir / "streamlit.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([*LAUNCHERS[launcher],
                                 "--server.headless", "true", "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail("streamlit did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _retry_assertions_for_30_s() -> None:
    """expect() retries until its condition holds; 5 s (its default) is short on a busy CI machine."""
    from playwright.sync_api import expect
    expect.set_options(timeout=30_000)


_retry_assertions_for_30_s()

APP_IDLE = ("[data-testid='stApp'][data-test-connection-state='CONNECTED']"
            "[data-test-script-state='notRunning']")


def wait_for_app_run(page, timeout: int = 30_000) -> None:
    """Wait until Streamlit is connected, has finished running the script and has removed the
    stale elements of the previous run (the same signals Streamlit's own e2e tests wait for);
    the status widget alone appears only after a delay, so it cannot tell that a run is over."""
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)


def open_page(page, url: str, timeout: int = 30_000) -> None:
    """Go to url and wait until Streamlit has shown the page's title and finished the run."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout)
    wait_for_app_run(page, timeout)


def login(page, base: str, user: str, password: str) -> None:
    """Log in through the sidebar form and wait until the sidebar names the user."""
    open_page(page, base)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Đăng nhập", exact=True).first.click()
    sidebar.get_by_label("Tên đăng nhập").fill(user)
    sidebar.get_by_label("Mật khẩu").fill(password)
    sidebar.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector(f'[data-testid="stSidebar"] :text("Đăng nhập: {user}")', timeout=30_000)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=30_000)
    wait_for_app_run(page)


def screenshot(page, path) -> None:
    """The whole page at the page's width: Streamlit scrolls inside its own container, so grow the
    viewport's height to fit, then give the viewport back."""
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(size["height"], height + 40), 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> str:
    """URL of the demo-seeded warehouse `server` shows (tests may add accounts to it)."""
    _require_chromium()
    url = f"sqlite:///{tmp_path_factory.mktemp('browser')}/warehouse.db"
    _seed(url)
    return url


@pytest.fixture(scope="session")
def server(demo_warehouse, tmp_path_factory):
    """Base URL of a running dashboard on a demo warehouse (2021-Q1 … 2026-Q3)."""
    with streamlit_server(demo_warehouse, tmp_path_factory.mktemp("log")) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="vi-VN")
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
