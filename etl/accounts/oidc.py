"""OpenID Connect accounts: which warehouse account the provider's claims (st.user) stand for.

An administrator creates the account by e-mail (no password). The first login whose e-mail the
provider says it verified (`email_verified`) binds the account to the provider's identity:
(issuer `iss`, subject `sub`). Later logins find the account by (issuer, subject) alone, so a
changed or reused e-mail address never moves an account to another person, and a login with
another subject for a bound account's e-mail is refused.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select, update

from etl.accounts.audit import record
from etl.warehouse.db import write_transaction
from etl.warehouse.schema import User

MAX_ISSUER, MAX_SUBJECT, MAX_EMAIL = 300, 255, 100
REFUSALS = {
    "no_subject": "Nhà cung cấp đăng nhập không gửi định danh (iss, sub); liên hệ quản trị viên.",
    "unverified": "Địa chỉ e-mail chưa được nhà cung cấp đăng nhập xác minh; không thể dùng để đăng nhập.",
    "unknown": "{email} chưa được cấp quyền trong ứng dụng. Liên hệ quản trị viên.",
    "other_subject": "Tài khoản {email} đã gắn với một danh tính đăng nhập khác; liên hệ quản trị viên.",
    "disabled": "Tài khoản {email} đã bị khóa. Liên hệ quản trị viên.",
}


@dataclass(frozen=True)
class OidcResult:
    username: str | None  # the account to log in as, or None
    refusal: str = ""  # a key of REFUSALS when refused
    bound_now: bool = False

    def message(self, email: str) -> str:
        return REFUSALS.get(self.refusal, "").format(email=email)


def _claim(claims, key: str, limit: int) -> str:
    value = claims.get(key) if hasattr(claims, "get") else None
    return str(value).strip()[:limit] if value not in (None, "") else ""


def verified(claims) -> bool:
    """Whether the provider says it verified the e-mail (a boolean true, or the string 'true')."""
    value = claims.get("email_verified") if hasattr(claims, "get") else None
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def resolve_account(engine: Engine, claims) -> OidcResult:
    """The account the claims stand for, binding it on its first verified login."""
    issuer, subject = _claim(claims, "iss", MAX_ISSUER), _claim(claims, "sub", MAX_SUBJECT)
    email = _claim(claims, "email", MAX_EMAIL).lower()
    if not issuer or not subject:
        return OidcResult(None, "no_subject")
    with write_transaction(engine) as conn:
        bound = conn.execute(select(User).where(User.oidc_issuer == issuer,
                                                User.oidc_subject == subject)).first()
        if bound is not None:
            return OidcResult(None, "disabled") if bound.disabled else OidcResult(bound.username)
        if not verified(claims):
            return OidcResult(None, "unverified")
        row = conn.execute(select(User).where(User.username == email)).first() if email else None
        if row is None:
            return OidcResult(None, "unknown")
        if row.oidc_subject is not None:
            record(conn, row.username, "login_failed", reason="oidc_other_subject", issuer=issuer)
            return OidcResult(None, "other_subject")
        if row.disabled:
            return OidcResult(None, "disabled")
        conn.execute(update(User).where(User.id == row.id).values(oidc_issuer=issuer, oidc_subject=subject))
        record(conn, row.username, "oidc_bind", issuer=issuer)
    return OidcResult(row.username, bound_now=True)
