"""Word reports for tests: .docx bytes built with python-docx, the way units write them.

    from tests.documents import Table, document, consolidated_table, YD_HEADINGS
    data = document(*YD_HEADINGS, consolidated_table([("Huyện Yên Định", {"conferences": 12})]), "Nơi nhận: …")

A block is a paragraph (a str; '\\n' inside is a line break) or a Table: rows of cell texts (None = empty)
and merges (r1, c1, r2, c2), 0-based and inclusive, merged with python-docx (gridSpan across, vMerge down).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import docx

FIXTURES = Path(__file__).resolve().parent / "fixtures"
YD_HEADINGS = ["HUYỆN ỦY YÊN ĐỊNH", "BAN DÂN VẬN", "Số: 45-BC/BDV", "BÁO CÁO",
               "Kết quả công tác dân vận quý II năm 2024"]
PROVINCE_HEADINGS = ["BAN DÂN VẬN TỈNH ỦY THANH HÓA", "BÁO CÁO",
                     "Kết quả công tác dân vận của các huyện quý II năm 2024"]
# code -> (group over it or None, header): the two-line header of a biểu tổng hợp
HEADERS = {"conferences": ("Hội nghị quán triệt, tuyên truyền", "Số cuộc"),
           "conference_participants": ("Hội nghị quán triệt, tuyên truyền", "Lượt người"),
           "documents_issued": (None, "Văn bản ban hành"),
           "models_registered": ("Mô hình “Dân vận khéo”", "Đăng ký"),
           "models_recognized": ("Mô hình “Dân vận khéo”", "Công nhận")}
FORM_LABELS = {"documents_issued": "Số văn bản ban hành", "conferences": "Số hội nghị quán triệt, tuyên truyền",
               "conference_participants": "Lượt người tham dự", "models_registered": "Số mô hình đăng ký",
               "models_recognized": "Số mô hình được công nhận"}


@dataclass
class Table:
    rows: list[list]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def document(*blocks, letterhead: list[list[str]] | None = None) -> bytes:
    """A .docx of paragraphs and tables in order; letterhead: a small table opening the document."""
    d = docx.Document()
    if letterhead:
        _add_table(d, Table(letterhead))
    for block in blocks:
        if isinstance(block, Table):
            _add_table(d, block)
        else:
            lines = str(block).split("\n")
            run = d.add_paragraph().add_run(lines[0])
            for line in lines[1:]:
                run.add_break()
                run.add_text(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _add_table(d, table: Table) -> None:
    width = max(len(r) for r in table.rows)
    t = d.add_table(rows=len(table.rows), cols=width)
    for r, row in enumerate(table.rows):
        for c, text in enumerate(row):
            if text is not None:
                t.cell(r, c).text = str(text)
    for r1, c1, r2, c2 in table.merges:
        t.cell(r1, c1).merge(t.cell(r2, c2))


def consolidated_table(rows, codes=tuple(HEADERS), *, total: bool = True) -> Table:
    """STT | Đơn vị | groups merged over their sub-headers (STT, Đơn vị and lone headers merged down),
    a unit per row, then 'Tổng cộng'. rows: [(unit name, {code: text or int})]."""
    top, sub, merges = ["STT", "Đơn vị"], [None, None], [(0, 0, 1, 0), (0, 1, 1, 1)]
    for j, code in enumerate(codes):
        group, header = HEADERS[code]
        col = 2 + j
        if group is None:
            top.append(header), sub.append(None), merges.append((0, col, 1, col))
        elif j and HEADERS[codes[j - 1]][0] == group:   # widen the group's merge over this column
            top.append(None), sub.append(header)
            merges[-1] = (0, merges[-1][1], 0, col)
        else:
            top.append(group), sub.append(header), merges.append((0, col, 0, col))
    body = [[str(n), name, *[_text(values.get(c)) for c in codes]] for n, (name, values) in enumerate(rows, 1)]
    if total:
        sums = [sum(int(str(v.get(c) or 0).replace(".", "")) for _, v in rows) for c in codes]
        body.append([None, "Tổng cộng", *[str(s) for s in sums]])
    return Table([top, sub, *body], [m for m in merges if (m[0], m[1]) != (m[2], m[3])])


def form_table(values: dict) -> Table:
    """STT | Nội dung | Đơn vị tính | Số lượng, one line per indicator."""
    rows = [["STT", "Nội dung", "Đơn vị tính", "Số lượng"]]
    rows += [[str(n), FORM_LABELS[code], "", _text(v)] for n, (code, v) in enumerate(values.items(), 1)]
    return Table(rows)


def transposed_table(units: list[str], values: dict[str, list]) -> Table:
    """Nội dung | ĐVT | a column per unit | Tổng: indicators down, units across."""
    rows = [["STT", "Nội dung", "ĐVT", *units, "Tổng"]]
    for n, (code, vs) in enumerate(values.items(), 1):
        rows.append([str(n), FORM_LABELS[code], "", *[_text(v) for v in vs], str(sum(vs))])
    return Table(rows)


def _text(v) -> str | None:
    return None if v is None else str(v)


def seed_text(name: str = "seed_001.txt") -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def seed_document(name: str = "seed_001.txt") -> bytes:
    """A seed report (tests/fixtures, copied from shared/seeds) saved as a .docx: a paragraph per line."""
    return document(*[line for line in seed_text(name).splitlines() if line.strip()])
