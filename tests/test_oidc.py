"""OpenID Connect accounts: bound on (issuer, subject) at the first login with a verified e-mail; later
logins match on those alone; another subject for a bound account is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from etl.accounts import auth, oidc
from etl.accounts.audit import recent_events
from etl.warehouse.schema import User

ISSUER = "https://id.example.gov.vn"


def claims(sub="s-1", email="lan@donvi.gov.vn", verified=True, iss=ISSUER):
    return {"iss": iss, "sub": sub, "email": email, "email_verified": verified}


@pytest.fixture
def account(engine):
    auth.add_user(engine, "lan@donvi.gov.vn", "uploader", password=None)
    return engine


def bound(engine) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(select(User.oidc_issuer, User.oidc_subject)
                                  .where(User.username == "lan@donvi.gov.vn")).one())


def test_an_unverified_email_binds_nothing(account):
    for flag in (False, None, "false", "yes"):
        assert oidc.resolve_account(account, claims(verified=flag)) == oidc.OidcResult(None, "unverified")
    assert bound(account) == (None, None)


def test_the_first_verified_login_binds_and_later_ones_match_on_the_subject(account):
    first = oidc.resolve_account(account, claims(verified="true"))
    assert (first.username, first.bound_now) == ("lan@donvi.gov.vn", True)
    assert bound(account) == (ISSUER, "s-1")
    renamed = oidc.resolve_account(account, claims(email="lan.moi@example.com", verified=False))
    assert (renamed.username, renamed.bound_now) == ("lan@donvi.gov.vn", False)
    assert "oidc_bind" in [e["action"] for e in recent_events(account)]


@pytest.mark.parametrize("other", [claims(sub="s-2"), claims(iss="https://khac.example.com")])
def test_another_identity_for_a_bound_account_is_refused(account, other):
    oidc.resolve_account(account, claims())
    assert oidc.resolve_account(account, other) == oidc.OidcResult(None, "other_subject")
    assert bound(account) == (ISSUER, "s-1")
    assert any(e["detail"].get("reason") == "oidc_other_subject" for e in recent_events(account))


def test_missing_identity_unknown_and_disabled_accounts_are_refused(account):
    assert oidc.resolve_account(account, {"email": "lan@donvi.gov.vn", "email_verified": True}).refusal == \
        "no_subject"
    assert oidc.resolve_account(account, claims(email="ai-do@example.com")).refusal == "unknown"
    oidc.resolve_account(account, claims())
    auth.disable_user(account, "lan@donvi.gov.vn")
    refused = oidc.resolve_account(account, claims())
    assert refused.refusal == "disabled" and "đã bị khóa" in refused.message("lan@donvi.gov.vn")


def test_two_accounts_cannot_share_an_identity(account):
    import sqlalchemy as sa
    auth.add_user(account, "minh@donvi.gov.vn", "viewer", password=None)
    oidc.resolve_account(account, claims())
    with pytest.raises(sa.exc.IntegrityError):
        with account.begin() as conn:
            conn.execute(sa.update(User).where(User.username == "minh@donvi.gov.vn")
                         .values(oidc_issuer=ISSUER, oidc_subject="s-1"))
