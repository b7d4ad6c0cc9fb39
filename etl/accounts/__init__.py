"""Accounts, roles, passwords, login sessions and throttling, OIDC binding, the audit log."""
