"""Pages and the deck on cumulative periods: a half-year with only Quý I loaded says what is missing
instead of showing Quý I as the half-year; the reporting page lists reports that disagree."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from pptx import Presentation

from etl.export.outputs import pptx_bytes
from etl.export.scope import gather, report_selection
from etl.periods import Period
from etl.warehouse.load import load_file
from tests.workbooks import consolidated_workbook

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
DONG_BANG_2024 = ["Huyện Hà Trung", "Huyện Vĩnh Lộc", "Huyện Yên Định", "Huyện Thọ Xuân", "Huyện Thiệu Hóa",
                  "Huyện Triệu Sơn", "Huyện Đông Sơn", "Huyện Nông Cống", "Thị xã Bỉm Sơn", "Thành phố Thanh Hóa"]
MISSING = "10 đơn vị thiếu Quý II/2024"


@pytest.fixture(scope="module")
def only_q1(tmp_path_factory):
    """Đồng bằng's ten units have sent Quý I/2024, nobody anything else."""
    from etl.warehouse.db import ensure_schema, make_engine
    url = f"sqlite:///{tmp_path_factory.mktemp('q1')}/warehouse.db"
    engine = make_engine(url)
    ensure_schema(engine)
    rows = [(name, {"conferences": 2, "conference_participants": 90, "models_registered": 5,
                    "models_recognized": 3}) for name in DONG_BANG_2024]
    assert load_file(engine, consolidated_workbook(rows, "QUÝ I NĂM 2024"), "q1.xlsx").status == "loaded"
    yield url, engine
    engine.dispose()


def open_app(monkeypatch, url: str, **params):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DVK_DEMO_AUTOLOAD", "0")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    return at.run()


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/meetings.py", "pages/models.py"])
def test_half_year_page_says_what_is_missing_instead_of_showing_the_first_quarter(only_q1, monkeypatch, page):
    url, _ = only_q1
    at = open_app(monkeypatch, url, period="2024-H1", clusters="dong-bang")
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert any("chưa có đơn vị nào báo cáo đủ cả kỳ" in w and MISSING in w for w in warnings), warnings
    assert not at.metric   # no KPI card presents Quý I as the half-year


def test_quarter_page_shows_the_quarter_without_a_warning(only_q1, monkeypatch):
    url, _ = only_q1
    at = open_app(monkeypatch, url, period="2024-Q1", clusters="dong-bang")
    assert not at.exception and at.metric[0].value == "20"
    assert not any("Chưa đủ số liệu" in w.value for w in at.warning)


def test_half_year_deck_says_what_is_missing(only_q1):
    _, engine = only_q1
    data = gather(engine, report_selection(engine, Period(2024, "H1"), "cluster:dong-bang"))
    assert (data.current["units_reported"], data.current["units_partial"]) == (0, 10)
    deck = Presentation(io.BytesIO(pptx_bytes(data)))
    text = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                     if shape.has_text_frame)
    assert MISSING in text and "Đã có 0/10 đơn vị báo cáo đủ số liệu 6 tháng đầu năm 2024" in text
    assert any(MISSING in p for p in data.paragraphs)   # the written report too


def test_reporting_page_lists_a_cumulative_report_that_disagrees(tmp_path, monkeypatch):
    from etl.warehouse.db import ensure_schema, make_engine
    url = f"sqlite:///{tmp_path}/w.db"
    engine = make_engine(url)
    ensure_schema(engine)
    for title, value in (("QUÝ I NĂM 2024", 4), ("QUÝ II NĂM 2024", 5), ("6 THÁNG ĐẦU NĂM 2024", 10)):
        r = load_file(engine, consolidated_workbook([("Huyện Yên Định", {"conferences": value})], title), "f.xlsx")
        assert r.status == "loaded"
    at = open_app(monkeypatch, url, period="2024-Q2")
    at.switch_page("pages/reporting.py").run()
    assert not at.exception, [e.message for e in at.exception]
    frames = [df.value for df in at.dataframe]
    found = next(df for df in frames if "Số báo cáo" in df.columns)
    assert found[["Đơn vị", "Kỳ", "Số báo cáo", "Tính từ các báo cáo khác"]].values.tolist() == [
        ["Huyện Yên Định", "6 tháng đầu năm 2024", "10", "9"]]
    engine.dispose()
