"""The session cookie the server sets: a one-time code is exchanged (once, within a minute) for a token
of the same login, the route answers with an HttpOnly, SameSite=Strict cookie (Secure under https),
refuses other sites, and logout ends the tab's and the cookie's token alike."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from etl.accounts import auth, sessions

PASSWORD = "mat-khau-du-dai"


@pytest.fixture
def logged_in(engine):
    auth.add_user(engine, "lan", "uploader", password=PASSWORD)
    return auth.login(engine, "lan", PASSWORD, hours=2).token


def test_a_handoff_code_gives_one_cookie_token_of_the_same_login(engine, logged_in):
    code = sessions.open_handoff(engine, logged_in)
    grant = sessions.redeem_handoff(engine, code)
    assert grant is not None and grant.token not in (code, logged_in)
    assert auth.session_account(engine, grant.token).username == "lan"
    assert abs((grant.expires_at - auth.now()) - timedelta(hours=2)) < timedelta(minutes=1)
    assert sessions.redeem_handoff(engine, code) is None  # once only
    assert sessions.redeem_handoff(engine, "") is None and sessions.redeem_handoff(engine, "x" * 5000) is None
    assert sessions.open_handoff(engine, "not-a-token") == ""


def test_a_handoff_code_expires_after_a_minute(engine, logged_in):
    code = sessions.open_handoff(engine, logged_in)
    later = auth.now() + timedelta(seconds=sessions.HANDOFF_SECONDS + 1)
    assert sessions.redeem_handoff(engine, code, moment=later) is None


@pytest.mark.parametrize("ended_by", ["tab", "cookie"])
def test_logout_ends_the_tab_and_the_cookie_token(engine, logged_in, ended_by):
    grant = sessions.redeem_handoff(engine, sessions.open_handoff(engine, logged_in))
    pending = sessions.open_handoff(engine, logged_in)
    auth.logout(engine, logged_in if ended_by == "tab" else grant.token)
    assert auth.session_account(engine, logged_in) is None
    assert auth.session_account(engine, grant.token) is None
    assert sessions.redeem_handoff(engine, pending) is None  # no cookie for an ended login


# --- the routes, called as the ASGI server calls them ---------------------------------------------

def call(endpoint, body: bytes = b"", headers: dict | None = None, scheme: str = "http",
         client: str = "203.0.113.9"):
    from starlette.requests import Request
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "method": "POST", "path": "/_dvk/session", "headers": raw, "scheme": scheme,
             "client": (client, 5000), "server": ("dashboard", 443 if scheme == "https" else 80),
             "query_string": b"", "root_path": "", "http_version": "1.1"}
    # In a thread of its own: another test in this worker (Playwright) may hold a running loop here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, endpoint(Request(scope, receive))).result()


SAME_SITE = {"Sec-Fetch-Site": "same-origin", "Host": "dashboard"}


@pytest.fixture
def routes(engine, monkeypatch):
    from ui import session_routes
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    yield session_routes
    for url in list(session_routes._engines):
        session_routes._engines.pop(url).dispose()


def set_cookie(response) -> str:
    return response.headers.get("set-cookie", "")


def test_the_route_sets_an_httponly_strict_cookie(routes, engine, logged_in):
    code = sessions.open_handoff(engine, logged_in)
    response = call(routes.set_session_cookie, f"code={code}".encode(), SAME_SITE)
    assert response.status_code == 204
    cookie = set_cookie(response)
    token = cookie.split(";")[0].split("=", 1)[1]
    assert cookie.startswith("dvk_session=") and auth.session_account(engine, token).username == "lan"
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes and "secure" not in attributes
    assert any(a.startswith("max-age=") and 7000 < int(a[8:]) <= 7200 for a in attributes)
    again = call(routes.set_session_cookie, f"code={code}".encode(), SAME_SITE)
    assert again.status_code == 403 and not set_cookie(again)


@pytest.mark.parametrize("scheme, headers, trusted", [
    ("https", {}, ""),
    ("http", {"X-Forwarded-Proto": "https"}, "203.0.113.9"),  # a trusted TLS proxy in front
])
def test_the_cookie_is_secure_under_https(routes, engine, logged_in, monkeypatch, scheme, headers, trusted):
    monkeypatch.setenv("DVK_TRUSTED_PROXIES", trusted)
    code = sessions.open_handoff(engine, logged_in)
    response = call(routes.set_session_cookie, f"code={code}".encode(), SAME_SITE | headers, scheme=scheme)
    assert "secure" in {part.strip().lower() for part in set_cookie(response).split(";")}


@pytest.mark.parametrize("headers", [{}, {"Sec-Fetch-Site": "cross-site", "Host": "dashboard"},
                                     {"Origin": "https://evil.example", "Host": "dashboard"}])
def test_the_routes_refuse_other_sites(routes, engine, logged_in, headers):
    code = sessions.open_handoff(engine, logged_in)
    assert call(routes.set_session_cookie, f"code={code}".encode(), headers).status_code == 403
    assert call(routes.clear_session_cookie, b"", headers).status_code == 403
    assert sessions.redeem_handoff(engine, code) is not None  # the refused request used nothing up


def test_the_logout_route_ends_the_login_and_expires_the_cookie(routes, engine, logged_in):
    grant = sessions.redeem_handoff(engine, sessions.open_handoff(engine, logged_in))
    response = call(routes.clear_session_cookie, b"", SAME_SITE | {"Cookie": f"dvk_session={grant.token}"})
    assert response.status_code == 204
    cookie = set_cookie(response).lower()
    assert cookie.startswith('dvk_session=""') and "max-age=0" in cookie and "httponly" in cookie
    assert auth.session_account(engine, grant.token) is None and auth.session_account(engine, logged_in) is None
