"""Hostile and broken uploads (tests/hostile/corpus.py): each is refused with a Vietnamese message,
never a traceback, and the warehouse is unchanged (checksum of every table)."""
from __future__ import annotations

import pytest

from etl.problems import ERROR
from etl.warehouse.load import load_file, preview_file
from tests.engines import warehouse_checksum
from tests.hostile.corpus import CORPUS, good
from tests.workbooks import consolidated_workbook

VIETNAMESE = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """One SQLite warehouse holding one loaded batch, shared by the corpus cases (none may change it)."""
    from etl.warehouse.db import ensure_schema, make_engine
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('hostile')}/warehouse.db")
    ensure_schema(engine)
    assert load_file(engine, good(), "tot.xlsx", user="lan").status == "loaded"
    yield engine
    engine.dispose()


def check_refused(engine, name: str, data: bytes, codes: set[str]) -> None:
    before = warehouse_checksum(engine)
    preview = preview_file(engine, data, name, user="lan")
    result = load_file(engine, data, name, user="lan")
    assert warehouse_checksum(engine) == before, f"{name} changed the warehouse"
    assert (preview.status, result.status, result.batch_id) == ("rejected", "rejected", None), name
    errors = [p for p in result.problems if p.severity == ERROR]
    assert errors, f"{name}: refused without a message"
    assert {p.code for p in errors} & codes, f"{name}: {[(p.code, p.message) for p in errors]}"
    for p in result.problems:
        assert set(p.message.lower()) & VIETNAMESE, p.message
        assert "Traceback" not in p.message + p.hint and len(p.message) < 2000, p.message[:300]


# Each kind of hostile file the corpus promises (tests/hostile/README.md), and the refusals that
# name it: some case must be acceptable only as such a refusal (test_hostile_file_is_refused_safely
# then shows that it is refused so).
KINDS = {
    "not a workbook (PDF, CSV, HTML, image, Word named .xlsx)": {"file_not_xlsx"},
    "empty, truncated or password-protected": {"file_not_xlsx", "file_unreadable"},
    "zip bomb, honest or lying": {"file_zip_bomb", "file_too_large", "file_unreadable"},
    "DOCTYPE: XXE, entity expansion": {"file_doctype"},
    "macros": {"file_has_macros"},
    "too many sheets or shared strings": {"too_many_sheets", "too_many_shared_strings"},
    "formulas without a saved value": {"formula_without_value"},
    "a period in the future, unsupported or missing": {"period_in_future", "period_unsupported", "period_missing"},
    "an unknown unit": {"unknown_unit"},
    "a negative number": {"negative_number"},
    "a qualified number ('gần 50')": {"qualified_number"},
    "two numbers in a cell": {"ratio_in_cell"},
    "recognised above registered": {"recognized_exceeds_registered"},
    "a unit twice": {"duplicate_unit"},
    "no table": {"no_table_found"},
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_corpus_holds_every_kind_of_hostile_file(kind):
    only_this = [name for name, (_build, codes) in CORPUS.items() if codes <= KINDS[kind]]
    assert only_this, f"no file in the corpus is refused only as {kind}"
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_file_is_refused_safely(warehouse, name):
    build, codes = CORPUS[name]
    check_refused(warehouse, name, build(), codes)


def test_xxe_never_reads_local_files(warehouse):
    passwd = open("/etc/passwd", encoding="utf-8", errors="replace").read().splitlines()[0]
    for name in ("xxe_trang_tinh.xlsx", "xxe_chuoi_chung.xlsx", "xxe_so_cai.xlsx", "xxe_thanh_phan_le.xlsx",
                 "xxe_utf16.xlsx", "xxe_utf7.xlsx"):
        result = load_file(warehouse, CORPUS[name][0](), name)
        shown = " ".join(p.message + p.hint for p in result.problems)
        assert passwd not in shown and "root:" not in shown


def test_scoped_uploader_file_with_other_units_is_refused_naming_them(warehouse):
    before = warehouse_checksum(warehouse)
    data = consolidated_workbook([("Huyện Yên Định", {"conferences": 4}), ("Huyện Nông Cống", {"conferences": 5}),
                                  ("Huyện Thọ Xuân", {"conferences": 6})])
    result = load_file(warehouse, data, "ngoai_pham_vi.xlsx", allowed_units={"394"})
    assert result.status == "rejected"
    out = [p for p in result.problems if p.code == "unit_out_of_scope"]
    assert sorted(p.row for p in out) == [8, 9]
    assert any("Nông Cống" in p.message for p in out) and any("Thọ Xuân" in p.message for p in out)
    assert warehouse_checksum(warehouse) == before


def test_whole_corpus_leaves_postgresql_unchanged(pg_engine):
    assert load_file(pg_engine, good(), "tot.xlsx").status == "loaded"
    heavy = {"100k_dong_rac.xlsx", "bom_nen.xlsx", "bom_nen_khai_gian.xlsx", "qua_lon.xlsx"}
    for name, (build, codes) in CORPUS.items():
        if name not in heavy:  # the heavy ones never reach the database: SQLite covers them
            check_refused(pg_engine, name, build(), codes)
