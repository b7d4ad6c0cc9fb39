"""The one Selection and what it is called (etl.queries.selection), and the catalogue it takes its
names from (etl.catalog.catalogue.load_catalogue): the page header, the name in titles and captions, the label
inside sentences, report scopes, and the catalogue read again only when its version changes."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from etl.catalog.catalogue import RATE, load_catalogue
from etl.periods import Period, quarter
from etl.queries.selection import PROVINCE_NAME, ScopeError, Selection, parse_scope
from etl.warehouse.schema import Cluster

Q2 = quarter(2024, 2)
DONG_BANG = ["Huyện Hà Trung", "Huyện Vĩnh Lộc", "Huyện Yên Định", "Huyện Thọ Xuân", "Huyện Thiệu Hóa",
             "Huyện Triệu Sơn", "Huyện Đông Sơn", "Huyện Nông Cống"]


@pytest.fixture
def catalogue(sqlite_engine):
    return load_catalogue(sqlite_engine)


def codes_of(catalogue, names):
    by_name = {u.name: u.code for u in catalogue.units if u.level == "district"}
    return tuple(by_name[n] for n in names)


@pytest.mark.parametrize("clusters, units, header, name, label", [
    ((), (), "Quý II/2024 · Toàn tỉnh", "Toàn tỉnh", "toàn tỉnh"),
    (("dong-bang",), (), "Quý II/2024 · Cụm Đồng bằng", "Cụm Đồng bằng", "cụm Đồng bằng"),
    (("dong-bang", "ven-bien"), (), "Quý II/2024 · Cụm Đồng bằng, Ven biển", "Cụm Đồng bằng, Ven biển",
     "cụm Đồng bằng, Ven biển"),
    ((), DONG_BANG[2:3], "Quý II/2024 · Huyện Yên Định", "Huyện Yên Định", "Huyện Yên Định"),
    (("dong-bang",), DONG_BANG[:3], "Quý II/2024 · Cụm Đồng bằng · Huyện Hà Trung, Huyện Vĩnh Lộc, Huyện Yên Định",
     "Huyện Hà Trung, Huyện Vĩnh Lộc, Huyện Yên Định", "Huyện Hà Trung, Huyện Vĩnh Lộc, Huyện Yên Định"),
    ((), DONG_BANG, "Quý II/2024 · " + ", ".join(DONG_BANG[:6]) + " và 2 đơn vị khác", "8 đơn vị", "8 đơn vị"),
])
def test_what_a_selection_is_called(catalogue, clusters, units, header, name, label):
    s = Selection.named(catalogue, Q2, clusters=clusters, units=codes_of(catalogue, units))
    assert (s.header, s.name, s.label, s.caption) == (header, name, label, f"Quý II/2024 · {name}")
    assert s.level == ("unit" if units else "cluster" if clusters else "province")
    assert s.total_name == (PROVINCE_NAME if not clusters and not units else "Cộng")


@pytest.mark.parametrize("compare, period, text", [
    ("previous", Q2, "so sánh với kỳ trước (Quý I/2024)"),
    ("last_year", Q2, "so sánh với cùng kỳ năm trước (Quý II/2023)"),
    ("previous", Period(2024, "H1"), "so sánh với kỳ trước (6 tháng cuối năm 2023)"),
])
def test_the_comparison_period(compare, period, text):
    s = Selection(period, compare)
    assert s.compare_text == text and s.compared().period == s.comparison and s.compared().compare == compare


def test_an_unknown_comparison_is_a_bug():
    with pytest.raises(ValueError):
        Selection(Q2, "tuần trước")


def test_report_scopes_of_a_selection(catalogue):
    units = Selection.named(catalogue, Q2, clusters=("dong-bang",), units=codes_of(catalogue, DONG_BANG[:2]))
    assert [(r.scope, r.name, r.level) for r in units.reports()] == [
        (f"unit:{c}", n, "unit") for c, n in zip(codes_of(catalogue, DONG_BANG[:2]), DONG_BANG[:2])]
    clusters = Selection.named(catalogue, Q2, clusters=("dong-bang", "ven-bien"))
    assert [r.name for r in clusters.reports()] == ["Cụm Đồng bằng", "Cụm Ven biển"]
    assert Selection(Q2).reports() == [Selection(Q2)] and Selection(Q2).scope == "province"


def test_parse_scope_names_what_it_finds_and_refuses_the_rest(catalogue):
    s = parse_scope(catalogue, "cluster:dong-bang", Q2)
    assert (s.name, s.compare, s.clusters) == ("Cụm Đồng bằng", "last_year", ("dong-bang",))
    assert parse_scope(catalogue, "unit:394", Q2).name == "Huyện Yên Định"
    assert parse_scope(catalogue, "province", Q2, compare="previous") == Selection(Q2, "previous")
    for scope, words in (("cluster:khong-co", "Không có cụm mã 'khong-co'"), ("unit:0", "Không có đơn vị mã '0'"),
                         ("huyen:394", "không hợp lệ")):
        with pytest.raises(ScopeError, match=words):
            parse_scope(catalogue, scope, Q2)


def test_within_one_cluster_keeps_the_units(catalogue):
    s = Selection.named(catalogue, Q2, units=("394",)).within("dong-bang", "Đồng bằng")
    assert (s.clusters, s.units, s.header) == (("dong-bang",), ("394",), "Quý II/2024 · Cụm Đồng bằng · Huyện Yên Định")


def test_the_catalogue_is_read_again_only_when_it_changes(sqlite_engine):
    first = load_catalogue(sqlite_engine)
    assert load_catalogue(sqlite_engine) is first
    with sqlite_engine.begin() as conn:
        conn.execute(insert(Cluster).values(code="moi", name="Cụm mới", sort_order=9))
    again = load_catalogue(sqlite_engine)
    assert again is not first and again.clusters["moi"] == "Cụm mới"


def test_the_catalogue_gives_card_titles_and_key_figures(catalogue):
    assert catalogue.short("conferences") == "Hội nghị quán triệt"
    assert catalogue.short(RATE) == catalogue.labels[RATE] == "Tỷ lệ công nhận"
    assert catalogue.kpis == ["conferences", "conference_participants", "trainings", "training_participants",
                              "inspections", "inspected_party_orgs", "inspected_party_members",
                              "models_registered", "models_recognized"]
    assert catalogue.main == catalogue.codes and catalogue.fields == []


def test_a_warehouse_upgraded_to_0007_takes_the_new_columns_from_the_csv(tmp_path):
    """0007 forgets the catalogue hash, so the next start fills short labels and key figures."""
    from alembic import command

    from etl.warehouse.db import alembic_config, ensure_schema, make_engine
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('catalogue_sha256', 'as synced before')"))
        conn.execute(text("INSERT INTO indicators (code, label, group_name, unit_label, aliases, sort_order) "
                          "VALUES ('conferences', 'Hội nghị quán triệt, tuyên truyền', '', 'hội nghị', '', 2)"))
    ensure_schema(engine)
    catalogue = load_catalogue(engine)
    assert catalogue.short("conferences") == "Hội nghị quán triệt" and catalogue.kpis[0] == "conferences"
    engine.dispose()
