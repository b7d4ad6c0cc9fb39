"""The written report (etl.export.docx), opened again with python-docx: heading, the narrative with
seed 001's figures, and the summary table by cluster and unit in Vietnamese number format."""
from __future__ import annotations

import io
from datetime import date

from docx import Document

from etl.export.outputs import docx_bytes
from etl.export.scope import gather, report_selection
from etl.reading.numbers import fmt_int, fmt_pct
from tests.seeding import H1_2024, seed_province


def report(engine, scope: str):
    data = gather(engine, report_selection(engine, H1_2024, scope), made_on=date(2024, 6, 21))
    return data, Document(io.BytesIO(docx_bytes(data)))


def table_rows(doc) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in doc.tables[-1].rows]


def test_heading_and_narrative(engine):
    seed_province(engine)
    data, doc = report(engine, "cluster:dong-bang")
    heading = [c.text for c in doc.tables[0].rows[0].cells]
    assert heading[0] == "BAN DÂN VẬN TỈNH ỦY THANH HÓA"
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in heading[1] and "Thanh Hóa, ngày 21 tháng 06 năm 2024" in heading[1]
    paragraphs = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in paragraphs
    assert any("6 tháng đầu năm 2024 – Cụm Đồng bằng" in p for p in paragraphs)
    body = "\n".join(paragraphs)
    for part in ("50 hội nghị", "4.819 lượt người", "891 mô hình", "514 mô hình", "57,7%",
                 "Còn 01 đơn vị chưa báo cáo: Huyện Đông Sơn"):
        assert part in body, part
    assert paragraphs.count(data.paragraphs[0]) == 1


def test_summary_table_by_cluster_and_unit(engine):
    seed_province(engine)
    data, doc = report(engine, "province")
    rows = table_rows(doc)
    header = rows[0]
    assert header[:3] == ["STT", "Đơn vị", "Hội nghị quán triệt"] and header[-1] == "Tỷ lệ công nhận"
    by_name = {r[1]: r for r in rows[1:]}
    assert [r[1] for r in rows[1:] if r[0] in ("I", "II", "III")] == ["Cụm Miền núi", "Cụm Ven biển",
                                                                     "Cụm Đồng bằng"]
    assert by_name["Cụm Đồng bằng"][2:4] == ["50", "4.819"]
    assert by_name["Cụm Đồng bằng"][-3:] == ["891", "514", "57,7%"]
    assert by_name["Huyện Đông Sơn"][2:] == ["–"] * (len(header) - 2)
    total = by_name["Toàn tỉnh"]
    assert total[3] == fmt_int(data.current["conference_participants"])
    assert total[-1] == fmt_pct(data.current["recognition_rate"])
    assert len(rows) == 1 + 3 + 27 + 1
    assert doc.tables[-1].rows[0]._tr.trPr.xml.count("tblHeader") == 1  # header repeats on each page
