"""Password policy and hashing: at least MIN_PASSWORD characters, not a common password, argon2id.

The common-password list (data/common_passwords.txt) is data, not code: the 5,000 most common
entries of Royce Williams' list of the 20,000 most common passwords (as Django ships it for its
CommonPasswordValidator: lowercased, deduplicated), plus every longer entry (12 characters or more)
from the rest of that list, the only ones the length rule lets through. Compared lowercased.
"""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from etl.config import DATA_DIR

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is only a way to burn CPU
COMMON_PASSWORDS = DATA_DIR / "common_passwords.txt"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("không-có-tài-khoản-này")  # equal work for unknown usernames


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased."""
    text = COMMON_PASSWORDS.read_text(encoding="utf-8", errors="replace")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, username: str = "") -> str | None:
    """Why `password` is refused (Vietnamese), or None when the policy accepts it."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự."
    if len(password) > MAX_PASSWORD:
        return f"Mật khẩu dài quá {MAX_PASSWORD} ký tự."
    if password.lower() in common_passwords():
        return "Mật khẩu này nằm trong danh sách mật khẩu phổ biến, dễ bị đoán; hãy chọn mật khẩu khác."
    if username and password.lower() == username.strip().lower():
        return "Mật khẩu không được trùng với tên đăng nhập."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def verify(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`; an empty hash does the same work and says no."""
    if len(password or "") > MAX_PASSWORD:
        return False  # never accepted by the policy, so never right; not worth hashing
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password or "") and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
