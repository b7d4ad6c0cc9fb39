"""Streamlit side of accounts: who is logged in, the sidebar login form, page guards.

Local logins (settings.auth_mode == 'local', the default): the password is checked by etl.accounts.auth
(throttled per typed name and client address, see request_address), which opens a session and
hands back a random token. The token lives in st.session_state for this browser tab (on the
server). For a page reload or a new tab, the server sets a cookie: the tab sends a one-time code to
the server's own route (ui/session_routes.py, mounted by dashboard.py's st.App), which answers
with an HttpOnly, SameSite=Strict cookie (Secure under https) holding a second token of the same
login; page scripts never see a token. The warehouse keeps only SHA-256 hashes, so logging out
(which also expires the cookie) or disabling the account ends the login everywhere.

OpenID Connect (settings.auth_mode == 'oidc'): st.login()/st.user replace local passwords. Accounts
and roles still live in the warehouse: add each person by e-mail without a password
(`python -m etl users add ten@donvi.gov.vn --role uploader --units 380 --no-password`). The first
login with that e-mail, verified by the provider (email_verified), binds the account to the
provider's (issuer, subject); later logins match on those, never on the e-mail (etl.accounts.oidc).
It needs .streamlit/secrets.toml (git-ignored, never committed):

    [auth]
    redirect_uri = "https://dashboard.example.gov.vn/oauth2callback"
    cookie_secret = "<a long random string>"
    client_id = "<client id from the provider>"
    client_secret = "<client secret>"
    server_metadata_url = "https://provider.example.gov.vn/.well-known/openid-configuration"
"""
from __future__ import annotations

import json
import time

import streamlit as st

import ui.data
from etl.accounts import auth, oidc, sessions
from etl.accounts.audit import record_now
from etl.accounts.client_address import client_address
from etl.config import get_settings
from ui.session_routes import COOKIE, LOGOUT_PATH, SESSION_PATH, route_url

CLEAR_COOKIE_SECONDS = 15  # how long after a logout the page keeps asking the server to expire the cookie

TOKEN_KEY = "_auth_token"
HANDOFF_KEY = "_auth_handoff"  # the one-time code this tab still has to hand to the cookie route
DROPPED_KEY = "_auth_dropped_token"  # a cookie token logged out in this tab (cookies are read once)
_MD_SPECIAL = set("\\`*_[]#|<>~$")  # what can start markup inside a sentence
_CURRENT = object()
NEED_LABELS = {"view": "xem số liệu", "upload": "nạp số liệu", "admin": "quản trị"}


engine = ui.data.engine  # the warehouse engine, shared with the pages


def scope_label(account: auth.Account) -> str:
    """'toàn tỉnh' or the names of the units an uploader is limited to."""
    return auth.scope_label(account, ui.data.unit_names())


def md_escape(text) -> str:
    """Text that came from a file or a user, safe inside st.markdown/st.error (no formatting)."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def browser_cookie() -> str:
    """The session cookie the browser sent when this tab connected ('' when none)."""
    token = st.context.cookies.get(COOKIE)  # None without a browser (bare script)
    # Only a string is a token: AppTest's context hands back a MagicMock for any cookie.
    return token if isinstance(token, str) else ""


def _text(value) -> str | None:
    # Only a string is real: AppTest's context hands back MagicMocks.
    return value if isinstance(value, str) else None


def request_address() -> str:
    """The client's address: the peer's (st.context.ip_address; None on loopback), or the
    left-most X-Forwarded-For entry when the peer is a trusted proxy (DVK_TRUSTED_PROXIES)."""
    peer = _text(st.context.ip_address)
    forwarded = _text(st.context.headers.get("X-Forwarded-For"))
    return client_address(peer, forwarded, get_settings().trusted_proxies)


def _cookie_token() -> str:
    token = browser_cookie()
    return "" if token == st.session_state.get(DROPPED_KEY) else token


def current_token() -> str:
    return st.session_state.get(TOKEN_KEY) or _cookie_token()


def current_user() -> auth.Account | None:
    """The logged-in account of this browser, or None (anonymous, expired, disabled)."""
    if get_settings().auth_mode == "oidc":
        return _oidc_account()
    token = current_token()
    account = auth.session_account(engine(), token) if token else None
    if account is None and st.session_state.get(TOKEN_KEY):
        st.session_state.pop(TOKEN_KEY, None)  # expired or ended elsewhere
    return account


def allowed(need: str, account=_CURRENT) -> bool:
    """Whether the current user (or `account`, None = anonymous) may do `need` ('view', 'upload',
    'admin')."""
    return auth.allowed(current_user() if account is _CURRENT else account, need,
                        view_requires_login=get_settings().view_requires_login)


def require_role(need: str) -> auth.Account | None:
    """Guard at the top of a page: refuse (st.error + st.stop) unless the user may do `need`."""
    account = current_user()
    if auth.allowed(account, need, view_requires_login=get_settings().view_requires_login):
        return account
    if account is None:
        if get_settings().auth_mode != "oidc" and not st.session_state.get("_auth_open"):
            st.session_state["_auth_open"] = True  # open the sidebar login form for this visitor
            st.rerun()
        st.error(f"Cần đăng nhập để {NEED_LABELS[need]}. Đăng nhập ở thanh bên trái.")
    else:
        st.error(f"Tài khoản {account.username} ({account.role_label}) không có quyền {NEED_LABELS[need]} "
                 "trên trang này. Liên hệ quản trị viên nếu cần được cấp quyền.")
    st.stop()


def render_login_sidebar() -> None:
    """Sidebar: who is logged in and a logout button, or the login form."""
    if get_settings().auth_mode == "oidc":
        _render_oidc_sidebar()
        return
    account = current_user()
    with st.sidebar:
        if account is not None:
            _hand_login_to_cookie()
            scope = f" · {scope_label(account)}" if account.role == "uploader" else ""
            st.caption(f"Đăng nhập: **{md_escape(account.username)}** · {account.role_label}{scope}")
            if st.button("Đăng xuất", key="auth_logout"):
                _logout()
            return
        clear_cookie_if_needed()
        open_form = get_settings().view_requires_login or st.session_state.get("_auth_open", False)
        with st.expander("Đăng nhập", expanded=True if open_form else False):
            _login_form()


def _login_form() -> None:
    if not auth.list_accounts(engine()):
        # A fresh installation: say how to create the first administrator instead of a dead end.
        st.info("Chưa có tài khoản nào. Tạo tài khoản quản trị đầu tiên trên máy chủ:\n\n"
                "`.venv/bin/python -m etl users add TÊN --role admin`")
    with st.form("auth_login", clear_on_submit=False, border=False):
        username = st.text_input("Tên đăng nhập", key="auth_username")
        password = st.text_input("Mật khẩu", type="password", key="auth_password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if not submitted:
        return
    st.session_state["_auth_open"] = True
    if not username.strip() or not password:
        st.error("Nhập tên đăng nhập và mật khẩu.")
        return
    result = auth.login(engine(), username, password, address=request_address(),
                        hours=get_settings().session_hours)
    if not result.ok:
        st.error(result.message)
        return
    st.session_state[TOKEN_KEY] = result.token
    st.session_state.pop("_auth_clear_cookie", None)  # a new login: stop expiring cookies
    st.session_state[HANDOFF_KEY] = sessions.open_handoff(engine(), result.token)
    st.session_state.pop(DROPPED_KEY, None)
    st.session_state.pop("_auth_open", None)
    st.rerun()  # the navigation shows the pages this account may use


def _post_script(path: str, body: str = "") -> str:
    """A script that POSTs `body` to one of the server's session routes (same origin only)."""
    return ("<script>fetch(" + json.dumps(route_url(path)) + ", {method: 'POST', credentials: "
            "'same-origin', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: "
            + json.dumps(body) + "});</script>")


def _hand_login_to_cookie() -> None:
    # Once per login: the page hands the one-time code to the server, which sets the HttpOnly
    # cookie itself. The code is useless after that, or after a minute.
    code = st.session_state.pop(HANDOFF_KEY, "")
    if code:
        safe = "".join(ch for ch in code if ch.isalnum() or ch in "-_")  # token_urlsafe alphabet
        st.html(_post_script(SESSION_PATH, "code=" + safe), unsafe_allow_javascript=True)


def _logout() -> None:
    token = current_token()
    auth.logout(engine(), token)  # every token of this login, the cookie's too
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(HANDOFF_KEY, None)
    st.session_state[DROPPED_KEY] = _cookie_token() or token
    st.session_state["_auth_clear_cookie"] = time.monotonic() + CLEAR_COOKIE_SECONDS
    st.rerun()


def clear_cookie_if_needed() -> None:
    """After a logout, have the server expire the browser's cookie. Sent again on every run for a few
    seconds: the run right after a logout is often replaced by another (the page's own guard reruns)
    before the browser has run its script; asking twice is harmless."""
    until = st.session_state.get("_auth_clear_cookie")
    if until is None:
        return
    if time.monotonic() > until:
        st.session_state.pop("_auth_clear_cookie", None)
        return
    nonce = st.session_state["_auth_clear_runs"] = st.session_state.get("_auth_clear_runs", 0) + 1
    st.html(_post_script(LOGOUT_PATH).replace("</script>", f"/* {nonce} */</script>"),
            unsafe_allow_javascript=True)


# --- OpenID Connect (st.login / st.user); needs [auth] in .streamlit/secrets.toml -------------

def _oidc_result() -> oidc.OidcResult:
    # Resolved (and, the first time, bound) once per tab and identity, not on every rerun.
    identity = (str(st.user.get("iss") or ""), str(st.user.get("sub") or ""))
    cached = st.session_state.get("_auth_oidc")
    if cached is None or cached[0] != identity:
        result = oidc.resolve_account(engine(), st.user)
        if result.username:
            record_now(engine(), result.username, "login", method="oidc", address=request_address())
        cached = st.session_state["_auth_oidc"] = (identity, result)
    return cached[1]


def _oidc_account() -> auth.Account | None:
    if not st.user.is_logged_in:
        return None
    result = _oidc_result()
    account = auth.get_account(engine(), result.username) if result.username else None
    return None if account is None or account.disabled else account


def _render_oidc_sidebar() -> None:
    with st.sidebar:
        if not st.user.is_logged_in:
            if st.button("Đăng nhập", key="auth_oidc_login"):
                st.login()
            return
        account = _oidc_account()
        if account is None:
            message = _oidc_result().message(str(st.user.get("email") or "")) or \
                "Tài khoản đã bị khóa. Liên hệ quản trị viên."
            st.warning(md_escape(message))
        else:
            st.caption(f"Đăng nhập: **{md_escape(account.username)}** · {account.role_label}")
        if st.button("Đăng xuất", key="auth_oidc_logout"):
            st.session_state.pop("_auth_oidc", None)
            st.logout()
