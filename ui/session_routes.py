"""The server's own HTTP routes for the session cookie, mounted by dashboard.py's st.App (Streamlit's
ASGI app object, which `streamlit run dashboard.py` and scripts/serve.py both serve).

A page script cannot set an HttpOnly cookie, and the websocket the app talks over cannot set any.
So after a login the tab asks the server, with a one-time code (etl.accounts.sessions), to set the cookie:
POST {base}/_dvk/session answers with `Set-Cookie: dvk_session=…; HttpOnly; SameSite=Strict`
(`Secure` under https, directly or through a trusted TLS proxy). POST {base}/_dvk/logout ends the
cookie's login and expires the cookie. Both refuse requests from other sites.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from etl.accounts import auth, sessions
from etl.accounts.client_address import is_https
from etl.config import get_settings

COOKIE = "dvk_session"
SESSION_PATH = "_dvk/session"
LOGOUT_PATH = "_dvk/logout"
MAX_BODY = 1024
_engines: dict = {}
_engines_lock = threading.Lock()


def base_path() -> str:
    """'' or '/prefix' (Streamlit's server.baseUrlPath), where the app and these routes live."""
    from streamlit import config
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def route_url(path: str) -> str:
    """The absolute path of one of these routes, for the page's script."""
    return f"{base_path()}/{path}"


def _engine():
    from etl.warehouse.db import ensure_schema, make_engine
    url = get_settings().database_url
    with _engines_lock:
        if url not in _engines:
            engine = make_engine(url)
            ensure_schema(engine)
            _engines[url] = engine
        return _engines[url]


def same_site(request) -> bool:
    """Only the dashboard's own pages may call these routes (no login or logout from elsewhere)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("host")


def _secure(request) -> bool:
    peer = request.client.host if request.client else None
    return is_https(request.url.scheme, peer, request.headers.get("x-forwarded-proto"),
                    get_settings().trusted_proxies)


async def _form_field(request, name: str) -> str:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return ""
    values = parse_qs(body.decode("ascii", errors="ignore")).get(name) or [""]
    return values[0]


async def set_session_cookie(request):
    """Exchange a one-time code for the session cookie."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response
    if not same_site(request):
        return Response(status_code=403)
    code = await _form_field(request, "code")
    grant = await run_in_threadpool(sessions.redeem_handoff, _engine(), code) if code else None
    if grant is None:
        return Response(status_code=403, headers={"Cache-Control": "no-store"})
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    max_age = max(1, int((grant.expires_at - datetime.now(timezone.utc)).total_seconds()))
    response.set_cookie(COOKIE, grant.token, max_age=max_age, path=base_path() or "/", httponly=True,
                        samesite="strict", secure=_secure(request))
    return response


async def clear_session_cookie(request):
    """End the cookie's login and expire the cookie."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response
    if not same_site(request):
        return Response(status_code=403)
    token = request.cookies.get(COOKIE, "")
    if token:
        await run_in_threadpool(auth.logout, _engine(), token)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(COOKIE, path=base_path() or "/", httponly=True, samesite="strict",
                           secure=_secure(request))
    return response


def routes() -> list:
    """The routes for st.App(routes=...)."""
    from starlette.routing import Route
    return [Route(route_url(SESSION_PATH), set_session_cookie, methods=["POST"]),
            Route(route_url(LOGOUT_PATH), clear_session_cookie, methods=["POST"])]
