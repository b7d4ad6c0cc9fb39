"""The CLI's words for a load result: one status line per file, the columns mapped by meaning, the
sentence figures of a Word report, the problems table, and the same in the documented JSON shape."""
from __future__ import annotations

from etl.problems import sort_problems
from etl.reading.numbers import fmt_int

STATUS_LABELS = {"loaded": "ĐÃ NẠP", "unchanged": "KHÔNG ĐỔI", "rejected": "BỊ TỪ CHỐI",
                 "preview": "XEM TRƯỚC"}
SEVERITY_LABELS = {"error": "Lỗi", "warning": "Cảnh báo"}


def load_json(r) -> dict:
    """One file's result in the documented JSON shape."""
    return {"file": r.file, "status": r.status, "batch_id": r.batch_id,
            "periods": [p.spec for p in r.periods], "rows_added": r.rows_added,
            "rows_changed": r.rows_changed, "rows_unchanged": r.rows_unchanged,
            "sheets": [sheet_json(s) for s in r.sheets],
            "mapped_columns": [dict(mapped_json(m), sheet=s.name) for s in r.sheets for m in s.mapped_columns
                               if m.how != "exact"],
            "text_figures": [text_figure_json(f) for f in r.text_figures],
            "problems": [{"sheet": p.sheet, "cell": p.cell, "row": p.row, "column": p.column,
                          "code": p.code, "severity": p.severity, "message": p.message}
                         for p in sort_problems(r.problems)]}


def text_figure_json(f) -> dict:
    """A figure proposed from a sentence of a .docx: what, how many, whose, when, and the sentence."""
    return {"indicator": f.indicator, "value": f.value, "unit": f.unit, "period": f.period.spec if f.period else None,
            "quote": f.quote, "where": f.where, "key": f.key, "accepted": f.accepted, "competing": list(f.competing),
            "table_value": f.table_value, "table_cell": f.table_cell or None}


def sheet_json(s) -> dict:
    """One sheet: read or skipped (why), its period, layout and every column mapped."""
    return {"name": s.name, "status": s.status, "reason": s.reason, "period": s.period.spec if s.period else None,
            "layout": s.layout, "mapped_columns": [mapped_json(m) for m in s.mapped_columns]}


def mapped_json(m) -> dict:
    return {"header": m.header, "cell": m.cell, "indicator": m.indicator, "how": m.how, "score": round(m.score, 1)}


HOW_LABELS = {"meaning": "theo nghĩa", "learned": "đã học", "given": "theo --map"}


def describe_mappings(r, labels: dict[str, str]) -> list[str]:
    """'  Cột “Số lượt người dự” (Biểu 01!E5) → Lượt người tham dự hội nghị (theo nghĩa, 100 điểm)'."""
    lines = []
    for s in r.sheets:
        if s.status == "skipped":
            lines.append(f"  Bỏ qua trang {s.name}: {s.reason}")
        for m in s.mapped_columns:
            if m.how == "exact":
                continue
            target = labels.get(m.indicator, m.indicator) if m.indicator else "không nạp"
            lines.append(f"  Cột “{m.header}” ({s.name}!{m.cell}) → {target} ({HOW_LABELS.get(m.how, m.how)}"
                         f"{f', {m.score:.0f} điểm' if m.how == 'meaning' else ''})")
    return lines


def describe_text_figures(r, labels: dict[str, str]) -> list[str]:
    """'  Số liệu trong câu (đoạn 5): Hội nghị quán triệt, tuyên truyền = 50 — “… tổ chức 50 hội nghị …”'."""
    if not r.text_figures:
        return []
    lines = [f"  Số liệu trong câu ({'đã xác nhận' if any(f.accepted for f in r.text_figures) else 'đề xuất, chưa nạp'}"
             f"; --accept-text-figures để nạp):"]
    for f in r.text_figures:
        mark = " [đã chọn]" if f.accepted else ""
        note = " [mâu thuẫn với câu khác]" if f.competing else ""
        lines.append(f"  · {f.where}: {labels.get(f.indicator, f.indicator)} = {fmt_int(f.value)}{mark}{note} — “{f.quote}”")
    return lines


def describe_result(r, labels: dict[str, str] | None = None) -> str:
    """Status line (+ problems table) of one file, in Vietnamese."""
    head = f"{STATUS_LABELS.get(r.status, r.status)}: {r.file}"
    if r.period is not None:
        head += f" — {r.period.label}"
    if r.status == "loaded":
        head += (f" — lô #{r.batch_id}: thêm {fmt_int(r.rows_added)}, sửa {fmt_int(r.rows_changed)}, "
                 f"giữ nguyên {fmt_int(r.rows_unchanged)} giá trị")
    elif r.status == "preview" and not r.changes:   # a report whose figures all wait in its sentences
        head += f" — {fmt_int(len(r.text_figures))} số liệu trong câu chờ xác nhận (chưa ghi gì)"
    elif r.status == "preview":
        head += (f" — sẽ thêm {fmt_int(r.rows_added)}, sửa {fmt_int(r.rows_changed)}, "
                 f"giữ nguyên {fmt_int(r.rows_unchanged)} giá trị (chưa ghi gì)")
    elif r.status == "unchanged" and r.previous is not None:
        head += f" — tệp này đã được nạp: {r.previous.describe()}; không có gì thay đổi"
    elif r.status == "unchanged":
        head += " — mọi giá trị đã có sẵn trong kho; không có gì thay đổi"
    elif r.status == "rejected":
        head += " — tệp không được nạp, kho dữ liệu không thay đổi. Sửa các lỗi dưới đây rồi nạp lại"
    lines = [head] + describe_mappings(r, labels or {}) + describe_text_figures(r, labels or {})
    if r.status == "preview":
        labels = labels or {}
        lines += [f"  {c.unit_name} · {labels.get(c.indicator_code, c.indicator_code)}: "
                  f"{fmt_int(c.old)} → {fmt_int(c.new)}" for c in r.changes if c.kind == "changed"][:50]
    if r.problems:
        rows = [[p.sheet, p.cell or (f"dòng {p.row}" if p.row else ""), SEVERITY_LABELS.get(p.severity, ""),
                 p.message, p.hint] for p in sort_problems(r.problems)]
        lines.append(table(["Trang tính", "Ô", "Mức", "Vấn đề", "Cách sửa"], rows, indent="  "))
    return "\n".join(lines)


def table(headers: list[str], rows: list[list], indent: str = "") -> str:
    """A plain aligned text table."""
    cells = [[str(c) for c in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    fmt = lambda r: indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([fmt(cells[0]), indent + "  ".join("-" * w for w in widths)] + [fmt(r) for r in cells[1:]])
