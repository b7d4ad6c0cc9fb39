"""Benchmark (not a timed test): reading a 40-page written report (.docx) as units send them.

The report (built here with python-docx) opens with a letterhead and heading lines, runs 40 pages of
narrative (~500 words a page: result paragraphs stating figures in the style of seed 001, and
paragraphs without any), a plan section, and two tables (a 27-unit biểu tổng hợp with merged
two-line headers, and a form). Prints the bare parse (etl.reading.read.parse_workbook: safety checks, tables,
sentence figures) and the parse as uploads run it (etl.reading.sandbox.parse_bounded, in the bounded
worker), best of --repeat runs. Goal (issue 13): a 40-page report read in <= 2 s.

    .venv/bin/python bench/bench_docx.py [--repeat 5] [--pages 40]
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

GOAL_SECONDS = 2.0
WORDS_PER_PAGE = 500
RESULTS = [
    "Trong 6 tháng đầu năm 2024, Ban Dân vận Huyện ủy đã tham mưu ban hành {a} văn bản lãnh đạo, chỉ đạo về "
    "công tác dân vận; tổ chức {b} hội nghị quán triệt, tuyên truyền với {c} lượt người tham dự.",
    "Tổ chức {a} cuộc kiểm tra, giám sát đối với {b} tổ chức đảng và {c} đảng viên; tổ chức 06 hội nghị sơ "
    "kết, tổng kết các văn bản của Trung ương và của tỉnh về công tác dân vận.",
    "Đã đăng ký và tổ chức thực hiện {a} mô hình “Dân vận khéo”, trong đó được công nhận {b} mô hình, đạt "
    "57,7%; so với cùng kỳ năm trước tăng {c} mô hình.",
]
FILLER = ("Công tác dân vận của chính quyền, Mặt trận Tổ quốc và các đoàn thể chính trị – xã hội tiếp tục được "
          "quan tâm; việc thực hiện Quy chế dân chủ ở cơ sở theo Nghị quyết số 25-NQ/TW được triển khai đồng bộ, "
          "gắn với phong trào thi đua “Dân vận khéo”, góp phần giữ vững ổn định chính trị, phát triển kinh tế – "
          "xã hội của địa phương, tạo sự đồng thuận trong Nhân dân.")


def build_report(pages: int) -> bytes:
    from tests.documents import YD_HEADINGS, consolidated_table, document, form_table
    paragraphs, words, n = ["I. KẾT QUẢ ĐẠT ĐƯỢC"], 0, 0
    while words < pages * WORDS_PER_PAGE:
        text = RESULTS[n % 3].format(a=10 + n, b=20 + n, c=1000 + n) if n % 4 == 0 else FILLER
        paragraphs.append(text)
        words += len(text.split())
        n += 1
    paragraphs += ["II. PHƯƠNG HƯỚNG, NHIỆM VỤ 6 THÁNG CUỐI NĂM 2024",
                   "Phấn đấu mỗi xã xây dựng ít nhất 05 mô hình “Dân vận khéo”."]
    units = [f"Huyện {name}" for name in ("Mường Lát", "Quan Hóa", "Quan Sơn", "Bá Thước", "Lang Chánh",
                                          "Thường Xuân", "Như Xuân", "Như Thanh", "Cẩm Thủy", "Ngọc Lặc",
                                          "Thạch Thành", "Nga Sơn", "Hậu Lộc", "Hoằng Hóa", "Quảng Xương",
                                          "Hà Trung", "Vĩnh Lộc", "Yên Định", "Thọ Xuân", "Thiệu Hóa",
                                          "Triệu Sơn", "Nông Cống")]
    table = consolidated_table([(u, {"conferences": i + 1, "conference_participants": 100 + i})
                                for i, u in enumerate(units)], codes=("conferences", "conference_participants"))
    return document(*YD_HEADINGS[:3], "BÁO CÁO", "Kết quả công tác dân vận 6 tháng đầu năm 2024", *paragraphs,
                    "Phụ lục 1: Biểu tổng hợp 6 tháng đầu năm 2024", table,
                    "Phụ lục 2: Kết quả của Ban Dân vận Huyện ủy", form_table({"documents_issued": 12}),
                    letterhead=[["HUYỆN ỦY YÊN ĐỊNH", "ĐẢNG CỘNG SẢN VIỆT NAM"]])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    from etl.reading.docx_sheets import read_document
    from etl.reading.read import parse_workbook
    from etl.reading.sandbox import parse_bounded
    from timing import best_of
    from tests.workbooks import catalogue_indicators, sample_units
    data = build_report(args.pages)
    kw = dict(units=sample_units(), indicators=catalogue_indicators(), today=date(2026, 1, 15))
    doc = read_document(data)
    words = sum(len(p.split()) for p in doc.paragraphs)
    print(f"report: {args.pages} pages ({words:,} words, {len(doc.paragraphs)} paragraphs, "
          f"{len(doc.tables)} tables), {len(data) / 1024:.0f} KB")

    def bare():
        read_document.cache_clear()   # every run reads the document afresh
        return parse_workbook(data, "bao_cao.docx", **kw)
    bare_s, parsed = best_of(args.repeat, bare)
    bounded_s, _ = best_of(args.repeat, lambda: parse_bounded(data, "bao_cao.docx", **kw))
    print(f"figures: {len(parsed.records)} records from tables, {len(parsed.text_figures)} proposed from "
          f"sentences, {len(parsed.problems)} problems")
    print(f"bare parse (parse_workbook):        {bare_s:.3f} s")
    print(f"as uploads run it (parse_bounded):  {bounded_s:.3f} s   goal <= {GOAL_SECONDS:.1f} s: "
          f"{'met' if bounded_s <= GOAL_SECONDS else 'NOT MET'}")


if __name__ == "__main__":
    main()
