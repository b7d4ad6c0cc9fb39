"""Streamlit side of accounts: who is logged in, the sidebar login form, page guards.

Local logins (settings.auth_mode == 'local', the default): the password is checked by etl.auth,
which opens a session and hands back a random token. The token lives in st.session_state for this
browser tab and in a cookie (set by a tiny script, SameSite=Strict) so that a page reload or a new
tab stays logged in until settings.session_hours pass; the warehouse keeps only its SHA-256 hash,
so logging out or disabling the account ends it everywhere.

OpenID Connect (settings.auth_mode == 'oidc'): st.login()/st.user replace local passwords. Accounts
and roles still live in the warehouse: add each person by e-mail without a password
(`python -m etl users add ten@donvi.gov.vn --role uploader --units 380 --no-password`).
It needs .streamlit/secrets.toml (never committed):

    [auth]
    redirect_uri = "https://dashboard.example.gov.vn/oauth2callback"
    cookie_secret = "<a long random string>"
    client_id = "<client id from the provider>"
    client_secret = "<client secret>"
    server_metadata_url = "https://provider.example.gov.vn/.well-known/openid-configuration"
"""
from __future__ import annotations

import streamlit as st

import ui
from etl import auth
from etl.audit import record_now
from etl.config import get_settings

COOKIE = "dvk_session"
TOKEN_KEY = "_auth_token"
DROPPED_KEY = "_auth_dropped_token"  # a cookie token logged out in this tab (cookies are read once)
_MD_SPECIAL = set("\\`*_[]#|<>~$")  # what can start markup inside a sentence
_CURRENT = object()
NEED_LABELS = {"view": "xem số liệu", "upload": "nạp số liệu", "admin": "quản trị"}


engine = ui.engine  # the warehouse engine, shared with the pages


def scope_label(account: auth.Account) -> str:
    """'toàn tỉnh' or the names of the units an uploader is limited to."""
    if not account.units or account.role != "uploader":
        return "toàn tỉnh"
    names = ui.unit_names()
    return ", ".join(names.get(code, code) for code in account.units)


def md_escape(text) -> str:
    """Text that came from a file or a user, safe inside st.markdown/st.error (no formatting)."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def browser_cookie() -> str:
    """The session cookie the browser sent when this tab connected ('' when none)."""
    token = st.context.cookies.get(COOKIE)  # None without a browser (bare script)
    # Only a string is a token: AppTest's context hands back a MagicMock for any cookie.
    return token if isinstance(token, str) else ""


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
            _sync_cookie()
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
    result = auth.login(engine(), username, password, hours=get_settings().session_hours)
    if not result.ok:
        st.error(result.message)
        return
    st.session_state[TOKEN_KEY] = result.token
    st.session_state.pop(DROPPED_KEY, None)
    st.session_state.pop("_auth_open", None)
    st.rerun()  # the navigation shows the pages this account may use


def _sync_cookie() -> None:
    # Cookies reach the server only when the tab connects, so write the cookie whenever this
    # tab's token is not the one the browser sent; the script carries only the random token.
    token = st.session_state.get(TOKEN_KEY)
    if token and token != _cookie_token():
        max_age = int(get_settings().session_hours) * 3600
        st.html(_cookie_script(token, max_age), unsafe_allow_javascript=True)


def _cookie_script(token: str, max_age: int) -> str:
    safe = "".join(ch for ch in token if ch.isalnum() or ch in "-_")  # token_urlsafe alphabet
    return ("<script>document.cookie = '" + COOKIE + "=" + safe + "; path=/; max-age=" + str(max_age)
            + "; samesite=strict' + (location.protocol === 'https:' ? '; secure' : '');</script>")


def _logout() -> None:
    token = current_token()
    auth.logout(engine(), token)
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state[DROPPED_KEY] = _cookie_token() or token
    st.session_state["_auth_clear_cookie"] = True
    st.rerun()


def clear_cookie_if_needed() -> None:
    """After a logout, expire the browser's cookie (called by the sidebar on the next run)."""
    if st.session_state.pop("_auth_clear_cookie", False):
        st.html("<script>document.cookie = '" + COOKIE + "=; path=/; max-age=0; samesite=strict';</script>",
                unsafe_allow_javascript=True)


# --- OpenID Connect (st.login / st.user); needs [auth] in .streamlit/secrets.toml -------------

def _oidc_account() -> auth.Account | None:
    if not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "")
    account = auth.get_account(engine(), email) if email else None
    if account is None or account.disabled:
        return None
    if st.session_state.get("_auth_oidc_recorded") != email:
        record_now(engine(), account.username, "login", method="oidc")
        st.session_state["_auth_oidc_recorded"] = email
    return account


def _render_oidc_sidebar() -> None:
    with st.sidebar:
        if not st.user.is_logged_in:
            if st.button("Đăng nhập", key="auth_oidc_login"):
                st.login()
            return
        account = _oidc_account()
        if account is None:
            st.warning(f"{st.user.get('email', '')} chưa được cấp quyền trong ứng dụng. "
                       "Liên hệ quản trị viên.")
        else:
            st.caption(f"Đăng nhập: **{account.username}** · {account.role_label}")
        if st.button("Đăng xuất", key="auth_oidc_logout"):
            st.logout()
