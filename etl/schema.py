"""Warehouse schema: SQLAlchemy 2 models. Alembic migrations in etl/migrations mirror these.

Facts are at quarter grain: one value per (unit, year, quarter, indicator), written by a batch.
A revised value moves the old one to fact_history with the batch that replaced it, so undo
can restore it exactly.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer,
                        LargeBinary, PrimaryKeyConstraint, String, Text, UniqueConstraint)
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
    period: Mapped[str] = mapped_column(String(20), default="")  # e.g. 2024-Q2
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


class BatchFile(Base):
    """The original file exactly as uploaded, for download from the history page."""
    __tablename__ = "batch_files"
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Fact(Base):
    """One value per (quarter, indicator, unit). The primary key leads with the period, and on
    SQLite the table is WITHOUT ROWID, i.e. the rows are stored in that key's b-tree: a period
    range is one covering scan for the page aggregates, and a load writes one b-tree per row
    (no rowid table, no secondary index). year and quarter are plain columns, derived from
    period_index (year * 4 + quarter - 1)."""
    __tablename__ = "facts"
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    period_index: Mapped[int] = mapped_column(Integer)  # year * 4 + quarter - 1, for ranges
    value: Mapped[int] = mapped_column(BigInteger)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))

    __table_args__ = (
        # Serves every query (a period range, then an indicator; undo: a period and batch_id).
        # No other index: each one cost ~15-25% of a load's insert time. A unit alone (the foreign
        # key check when the catalogue drops a unit) is a skip-scan with ANALYZE statistics, else
        # a table scan: acceptable for a rare catalogue change.
        PrimaryKeyConstraint("period_index", "indicator_code", "unit_code", name="facts_pkey"),
        {"sqlite_with_rowid": False},
    )


class FactHistory(Base):
    """A superseded value: what batch_id had written until replaced_by_batch_id replaced it."""
    __tablename__ = "fact_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(50))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(String(60))
    value: Mapped[int] = mapped_column(BigInteger)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    replaced_by_batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_history_replaced_by", "replaced_by_batch_id"),
        Index("ix_history_batch", "batch_id"),
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


class LoginSession(Base):
    __tablename__ = "login_sessions"
    token_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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
