"""The session cookie in a real browser, through both ways of starting the server (scripts/serve.py and
plain `streamlit run dashboard.py`): the server sets it HttpOnly and SameSite=Strict, so page
scripts cannot read the token (`document.cookie`), yet the login survives a reload; logging out
expires it."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (LAUNCHERS, PASSWORD, login, open_page, seeded_warehouse, streamlit_server,
                                    wait_for_app_run)
from tests.workbooks import consolidated_workbook

pytestmark = pytest.mark.browser

LOGGED_IN = '[data-testid="stSidebar"] :text("Đăng nhập: lan")'


@pytest.fixture(scope="module", params=list(LAUNCHERS))
def cookie_server(request, tmp_path_factory, browser):
    book = consolidated_workbook([("Huyện Yên Định", {"conferences": 12})])
    url = seeded_warehouse(tmp_path_factory.mktemp("cookie-browser"), book, "lan", "uploader")
    with streamlit_server(url, tmp_path_factory.mktemp("cookie-log"), launcher=request.param) as base:
        yield base


def session_cookie(context, present: bool = True, timeout: float = 30.0) -> dict | None:
    """The dvk_session cookie once the server has set it (or None once it is gone)."""
    deadline = time.time() + timeout
    while True:
        found = next((c for c in context.cookies() if c["name"] == "dvk_session"), None)
        if (found is not None) == present or time.time() > deadline:
            return found
        time.sleep(0.2)


def test_the_token_is_httponly_and_the_login_survives_a_reload(cookie_server, page):
    login(page, cookie_server, "lan", PASSWORD)
    cookie = session_cookie(page.context)
    assert cookie is not None, "the server never set the session cookie"
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain http on loopback; under https it is Secure
    assert len(cookie["value"]) >= 40
    readable = page.evaluate("document.cookie")
    assert "dvk_session" not in readable and cookie["value"] not in readable
    assert cookie["value"] not in page.content()  # nor anywhere in the page

    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(LOGGED_IN, timeout=30_000)
    open_page(page, f"{cookie_server}/lich-su-nap")  # a page only a logged-in uploader may open
    expect(page.locator("h1").first).to_have_text("Lịch sử nạp")

    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Đăng xuất").click()
    wait_for_app_run(page)
    assert session_cookie(page.context, present=False) is None, "logout left the cookie"
    page.reload(wait_until="domcontentloaded")  # on Lịch sử nạp, now anonymous
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Cần đăng nhập để nạp số liệu")
    assert page.locator(LOGGED_IN).count() == 0
