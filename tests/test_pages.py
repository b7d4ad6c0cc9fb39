"""Every page of dashboard.py's own list opened with AppTest (as an administrator, so the guarded
pages open too): on a seeded warehouse the numbers shown (metric cards and one chart per analysis
page; the narrative, the batch, the accounts elsewhere) equal the warehouse's own; on an empty
warehouse every page says so, never an exception; a link with query parameters opens the same view."""
from __future__ import annotations

import base64
import json
import random
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import insert, text

from etl.periods import parse_period
from etl.reading.numbers import fmt_delta, fmt_int, fmt_pct
from tests.dashboard_pages import dashboard_pages

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
PAGES = [path for _section, path, *_ in dashboard_pages()]          # every page of the menu
ANALYSIS = [path for section, path, *_ in dashboard_pages() if section == "Phân tích"]
ADMIN, PASSWORD = "quantri", "mat-khau-du-dai-cho-kiem-thu"
LATEST = "2025-Q4"
DISTRICT_QUARTERS = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]
COMMUNE_QUARTERS = ["2025-Q3", "2025-Q4"]
def _seed(engine) -> dict:
    """Random facts for every district until 2025-Q2 and every commune after; one commune skips the
    latest quarter, so the reporting page has someone missing. Returns that commune's name."""
    from etl.warehouse.schema import Batch, Fact
    rng = random.Random(7)
    with engine.begin() as conn:
        batch = conn.execute(insert(Batch).values(file_name="seed.xlsx", sha256="1" * 64,
                                                  created_at=datetime.now(timezone.utc),
                                                  status="loaded")).inserted_primary_key[0]
        units = conn.execute(text("SELECT code, level, name FROM units ORDER BY sort_order, code")).all()
        districts = [c for c, lv, _ in units if lv == "district"]
        communes = [c for c, lv, _ in units if lv == "commune"]
        missing = communes[-1]
        indicators = [r[0] for r in conn.execute(text("SELECT code FROM indicators"))]
        rows = []
        for codes, quarters in ((districts, DISTRICT_QUARTERS), (communes, COMMUNE_QUARTERS)):
            for spec in quarters:
                p = parse_period(spec)
                for unit in codes:
                    if unit == "405" and p.year == 2025 or unit == missing and spec == LATEST:
                        continue
                    for ind in indicators:
                        value = rng.randint(40, 400) if ind != "models_recognized" else rng.randint(5, 40)
                        rows.append(dict(unit_code=unit, year=p.year, quarter=p.quarter, indicator_code=ind,
                                         period_index=p.indexes[0], value=value, batch_id=batch))
        conn.execute(insert(Fact), rows)
    return {"missing": dict((c, n) for c, _, n in units)[missing], "missing_code": missing, "communes": len(communes),
            "a_commune": communes[0], "a_commune_cluster": conn_cluster(engine, communes[0])}


def conn_cluster(engine, code: str) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT cluster_code FROM units WHERE code = :c"), {"c": code}).scalar()


def _warehouse(url: str):
    """A migrated warehouse at `url` with an administrator account."""
    from etl.accounts import auth
    from etl.warehouse.db import ensure_schema, make_engine
    engine = make_engine(url)
    ensure_schema(engine)
    auth.add_user(engine, ADMIN, "admin", password=PASSWORD)
    return engine


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('pages')}/warehouse.db"
    engine = _warehouse(url)
    info = _seed(engine)
    yield url, engine, info
    engine.dispose()


def log_in(at):
    """Log the administrator in through the sidebar form."""
    at.text_input(key="auth_username").input(ADMIN)
    at.text_input(key="auth_password").input(PASSWORD)
    next(b for b in at.button if b.label == "Đăng nhập").click().run()
    assert any(ADMIN in c.value for c in at.sidebar.caption), [e.value for e in at.error]
    return at


@pytest.fixture
def app(monkeypatch):
    def make(url: str, **params):
        from streamlit.testing.v1 import AppTest
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("DVK_DEMO_AUTOLOAD", "0")
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params.update(params)
        return at
    return make


def _sum(engine, indicator: str, spec: str, cluster: str | None = None) -> int | None:
    """An independent oracle: Σ over the units that reported every quarter of the period they existed
    in, by quarterly reports, plus the units whose report is for exactly the period."""
    p = parse_period(spec)
    first, span = p.indexes[0], len(p.indexes)
    owed = ("(SELECT count(*) FROM (SELECT :first AS q UNION SELECT :first + 1 UNION SELECT :first + 2 "
            "UNION SELECT :first + 3) qs WHERE qs.q < :first + :span "
            "AND qs.q BETWEEN (CAST(strftime('%Y', u.valid_from) AS INTEGER) * 4 "
            "+ (CAST(strftime('%m', u.valid_from) AS INTEGER) - 1) / 3) "
            "AND coalesce(CAST(strftime('%Y', u.valid_to) AS INTEGER) * 4 "
            "+ (CAST(strftime('%m', u.valid_to) AS INTEGER) - 1) / 3, 999999))")
    quarterly = ("SELECT f.unit_code FROM facts f JOIN units u ON u.code = f.unit_code "
                 "WHERE f.span = 1 AND f.period_index >= :first AND f.period_index < :first + :span "
                 f"GROUP BY f.unit_code HAVING count(DISTINCT f.period_index) = max({owed})")
    sql = ("SELECT SUM(f.value) FROM facts f JOIN units u ON u.code = f.unit_code WHERE f.indicator_code = :i "
           f"AND ((f.span = 1 AND f.period_index >= :first AND f.period_index < :first + :span "
           f"AND f.unit_code IN ({quarterly})) OR (f.period_index = :first AND f.span = :span AND :span > 1))"
           + (" AND u.cluster_code = :c" if cluster else ""))
    with engine.connect() as conn:
        return conn.execute(text(sql), {"i": indicator, "first": first, "span": span, "c": cluster}).scalar()


def _rate(engine, spec: str, cluster: str | None = None) -> float:
    return _sum(engine, "models_recognized", spec, cluster) / _sum(engine, "models_registered", spec, cluster)


def _decode(values):
    """plotly JSON may hold numpy arrays as {'dtype', 'bdata'} (base64)."""
    if isinstance(values, dict) and "bdata" in values:
        arr = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        shape = values.get("shape")
        if isinstance(shape, str):
            shape = tuple(int(x) for x in shape.split(","))
        return arr.reshape(shape) if shape else arr
    return np.asarray(values, dtype=object)


def figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _bars(fig: dict, trace: int = 0) -> dict[str, float]:
    t = fig["data"][trace]
    cats, vals = (t["y"], t["x"]) if t.get("orientation") == "h" else (t["x"], t["y"])
    return {c: float(v) for c, v in zip(_decode(cats), _decode(vals))}


CLUSTERS = {"Miền núi": "mien-nui", "Ven biển": "ven-bien", "Đồng bằng": "dong-bang"}


def check_overview(at, engine, info):
    assert [m.value for m in at.metric][:2] == [fmt_int(_sum(engine, "conferences", LATEST)),
                                               fmt_int(_sum(engine, "conference_participants", LATEST))]
    rate = next(m for m in at.metric if m.label == "Tỷ lệ công nhận")
    assert rate.value == fmt_pct(_rate(engine, LATEST))
    prev = _rate(engine, "2025-Q3")
    assert rate.delta == fmt_delta((_rate(engine, LATEST) - prev) * 100, 1) + " điểm %"
    shown = _bars(figures(at)[0])
    assert shown == pytest.approx({n: _rate(engine, LATEST, c) for n, c in CLUSTERS.items()})


def check_trends(at, engine, info):
    fig = figures(at)[0]
    trace = next(t for t in fig["data"] if t["name"] == "Đồng bằng")
    y = [float(v) for v in _decode(trace["y"])]
    assert y[-1] == pytest.approx(_rate(engine, LATEST, "dong-bang"))
    assert y[0] == pytest.approx(_rate(engine, "2024-Q1", "dong-bang"))
    notes = [a.get("text", "").replace("<br>", " ") for a in fig["layout"].get("annotations", [])]
    assert "Sắp xếp đơn vị hành chính, 01/7/2025" in notes


def check_compare(at, engine, info):
    assert _bars(figures(at)[0]) == pytest.approx({n: _rate(engine, LATEST, c) for n, c in CLUSTERS.items()})


def _check_grouped(at, engine, indicator: str, label_prefix: str):
    fig = figures(at)[0]
    trace = next(i for i, t in enumerate(fig["data"]) if t["name"].startswith(label_prefix))
    assert _bars(fig, trace) == {n: _sum(engine, indicator, LATEST, c) for n, c in CLUSTERS.items()}
    first = at.metric[0]
    assert first.value == fmt_int(_sum(engine, indicator, LATEST))


def check_meetings(at, engine, info):
    _check_grouped(at, engine, "conferences", "Hội nghị quán triệt")


def check_inspections(at, engine, info):
    _check_grouped(at, engine, "inspections", "Cuộc kiểm tra")


def check_models(at, engine, info):
    _check_grouped(at, engine, "models_registered", "Mô hình")


def check_reporting(at, engine, info):
    n = info["communes"]
    assert at.metric[0].value == f"{fmt_int(n - 1)}/{fmt_int(n)}"  # one commune skipped the quarter
    assert any(info["missing"] in w.value for w in at.warning)
    heat = figures(at)[0]["data"][0]
    # Many units: only those with a gap show, here the one commune that skipped the latest quarter.
    assert list(_decode(heat["y"])) == [info["missing"]]
    cells = np.array([[np.nan if v is None else float(v) for v in row] for row in _decode(heat["z"])])
    assert cells.shape == (1, 8)
    assert np.isnan(cells[0, :6]).all() and list(cells[0, 6:]) == [1.0, 0.0]  # no commune before 2025-Q3
    others = 27 + n - 1  # districts and communes that reported every quarter they existed
    assert any(f"{others} đơn vị khác báo cáo đủ" in c.value for c in at.caption)


def check_export(at, engine, info):
    text = "\n".join(c.value for c in at.code)
    assert text.startswith("Trong quý IV/2025, cấp ủy các xã, phường trong tỉnh")
    assert fmt_int(_sum(engine, "conferences", LATEST)) in text


def check_upload(at, engine, info):
    assert at.title[0].value.startswith("Tải lên") and at.get("file_uploader")


def check_history(at, engine, info):
    batches = at.dataframe[0].value
    assert batches["Tệp"].tolist() == ["seed.xlsx"] and batches["Trạng thái"].tolist() == ["Đã nạp"]


def check_admin(at, engine, info):
    accounts = at.dataframe[0].value
    assert ADMIN in accounts.iloc[:, 0].tolist()


CHECKS = {"pages/overview.py": check_overview, "pages/trends.py": check_trends,
          "pages/compare.py": check_compare, "pages/meetings.py": check_meetings,
          "pages/inspections.py": check_inspections, "pages/models.py": check_models,
          "pages/reporting.py": check_reporting, "pages/export.py": check_export,
          "pages/upload.py": check_upload, "pages/history.py": check_history, "pages/admin.py": check_admin}


@pytest.mark.parametrize("page", PAGES)
def test_page_shows_warehouse_numbers(page, seeded_url, app):
    assert page in CHECKS, f"{page} is in dashboard.PAGES: say here what it must show"
    url, engine, info = seeded_url
    at = log_in(app(url).run())
    at.switch_page(page).run(timeout=120)
    assert not at.exception, [e.message for e in at.exception]
    if page in ANALYSIS:
        assert at.get("plotly_chart"), "no chart on the page"
        assert any("Số liệu đến Quý IV/2025" in c.value for c in at.caption)
    CHECKS[page](at, engine, info)


# What each page says on an empty warehouse (Tải lên simply offers the file picker and the template).
EMPTY = {page: "chưa có số liệu" for page in PAGES}
EMPTY |= {"pages/upload.py": None, "pages/history.py": "Chưa có lô số liệu nào",
          "pages/admin.py": "Chưa có tên cột nào được học"}


@pytest.mark.parametrize("page", PAGES)
def test_page_on_empty_warehouse_says_so(page, app, tmp_path):
    url = f"sqlite:///{tmp_path}/empty.db"
    _warehouse(url).dispose()
    at = log_in(app(url).run())
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    if EMPTY[page] is None:
        assert at.get("file_uploader") and not at.get("plotly_chart")
    else:
        assert any(EMPTY[page] in i.value for i in at.info), [i.value for i in at.info]


def test_deep_link_applies_filters_and_survives_page_switch(seeded_url, app):
    url, engine, _ = seeded_url
    at = app(url, period="2024-Q2", compare="last_year", clusters="dong-bang").run()
    assert not at.exception
    assert at.selectbox(key="f_period").value == "2024-Q2"
    assert at.multiselect(key="f_clusters").value == ["dong-bang"]
    assert at.metric[0].value == fmt_int(_sum(engine, "conferences", "2024-Q2", "dong-bang"))
    at.switch_page("pages/models.py").run()
    assert at.selectbox(key="f_period").value == "2024-Q2"
    assert at.query_params["period"] == "2024-Q2" and at.query_params["clusters"] == "dong-bang"
    assert at.metric[0].value == fmt_int(_sum(engine, "models_registered", "2024-Q2", "dong-bang"))


def test_period_with_no_data_shows_message(seeded_url, app):
    """A commune that reported Quý III/2025 but not Quý IV: its Quý IV says there is nothing, by name;
    a period before communes existed drops it from the selection."""
    url, engine, info = seeded_url
    commune = info["missing_code"]
    at = app(url, period="2025-Q3", units=commune).run()
    assert at.multiselect(key="f_units").value == [commune] and at.metric
    at.selectbox(key="f_period").set_value("2025-Q4").run()
    assert not at.exception and not at.metric
    assert [i.value for i in at.info] == [f"Chưa có số liệu cho lựa chọn này (Quý IV/2025 · {info['missing']}). "
                                          "Hãy chọn kỳ, cụm hoặc đơn vị khác."]
    at.selectbox(key="f_period").set_value("2024-Q1").run()  # the commune did not exist then
    assert not at.exception and at.multiselect(key="f_units").value == []
    assert at.metric[0].value == fmt_int(_sum(engine, "conferences", "2024-Q1"))


def test_compare_drills_into_a_cluster(seeded_url, app):
    url, engine, _ = seeded_url
    at = app(url, period="2024-Q3").run()
    at.switch_page("pages/compare.py").run()
    at.selectbox(key="cmp_cluster").set_value("dong-bang").run()
    assert not at.exception
    assert any("Các đơn vị cụm Đồng bằng" in h.value for h in at.subheader)
    units = _bars(figures(at)[1])
    with engine.connect() as conn:
        names = dict(conn.execute(text("SELECT name, code FROM units WHERE cluster_code = 'dong-bang' "
                                       "AND level = 'district'")).all())
    assert set(units) == set(names)  # the 10 districts of the cluster in 2024, Đông Sơn included
    for name, rate in units.items():
        reg = _sum_unit(engine, "models_registered", "2024-Q3", names[name])
        assert rate == pytest.approx(_sum_unit(engine, "models_recognized", "2024-Q3", names[name]) / reg)


def _sum_unit(engine, indicator: str, spec: str, unit: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT SUM(value) FROM facts WHERE indicator_code = :i AND unit_code = :u "
                                 "AND period_index = :p"),
                            {"i": indicator, "u": unit, "p": parse_period(spec).indexes[0]}).scalar()


def test_first_start_on_empty_warehouse_loads_demo(app, tmp_path, monkeypatch):
    pytest.importorskip("etl.demo.demo")
    at = app(f"sqlite:///{tmp_path}/first.db")
    monkeypatch.setenv("DVK_DEMO_AUTOLOAD", "1")
    at.run(timeout=120)
    assert not at.exception, [e.message for e in at.exception]
    assert any("Số liệu minh họa" in w.value for w in at.warning)
    from etl.warehouse.db import make_engine
    engine = make_engine(f"sqlite:///{tmp_path}/first.db")
    latest = at.selectbox(key="f_period").value
    assert at.metric[0].label == "Hội nghị quán triệt"  # the demo's figures, as the warehouse sums them
    assert at.metric[0].value == fmt_int(_sum(engine, "conferences", latest))
    engine.dispose()


@pytest.mark.parametrize("spec", ["2025", "2025-9M"])
def test_every_page_for_a_review_period_across_the_reorganisation(spec, seeded_url, app):
    url, engine, _ = seeded_url
    at = app(url, period=spec).run()
    for page in ANALYSIS:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.message for e in at.exception])
        assert at.selectbox(key="f_period").value == spec
    at.switch_page("pages/overview.py").run()
    assert at.metric[0].value == fmt_int(_sum(engine, "conferences", spec))


def test_exported_tables_neutralise_formulas_and_keep_numbers():
    import io

    import openpyxl
    import pandas as pd

    import ui.tables
    df = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Xã Định Tân"],
                       "conferences": pd.array([1, None, 4819, 0, 3], dtype="Int64")})
    out = ui.tables.export_frame(df, {"name": "Đơn vị", "conferences": "Hội nghị"})
    assert list(out.columns) == ["Đơn vị", "Hội nghị"]
    assert out["Đơn vị"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "Xã Định Tân"]
    sheet = openpyxl.load_workbook(io.BytesIO(ui.tables.to_xlsx(out))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Đơn vị", "Hội nghị")
    assert rows[1][0].startswith("'=") and rows[3][1] == 4819 and rows[2][1] is None
    shown = ui.tables.display_frame(df, {"conferences": "Hội nghị"})
    assert shown["Hội nghị"].tolist() == ["1", "–", "4.819", "0", "3"]


@pytest.fixture(scope="module")
def no_models_url(tmp_path_factory):
    """A warehouse where every district reported conferences in 2024-Q1 but nobody reported models."""
    from etl.warehouse.db import ensure_schema, make_engine
    from etl.warehouse.schema import Batch, Fact
    url = f"sqlite:///{tmp_path_factory.mktemp('no_models')}/warehouse.db"
    engine = make_engine(url)
    ensure_schema(engine)
    p = parse_period("2024-Q1")
    with engine.begin() as conn:
        batch = conn.execute(insert(Batch).values(file_name="seed.xlsx", sha256="2" * 64,
                                                  created_at=datetime.now(timezone.utc),
                                                  status="loaded")).inserted_primary_key[0]
        districts = [c for (c,) in conn.execute(text("SELECT code FROM units WHERE level = 'district'"))]
        reported = ("conferences", "conference_participants")
        conn.execute(insert(Fact), [dict(unit_code=u, year=p.year, quarter=p.quarter, indicator_code=ind,
                                          period_index=p.indexes[0], value=10, batch_id=batch)
                                     for u in districts for ind in reported])
    engine.dispose()
    return url


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/models.py", "pages/compare.py"])
def test_no_recognition_rate_chart_when_nobody_reported_models(page, no_models_url, app):
    at = app(no_models_url).run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(i.value.startswith("Chưa tính được tỷ lệ công nhận: chưa có đơn vị nào báo cáo số mô hình "
                                  "đăng ký") and "Quý I/2024" in i.value for i in at.info)
    if page == "pages/models.py":  # nor empty bars of registered/recognised models
        assert any(i.value.startswith("Chưa có đơn vị nào báo cáo mô hình “Dân vận khéo” đăng ký, mô hình "
                                      "được công nhận trong lựa chọn này") for i in at.info), \
            [i.value for i in at.info]
    for fig in figures(at):  # no empty rate chart (axes −1…4, 0–600%) is drawn
        assert fig["layout"]["xaxis"].get("tickformat") != ".0%"
        assert all(len(_decode(t.get("x", []))) for t in fig["data"])


def test_export_page_shows_the_narrative_for_the_selection(seeded_url, app):
    url, engine, _ = seeded_url
    at = app(url, clusters="dong-bang").run()
    at.switch_page("pages/export.py").run(timeout=120)
    assert not at.exception, [e.message for e in at.exception]
    text = "\n".join(c.value for c in at.code)
    assert text.lower().startswith("trong quý iv/2025, cấp ủy các xã, phường cụm đồng bằng")
    assert fmt_int(_sum(engine, "conferences", LATEST, "dong-bang")) in text
    assert any("Cụm Đồng bằng" in c.value for c in at.caption)


@pytest.mark.parametrize("compare, phrase", [("previous", "So với quý III/2025"),
                                             ("last_year", "So với cùng kỳ năm trước")])
def test_export_narrative_compares_with_the_period_chosen_in_the_sidebar(seeded_url, app, compare, phrase):
    url, _, _ = seeded_url
    at = app(url, clusters="dong-bang", compare=compare).run()
    at.switch_page("pages/export.py").run(timeout=120)
    text = "\n".join(c.value for c in at.code)
    assert phrase in text, text


def test_ranking_with_a_single_unit_says_so_instead_of_an_empty_grid(app, tmp_path):
    from etl.warehouse.db import ensure_schema, make_engine
    from etl.warehouse.load import load_file
    from tests.workbooks import consolidated_workbook
    url = f"sqlite:///{tmp_path}/one.db"
    engine = make_engine(url)
    ensure_schema(engine)
    sheet = consolidated_workbook([("Huyện Yên Định", {"models_registered": 891, "models_recognized": 514})])
    assert load_file(engine, sheet, "yen_dinh.xlsx").status == "loaded"
    at = app(url).run()
    assert not at.exception
    assert any("Không còn đơn vị nào khác" in c.value for c in at.caption)
    assert len(at.dataframe) >= 1 and all(len(d.value) for d in at.dataframe)


def test_header_names_the_clusters_and_units_of_a_shared_link(seeded_url, app):
    url, _, _ = seeded_url
    at = app(url, period="2024-Q2", clusters="dong-bang,ven-bien", units="394,380").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(m.value.startswith("**Quý II/2024 · Cụm Đồng bằng, Ven biển · Huyện Yên Định, Thành phố "
                                  "Thanh Hóa** · so sánh với kỳ trước (Quý I/2024)") for m in at.markdown)


def test_header_counts_the_units_past_the_first_six(seeded_url, app):
    url, engine, _ = seeded_url
    with engine.connect() as conn:
        codes = [c for (c,) in conn.execute(text("SELECT code FROM units WHERE cluster_code = 'dong-bang' "
                                                 "AND level = 'district' ORDER BY sort_order, code"))]
    at = app(url, period="2024-Q2", units=",".join(codes[:8])).run()
    header = next(m.value for m in at.markdown if m.value.startswith("**Quý II/2024 · "))
    assert header.split("**")[1].endswith(" và 2 đơn vị khác") and header.count(",") == 5


def test_overview_summary_is_whole_on_wide_screens_and_folded_on_phones(seeded_url, app):
    """Both are sent (the server cannot see the width); keyed containers let CSS pick one."""
    url, _, _ = seeded_url
    at = app(url).run()
    sentence = at.get_by_key("wide-summary").info[0].value
    assert sentence.startswith("Trong quý IV/2025")
    fold = at.get_by_key("phone-summary").expander[0]
    assert fold.label == "Xem nhận định" and fold.markdown[0].value == sentence
    assert len(at.get_by_key("kpi5-cards").metric) == 10


def test_long_rankings_show_what_fits_and_offer_the_rest(seeded_url, app):
    """166 communes by unit (one did not report): the rate chart keeps the two ends of the 165 rates,
    the grouped chart the largest; each offers the whole list behind 'Xem tất cả'."""
    from ui.bars import FITS, GROUPS_FIT
    url, _, info = seeded_url
    at = app(url).run()
    at.switch_page("pages/models.py").run()
    at.segmented_control(key="mo_by").set_value("unit").run()
    assert not at.exception, [e.message for e in at.exception]
    grouped, rate = figures(at)[:2]
    assert len(_decode(grouped["data"][0]["y"])) == GROUPS_FIT
    names = list(_decode(rate["data"][0]["y"]))
    rated = info["communes"] - 1
    assert len(names) == FITS + 1 and names[FITS // 2] == f"⋯ còn {rated - FITS} đơn vị ở giữa"
    labels = [e.label for e in at.expander if e.label.startswith("Xem tất cả")]
    assert labels == [f"Xem tất cả ({info['communes']} đơn vị)", f"Xem tất cả ({rated} đơn vị)"]


def test_ranking_rows_keep_both_ends_of_a_long_list():
    import pandas as pd

    from ui.bars import ranking_rows
    df = pd.DataFrame({"name": [f"Xã {i}" for i in range(20)], "code": [str(i) for i in range(20)],
                       "rate": [i / 20 for i in range(20)]})
    rows = ranking_rows(df, "rate", fits=6)
    assert list(rows["name"]) == ["Xã 19", "Xã 18", "Xã 17", "⋯ còn 14 đơn vị ở giữa", "Xã 2", "Xã 1", "Xã 0"]
    assert list(ranking_rows(df.head(8), "rate", fits=6)["name"]) == [f"Xã {i}" for i in range(7, -1, -1)]


@pytest.mark.parametrize("specs, on_top, ticks", [
    (["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"], False, ["III<br>2024", "IV", "I<br>2025", "II"]),
    (["2024-Q4", "2025-Q1"], False, ["IV", "I<br>2025"]),
    (["2025-Q4"], False, ["IV<br>2025"]),
    (["2024-Q3", "2025-Q1"], True, ["2024<br>III", "2025<br>I"]),
    (["2023-H1", "2024-H1"], False, ["2023", "2024"]),
])
def test_period_ticks_are_short_and_name_each_year_once(specs, on_top, ticks):
    from ui.charts import period_ticks
    assert period_ticks(specs, axis_on_top=on_top) == ticks


def test_a_closed_table_is_drawn_once_opened(seeded_url, app):
    """Tables behind the charts start closed and are sent only when opened (a page sends no grid
    nobody looks at): opened, the cluster table shows the rates of the chart."""
    url, engine, _ = seeded_url
    at = app(url).run()
    assert [e.label for e in at.expander].count("Bảng số liệu") == 1 and not any(
        "Cụm" in d.value.columns for d in at.dataframe)
    at.session_state["table-ty-le-cong-nhan-theo-cum"] = True
    at.run()
    shown = next(d.value for d in at.dataframe if "Cụm" in d.value.columns)
    rates = dict(zip(shown["Cụm"], shown["Tỷ lệ công nhận"]))
    assert {n: rates[n] for n in CLUSTERS} == {n: fmt_pct(_rate(engine, LATEST, c)) for n, c in CLUSTERS.items()}
    assert rates["Toàn tỉnh"] == fmt_pct(_rate(engine, LATEST))
