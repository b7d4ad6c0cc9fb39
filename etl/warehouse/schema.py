"""Warehouse schema: SQLAlchemy 2 models. Alembic migrations in etl/warehouse/migrations mirror these.

Every value a batch reported is kept in batch_values (unchanged ones included, a JSON object per
unit and span): that is the record of what was loaded. facts holds the value in force for each (period span, indicator, unit): the
one reported by the newest batch still loaded. A span is a quarter (span 1) or a cumulative report
over consecutive quarters of one year (6 tháng = 2, 9 tháng = 3, năm = 4), stored as reported and
never split. Undoing a batch recomputes the facts it held from the batches still loaded, so the
warehouse always equals a replay of the loaded batches in order.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary,
                        PrimaryKeyConstraint, String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Key/value facts about the warehouse itself (catalogue hashes, demo marker)."""
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Cluster(Base):
    __tablename__ = "clusters"
    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Unit(Base):
    """A reporting unit: district level until 2025-06-30, commune level from 2025-07-01."""
    __tablename__ = "units"
    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))  # district | commune
    kind: Mapped[str] = mapped_column(String(30), default="")  # huyện, thị xã, thành phố, xã, phường
    parent_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    cluster_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    aliases: Mapped[str] = mapped_column(Text, default="")  # "|"-separated extra spellings
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Indicator(Base):
    __tablename__ = "indicators"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    group_name: Mapped[str] = mapped_column(String(100), default="")
    unit_label: Mapped[str] = mapped_column(String(50), default="")
    aliases: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    short_label: Mapped[str] = mapped_column(String(100), default="", server_default="")  # KPI card title
    kpi_order: Mapped[int | None] = mapped_column(Integer, nullable=True)  # place among key figures
    phrase: Mapped[str] = mapped_column(String(200), default="", server_default="")  # report comparisons


class UnitLineage(Base):
    """Former unit -> successor unit (one row per successor)."""
    __tablename__ = "unit_lineage"
    former_code: Mapped[str] = mapped_column(String(50), primary_key=True)
    successor_code: Mapped[str] = mapped_column(String(50), primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    sheet: Mapped[str] = mapped_column(String(200), default="")
    layout: Mapped[str] = mapped_column(String(30), default="")
    period: Mapped[str] = mapped_column(String(200), default="")  # '2024-Q2' or '2024-Q1,2024-H1'

    uploaded_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="loaded")  # loaded | undone
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_changed: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    units_count: Mapped[int] = mapped_column(Integer, default=0)
    warnings_count: Mapped[int] = mapped_column(Integer, default=0)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    undone_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    units: Mapped[str] = mapped_column(Text, default="")  # ','-separated codes of the units reported


class BatchFile(Base):
    """The original file exactly as uploaded, for download from the history page."""
    __tablename__ = "batch_files"
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class BatchSheet(Base):
    """Each sheet a batch read, with its layout and period (a workbook may hold several)."""
    __tablename__ = "batch_sheets"
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet: Mapped[str] = mapped_column(String(200), default="")
    layout: Mapped[str] = mapped_column(String(30), default="")
    period: Mapped[str] = mapped_column(String(20), default="")  # '2024-Q2', '2024-H1', '2024'


class Fact(Base):
    """The value in force per (period span, indicator, unit): period_index is the span's first
    quarter (year * 4 + quarter - 1), span its number of quarters (1 = a quarter). The primary
    key leads with the period, and on SQLite the table is WITHOUT ROWID, i.e. the rows are
    stored in that key's b-tree: a period range is one covering scan for the page aggregates,
    quarterly facts (span 1) and cumulative ones (span > 1) are separate ranges of each period,
    and a load writes one b-tree per row. year and quarter are plain columns, derived from
    period_index; batch_id is the newest loaded batch that reported the value."""
    __tablename__ = "facts"
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    period_index: Mapped[int] = mapped_column(Integer)  # year * 4 + first quarter - 1, for ranges
    span: Mapped[int] = mapped_column(Integer, default=1)  # quarters covered: 1, 2, 3 or 4
    value: Mapped[int] = mapped_column(BigInteger)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))

    __table_args__ = (
        # Serves every query (a period range, then span and indicator; undo: a period and batch_id).
        # No other index: each one cost ~15-25% of a load's insert time. A unit alone (the foreign
        # key check when the catalogue drops a unit) is a skip-scan with ANALYZE statistics, else
        # a table scan: acceptable for a rare catalogue change.
        PrimaryKeyConstraint("period_index", "span", "indicator_code", "unit_code", name="facts_pkey"),
        {"sqlite_with_rowid": False},
    )


class BatchValue(Base):
    """Every value a batch reported, unchanged ones included: undo replays the loaded batches from
    these. One row per unit and period span as the file gave it, its values as a JSON object
    {indicator code: value} (a load writes a row per unit, not per value). Keyed by batch first, so
    a load appends to the end of the b-tree."""
    __tablename__ = "batch_values"
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    period_index: Mapped[int] = mapped_column(Integer)
    span: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(50))
    values_json: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        PrimaryKeyConstraint("batch_id", "period_index", "span", "unit_code", name="batch_values_pkey"),
        {"sqlite_with_rowid": False},
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(20))  # viewer | uploader | admin
    unit_codes: Mapped[str] = mapped_column(Text, default="")  # comma-separated; empty = province
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # OpenID Connect: the provider (issuer) and its stable id of the person (subject), bound at the
    # first login with a verified e-mail; NULL until then.
    oidc_issuer: Mapped[str | None] = mapped_column(String(300), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)

    __table_args__ = (Index("uq_users_oidc", "oidc_issuer", "oidc_subject", unique=True),)


class LoginSession(Base):
    """One token of a login: the browser tab's and the cookie's share a login_id, so logging out
    ends both."""
    __tablename__ = "login_sessions"
    token_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    login_id: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)


class SessionHandoff(Base):
    """A one-time code, valid for a minute, that the server's cookie route exchanges for a new
    token of the same login (so the token itself never passes through page scripts)."""
    __tablename__ = "session_handoffs"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    login_id: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    session_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """A login attempt not (yet) followed by a success, per (typed name, client address): written
    before the password is checked, deleted by a successful login or `users unlock`."""
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64), index=True)
    checked: Mapped[bool] = mapped_column(Boolean, default=False)  # False while the password is checked
    refusal_noted: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_login_attempts_key", "username", "address"),)


class AuditEvent(Base):
    """Every load, undo, login, failed login and user change: who, when, what."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    username: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(50), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")  # JSON


class LearnedAlias(Base):
    """A column header a user mapped to an indicator while uploading (kept when the load committed).
    No foreign key to indicators: the catalogue file may drop an indicator; the reader then ignores it."""
    __tablename__ = "learned_aliases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    header: Mapped[str] = mapped_column(String(500))                 # as written
    header_key: Mapped[str] = mapped_column(String(500))             # etl.text.fold(header)
    indicator_code: Mapped[str] = mapped_column(String(60))
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)   # the load that taught it

    __table_args__ = (UniqueConstraint("header_key", name="uq_learned_aliases_header_key"),)
