"""The giao ban deck (etl.export.pptx), opened again with python-pptx: native charts whose series
equal the warehouse sums, every slide title, Vietnamese numbers, nothing outside the slide, long
unit lists continued on further slides, the agency template, progress, and the CLI."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pptx import Presentation
from pptx.util import Inches
from sqlalchemy import text

from etl.cli import main
from etl.export.outputs import export, pptx_bytes
from etl.export.pptx import RANK_ROWS, RATE_TITLE
from etl.export.scope import gather, report_selection, short_name
from etl.periods import Period
from etl.queries.selection import ScopeError
from etl.reading.numbers import fmt_pct
from tests.seeding import H1_2024, seed_province

TITLES = ["Các chỉ tiêu chủ yếu", RATE_TITLE, "Hội nghị quán triệt, tuyên truyền",
          "Hội nghị tập huấn, bồi dưỡng", "Kiểm tra, giám sát", "Diễn biến theo quý",
          "Xếp hạng theo tỷ lệ mô hình được công nhận", "Tình hình báo cáo số liệu", "Nhận định chung"]


def deck(engine, scope: str, period: Period = H1_2024, **kw):
    data = gather(engine, report_selection(engine, period, scope), made_on=date(2024, 6, 21))
    return data, Presentation(io.BytesIO(pptx_bytes(data, **kw)))


def texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
    return out


def title_of(slide) -> str:
    if slide.shapes.title is not None:
        return slide.shapes.title.text_frame.text
    return next(s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text)


def slide_with(prs, title: str):
    return next(s for s in prs.slides if title_of(s).startswith(title))


def charts(slide) -> list:
    return [s.chart for s in slide.shapes if s.has_chart]


def warehouse_sums(engine, period: Period, indicator: str, cluster: str) -> dict[str, int]:
    """Σ value per unit of a cluster straight from the facts table (not through etl.queries)."""
    sql = text("SELECT u.name, SUM(f.value) FROM facts f JOIN units u ON u.code = f.unit_code "
               "WHERE f.indicator_code = :i AND f.period_index BETWEEN :a AND :b AND u.cluster_code = :c "
               "GROUP BY u.name")
    with engine.connect() as conn:
        rows = conn.execute(sql, dict(i=indicator, a=min(period.indexes), b=max(period.indexes),
                                      c=cluster)).all()
    return {short_name(n): int(v) for n, v in rows}


def series(chart) -> dict[str, float]:
    cats = list(chart.plots[0].categories)
    return {c: v for c, v in zip(cats, chart.series[0].values) if v is not None}


def test_cluster_deck_titles_and_native_charts(engine):
    seed_province(engine)
    data, prs = deck(engine, "cluster:dong-bang")
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    first = "\n".join(texts(prs.slides[0]))
    for part in ("BAN DÂN VẬN TỈNH ỦY THANH HÓA", "Ngày 21/06/2024", "6 THÁNG ĐẦU NĂM 2024 — CỤM ĐỒNG BẰNG"):
        assert part in first
    for title in TITLES:
        slide_with(prs, title)
    assert not any(s.shape_type == 13 for slide in prs.slides for s in slide.shapes)  # no pictures
    for code, title in (("conferences", "Hội nghị quán triệt"), ("conference_participants", "Hội nghị quán triệt"),
                        ("trainings", "Hội nghị tập huấn"), ("inspections", "Kiểm tra, giám sát"),
                        ("inspected_party_members", "Kiểm tra, giám sát")):
        chart = next(c for c in charts(slide_with(prs, title))
                     if c.series[0].name == data.label(code))
        expected = warehouse_sums(engine, H1_2024, code, "dong-bang")
        assert series(chart) == expected
        assert sum(series(chart).values()) == data.current[code]
    meetings = charts(slide_with(prs, "Hội nghị quán triệt"))
    assert sum(series(meetings[0]).values()) == 50 and sum(series(meetings[1]).values()) == 4819
    assert "Đông Sơn" in list(meetings[0].plots[0].categories)  # not reported: a gap, not 0
    assert "Đông Sơn" not in series(meetings[0])


def test_rate_chart_labels_in_vietnamese_format(engine):
    seed_province(engine)
    data, prs = deck(engine, "province")
    chart = charts(slide_with(prs, RATE_TITLE))[0]
    values = series(chart)
    rows = data.units.set_index("name")["recognition_rate"]
    for name, rate in rows.items():
        if rate == rate:
            assert values[short_name(name)] == round(rate * 100, 1)
    labels = [p.data_label.text_frame.text for p in chart.series[0].points if p.data_label.has_text_frame]
    assert labels and all(lbl.endswith("%") and "," in lbl for lbl in labels)
    top = max(values.items(), key=lambda kv: kv[1])
    assert labels[0] == fmt_pct(top[1] / 100)
    assert "Toàn tỉnh: " + fmt_pct(data.current["recognition_rate"]) in " ".join(texts(slide_with(prs, RATE_TITLE)))
    # a unit without a rate has no bar: its name says why, rather than leaving an empty row
    assert "Đông Sơn (chưa báo cáo)" in list(chart.plots[0].categories)
    assert "Đông Sơn (chưa báo cáo)" not in values


def test_kpi_slide_has_figures_and_deltas(engine):
    seed_province(engine)
    data, prs = deck(engine, "cluster:dong-bang")
    cells = texts(slide_with(prs, "Các chỉ tiêu chủ yếu"))
    assert {"4.819", "891", "514", "57,7%", "6 tháng cuối năm 2023", "6 tháng đầu năm 2023"} <= set(cells)
    prev = data.last_year["conferences"]
    assert f"{50 - prev:+d}".replace("+-", "-") in cells
    narrative = " ".join(texts(slide_with(prs, "Nhận định chung")))
    assert "50 hội nghị" in narrative and "4.819 lượt người" in narrative and "đạt 57,7%" in narrative


def test_province_deck_fits_the_slides(engine):
    seed_province(engine)
    data, prs = deck(engine, "province")
    assert len(data.units) == 27
    ranking = [s for s in prs.slides if title_of(s).startswith("Xếp hạng")]
    assert len(ranking) == 2 and title_of(ranking[1]).endswith("(tiếp)")
    tables = [sh.table for s in ranking for sh in s.shapes if sh.has_table]
    assert [len(t.rows) - 1 for t in tables] == [RANK_ROWS, 27 - RANK_ROWS]
    for slide in prs.slides:
        for sh in slide.shapes:
            assert sh.left >= 0 and sh.top >= 0
            assert sh.left + sh.width <= prs.slide_width and sh.top + sh.height <= prs.slide_height, sh.name
            if sh.has_text_frame:
                for p in sh.text_frame.paragraphs:
                    for r in p.runs:
                        assert r.font.size is None or r.font.size.pt >= 9
                        assert r.font.name in (None, "Arial")
    missing = " ".join(texts(slide_with(prs, "Tình hình báo cáo")))
    assert "Đã có 26/27 đơn vị báo cáo" in missing and "Huyện Đông Sơn" in missing


def test_agency_template_layouts_are_used(engine, tmp_path):
    seed_province(engine)
    template = Presentation()
    template.slides.add_slide(template.slide_layouts[0]).shapes.title.text = "Mẫu của cơ quan"
    path = tmp_path / "mau.pptx"
    template.save(path)
    data = gather(engine, report_selection(engine, H1_2024, "unit:394"))
    prs = Presentation(io.BytesIO(__import__("etl.export.pptx", fromlist=["x"]).build_pptx(
        data, template=str(path))))
    assert not any("Mẫu của cơ quan" in " ".join(texts(s)) for s in prs.slides)
    assert [title_of(s) for s in prs.slides][1:] == [title_of(s) for s in deck(engine, "unit:394")[1].slides][1:]
    assert prs.slides[0].slide_layout.name == "Title Slide"
    assert prs.slides[1].slide_layout.name == "Title Only"
    assert prs.slides[1].shapes.title.text == "Các chỉ tiêu chủ yếu"


def test_progress_is_reported(sqlite_engine):
    seed_province(sqlite_engine)
    seen = []
    export(sqlite_engine, "2024-Q2", "province", pptx=io.BytesIO(),
           progress=lambda f, msg: seen.append((f, msg)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) > 5
    assert all(isinstance(m, str) and m for _, m in seen)


def test_unknown_scope_is_refused(sqlite_engine):
    with pytest.raises(ScopeError, match="Không có cụm mã"):
        report_selection(sqlite_engine, H1_2024, "cluster:khong-co")
    with pytest.raises(ScopeError, match="không hợp lệ"):
        report_selection(sqlite_engine, H1_2024, "huyen:394")


def test_cli_writes_the_three_files(sqlite_engine, tmp_path, monkeypatch, capsys):
    seed_province(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    out = [tmp_path / n for n in ("d.pptx", "r.docx", "b.xlsx")]
    code = main(["export", "--period", "2024-H1", "--scope", "cluster:dong-bang", "--pptx", str(out[0]),
                 "--docx", str(out[1]), "--xlsx", str(out[2]), "--text"])
    assert code == 0 and all(p.stat().st_size > 5000 for p in out)
    assert "891 mô hình “Dân vận khéo”, trong đó được công nhận 514 mô hình, đạt 57,7%" in capsys.readouterr().out
    assert main(["export", "--period", "2024-H1", "--scope", "cluster:khong-co", "--text"]) == 2
    assert main(["export", "--period", "2024-H1"]) == 2
