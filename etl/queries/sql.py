"""SQL building blocks shared by the reads: the grouping column, the selection's conditions, the
period buckets and bounded fetches. Bound parameters only; no pandas."""
from __future__ import annotations

from sqlalchemy import Engine, case, func, literal

from etl.catalog.catalogue import UnitRow
from etl.periods import Period, periods_between, quarter
from etl.warehouse.schema import Fact, Unit

PROVINCE_CODE = "province"
NO_CLUSTER = ("", "Chưa xếp cụm")
GROUPINGS = ("province", "cluster", "district", "commune", "unit")
LEVEL = {"district": "district", "commune": "commune"}   # groupings that keep one level of units
CHUNK = 500   # unit codes per IN list


def group_column(by: str):
    """The SQL expression a grouping sums by."""
    if by == "province":
        return literal(PROVINCE_CODE)
    if by == "cluster":
        return func.coalesce(Unit.cluster_code, NO_CLUSTER[0])
    if by in ("district", "commune", "unit"):
        return Fact.unit_code
    raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")


def group_key(by: str, unit: UnitRow) -> str:
    """The group a catalogue unit falls in."""
    return {"province": PROVINCE_CODE, "cluster": unit.cluster_code or NO_CLUSTER[0]}.get(by, unit.code)


def in_scope(by: str, unit: UnitRow, clusters) -> bool:
    """Whether a unit counts in a grouping of the selection's clusters (units are filtered in SQL)."""
    return (not clusters or unit.cluster_code in clusters) and (by not in LEVEL or unit.level == by)


def conditions(by: str, clusters, units) -> list:
    """WHERE conditions on the facts ⨝ units join for the selection and the grouping's level."""
    conds = []
    if clusters:
        conds.append(Unit.cluster_code.in_(list(clusters)))
    if units:
        conds.append(Fact.unit_code.in_(list(units)))
    if by in LEVEL:
        conds.append(Unit.level == LEVEL[by])
    return conds


def source(by: str, clusters):
    """facts, joined to units when the grouping or the selection needs a unit's cluster or level."""
    t = Fact.__table__
    joined = by in ("cluster", "district", "commune") or bool(clusters)
    return t.join(Unit.__table__, Unit.code == Fact.unit_code) if joined else t


def bucket(periods: list[Period]):
    """SQL for the position of a fact's quarter among `periods` (bound parameters; -1 outside)."""
    if periods and periods[0].kind == "Q":
        return Fact.period_index - literal(periods[0].indexes[0])
    return case(*[(Fact.period_index.in_(list(p.indexes)), literal(i)) for i, p in enumerate(periods)],
                else_=literal(-1))


def only_units(stmt, units):
    """stmt restricted to the selection's units, when it names some."""
    return stmt.where(Fact.unit_code.in_(list(units))) if units else stmt


def year_quarters(quarters: list[int]) -> list[int]:
    """Every quarter of the years these quarters fall in (cumulative reports never cross a year)."""
    return sorted({y * 4 + q for y in {i // 4 for i in quarters} for q in range(4)})


def quarters_between(first: Period, last: Period) -> list[Period]:
    """The quarters from the first quarter of `first` to the last quarter of `last`."""
    return periods_between(quarter(*first.quarters[0]), quarter(*last.quarters[-1]))


def within(qs: list[Period]):
    """period_index from the first to the last quarter: a range of the facts' primary key."""
    return Fact.period_index.between(qs[0].indexes[0], qs[-1].indexes[0])


def fetch(engine: Engine, stmt) -> list:
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def fetch_raw(engine: Engine, stmt) -> list[tuple]:
    """The rows as the driver returns them: plain tuples, no per-row work (tens of thousands of
    sums by unit)."""
    with engine.connect() as conn:
        return conn.execute(stmt).cursor.fetchall()


def chunked(engine: Engine, stmt, codes: list[str], size: int = CHUNK) -> list:
    """stmt restricted to the unit codes, a bounded IN list at a time."""
    out = []
    with engine.connect() as conn:
        for n in range(0, len(codes), size):
            out += conn.execute(stmt.where(Fact.unit_code.in_(codes[n:n + size]))).all()
    return out
