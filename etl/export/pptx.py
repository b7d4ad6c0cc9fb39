"""The giao ban deck: title, key figures with deltas, native charts, ranking, reporting, narrative.

Every chart is a native PowerPoint chart (data embedded, editable); long unit lists continue on
further slides ("(tiếp)") rather than shrinking below a readable size.
"""
from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
from pptx.util import Inches

from etl.catalog.catalogue import CONFERENCES, INSPECTION_SET, RATE, RECOGNISED, REGISTERED, TRAININGS, main_codes
from etl.config import get_settings
from etl.export.fitting import fit_size, fits
from etl.export.pptx_parts import GREEN, RED, Box, Deck, add_bar_chart, add_line_chart, add_table, add_text
from etl.export.scope import ReportData, rate_names, short_name, unit_status
from etl.queries.narrative import count, derived_note, gaps_sentence
from etl.reading.numbers import fmt_delta, fmt_int, fmt_num, fmt_pct

Progress = Callable[[float, str], None]
RATE_TITLE = "Tỷ lệ mô hình “Dân vận khéo” được công nhận"
RANK_ROWS = 14  # ranking rows per slide at a readable size


def build_pptx(data: ReportData, progress: Progress | None = None, template: str | None = None) -> bytes:
    """The deck as .pptx bytes."""
    steps = [_title, _kpis, _rate, _conferences, _trainings, _inspections, _trend, _ranking,
             _completeness, _narrative]
    deck = Deck(get_settings().pptx_template if template is None else template,
                footer=f"{data.agency}  ·  {data.period.label}  ·  {data.selection.name}")
    for i, step in enumerate(steps):
        if progress:
            progress(i / len(steps), f"Đang dựng trang {i + 1}/{len(steps)}…")
        step(deck, data)
    out = io.BytesIO()
    deck.save(out)
    if progress:
        progress(1.0, "Đã xong.")
    return out.getvalue()


def _values(df: pd.DataFrame, code: str) -> list[int | None]:
    if code not in df:
        return [None] * len(df)
    return [None if pd.isna(v) else int(v) for v in df[code]]


def _names(df: pd.DataFrame) -> list[str]:
    return [short_name(n) for n in df["name"]]


def _spot(d: ReportData, df: pd.DataFrame) -> int | None:
    """Position of the unit a unit-scope deck is about among the chart's rows."""
    names = list(df["name"])
    return names.index(d.highlight) if d.highlight in names else None


def _title(deck: Deck, d: ReportData) -> None:
    deck.title_slide([
        (d.agency.upper(), 22, True),
        ("BÁO CÁO KẾT QUẢ CÔNG TÁC DÂN VẬN", 36, True),
        (f"{d.period.label.upper()} — {d.selection.name.upper()}", 26, True),
        ("Phong trào thi đua “Dân vận khéo”", 20, False),
        (f"Ngày {d.made_on:%d/%m/%Y}", 18, False),
    ])


def _delta_cell(cur, ref, pct: bool = False) -> str:
    if cur is None or ref is None:
        return "–"
    if pct:
        points = round((cur - ref) * 100, 1)
        return ("+" if points > 0 else "-" if points < 0 else "±") + fmt_num(abs(points), 1)
    return fmt_delta(cur - ref)


def _kpis(deck: Deck, d: ReportData) -> None:
    slide, box = deck.content_slide("Các chỉ tiêu chủ yếu")
    prev, ly = d.period.previous(), d.period.same_period_last_year()
    header = ["Chỉ tiêu", d.period.label, prev.label, "Tăng, giảm", ly.label, "Tăng, giảm"]
    rows, colors = [], {}
    for code in main_codes(d.indicators) + [RATE]:
        pct = code == RATE
        fmt = fmt_pct if pct else fmt_int
        cur, p, y = d.current.get(code), d.previous.get(code), d.last_year.get(code)
        label = "Tỷ lệ mô hình được công nhận (điểm %)" if pct else d.label(code)
        rows.append([label, fmt(cur), fmt(p), _delta_cell(cur, p, pct), fmt(y), _delta_cell(cur, y, pct)])
        for j, ref in ((3, p), (5, y)):
            if cur is not None and ref is not None and cur != ref:
                colors[(len(rows) - 1, j)] = GREEN if cur > ref else RED
    reported = f"{d.current.get('units_reported') or 0}/{d.current.get('units_expected') or 0}"
    rows.append(["Đơn vị đã báo cáo", reported,
                 f"{d.previous.get('units_reported') or 0}/{d.previous.get('units_expected') or 0}", "",
                 f"{d.last_year.get('units_reported') or 0}/{d.last_year.get('units_expected') or 0}", ""])
    size = 14 if len(rows) <= 14 else 12
    notes = [t for t in (gaps_sentence(d.current.get("gaps")), derived_note(d.current.get("units_derived"))) if t]
    if notes:  # what the figures leave out, under the table
        box = Box(box.left, box.top, box.width, box.height - Inches(0.8))
        add_text(slide, Box(box.left, box.top + box.height + Inches(0.1), box.width, Inches(0.7)),
                 [("Ghi chú: " + " ".join(notes), 13, False, RED if d.current.get("gaps") else None)])
    add_table(slide, box, header, rows, [4.2, 1.5, 1.5, 1.2, 1.5, 1.2], size=size, colors=colors)


def _rate(deck: Deck, d: ReportData) -> None:
    rows = d.chart_rows
    rows = rows.sort_values(RATE, ascending=False, na_position="last", kind="stable")
    slide, box = deck.content_slide(RATE_TITLE)
    head = (f"{d.selection.name}: {fmt_pct(d.current.get(RATE))} "
            f"({fmt_int(d.current.get(RECOGNISED))}/{fmt_int(d.current.get(REGISTERED))}"
            " mô hình)")
    add_text(slide, Box(box.left, box.top, box.width, Inches(0.45)), [(head, 16, True)])
    chart_box = Box(box.left, box.top + Inches(0.45), box.width, box.height - Inches(0.45))
    rates = [None if pd.isna(r) else round(float(r) * 100, 1) for r in rows[RATE]]
    add_bar_chart(slide, chart_box, rate_names(rows), [("Tỷ lệ công nhận (%)", rates)],
                  labels=[[fmt_pct(r / 100) if r is not None else "" for r in rates]],
                  size=_bar_font(len(rows)), highlight=_spot(d, rows))


def _bar_font(n: int) -> int:
    return 14 if n <= 8 else 12 if n <= 14 else 10 if n <= 24 else 9


def _panels(box: Box, n: int, gap: int = Inches(0.15)) -> list[Box]:
    """n charts side by side; the first, which names the rows, is wider (the others line up with it)."""
    first = int((box.width - (n - 1) * gap) * 0.55)
    rest = (box.width - (n - 1) * gap - first) // (n - 1)
    return [Box(box.left, box.top, first, box.height)] + [
        Box(box.left + first + gap + k * (rest + gap), box.top, rest, box.height) for k in range(n - 1)]


def _panel_font(d: ReportData, rows: pd.DataFrame, box: Box) -> int:
    """Category names must all show: smaller on narrow (4:3 template) slides with many rows."""
    size = _bar_font(len(rows))
    return size - 1 if len(rows) > 14 and box.width < Inches(11) else size


def _pair_slide(deck: Deck, d: ReportData, title: str, left: str, right: str) -> None:
    rows = d.chart_rows
    slide, box = deck.content_slide(title)
    size = _panel_font(d, rows, box)
    for k, (b, code) in enumerate(zip(_panels(box, 2), (left, right))):
        total = d.current.get(code)
        add_bar_chart(slide, b, _names(rows), [(d.label(code), _values(rows, code))],
                      title=f"{d.label(code)}: {fmt_int(total)}", size=size, highlight=_spot(d, rows),
                      show_names=k == 0)


def _conferences(deck: Deck, d: ReportData) -> None:
    _pair_slide(deck, d, "Hội nghị quán triệt, tuyên truyền", *CONFERENCES.codes)


def _trainings(deck: Deck, d: ReportData) -> None:
    _pair_slide(deck, d, "Hội nghị tập huấn, bồi dưỡng", *TRAININGS.codes)


def _inspections(deck: Deck, d: ReportData) -> None:
    rows = d.chart_rows
    slide, box = deck.content_slide("Kiểm tra, giám sát")
    codes = INSPECTION_SET
    titles = ("Cuộc kiểm tra, giám sát", "Tổ chức đảng", "Đảng viên")
    for k, (b, code, title) in enumerate(zip(_panels(box, 3), codes, titles)):
        add_bar_chart(slide, b, _names(rows), [(d.label(code), _values(rows, code))],
                      title=f"{title}: {fmt_int(d.current.get(code))}", size=_panel_font(d, rows, box),
                      color=k, show_names=k == 0, highlight=_spot(d, rows))


def _trend(deck: Deck, d: ReportData) -> None:
    t = d.trend
    slide, box = deck.content_slide(f"Diễn biến theo quý ({len(t)} quý gần nhất)" if len(t) > 1
                                    else "Diễn biến theo quý")
    cats = list(t["period_label"])
    half = (box.height - Inches(0.2)) // 2
    left = Box(box.left, box.top, box.width, half)
    right = Box(box.left, box.top + half + Inches(0.2), box.width, half)
    add_line_chart(slide, left, cats, [(d.label(c), _values(t, c))
                                       for c in (REGISTERED, RECOGNISED)],
                   title="Mô hình “Dân vận khéo”", size=12)
    rates = [None if pd.isna(r) else round(float(r) * 100, 1) for r in t[RATE]]
    add_line_chart(slide, right, cats, [("Tỷ lệ công nhận (%)", rates)],
                   labels=[[fmt_pct(r / 100) if r is not None else "" for r in rates]],
                   title="Tỷ lệ mô hình được công nhận", size=12)


def _ranking(deck: Deck, d: ReportData) -> None:
    df = d.chart_rows.sort_values([RATE, "name"], ascending=[False, True],
                                  na_position="last", kind="stable")
    header = ["Hạng", "Đơn vị" if d.unit_noun == "đơn vị" else "Cụm", "Mô hình đăng ký",
              "Được công nhận", "Tỷ lệ"]
    rows, rank, mine, shown = [], 0, set(), None
    for i, (_, r) in enumerate(df.iterrows(), start=1):
        if r["name"] == d.highlight:
            mine.add(len(rows))
        has = not pd.isna(r[RATE])
        if has and fmt_pct(r[RATE]) != shown:  # equal rates share a rank
            rank, shown = i, fmt_pct(r[RATE])
        rows.append([str(rank) if has else "–", r["name"], fmt_int(_int(r.get(REGISTERED))),
                     fmt_int(_int(r.get(RECOGNISED))), fmt_pct(r[RATE])])
    pages = [rows[i:i + RANK_ROWS] for i in range(0, max(len(rows), 1), RANK_ROWS)]
    for k, page in enumerate(pages):
        title = "Xếp hạng theo tỷ lệ mô hình được công nhận" + (" (tiếp)" if k else "")
        slide, box = deck.content_slide(title)
        bold = frozenset(i - k * RANK_ROWS for i in mine if 0 <= i - k * RANK_ROWS < RANK_ROWS)
        add_table(slide, box, header, page, [0.8, 4.5, 2.0, 2.0, 1.5], size=14, aligns="clrrr",
                  bold_rows=bold)


def _int(v):
    return None if v is None or pd.isna(v) else int(v)


def _status_table(d: ReportData) -> tuple[list[str], list[list[str]]]:
    """Reporting by cluster (province) or by unit (a cluster): header and rows."""
    if d.selection.level == "province" and len(d.clusters):
        return ["Cụm", "Đã báo cáo", "Số đơn vị"], [
            [r["name"], fmt_int(r["units_reported"]), fmt_int(r["units_expected"])]
            for _, r in d.clusters.iterrows()]
    return ["Đơn vị", "Tình trạng"], [[r["name"], unit_status(r) or "Đã báo cáo"] for _, r in d.units.iterrows()]


def _completeness(deck: Deck, d: ReportData) -> None:
    expected, reported = d.current.get("units_expected") or 0, d.current.get("units_reported") or 0
    header, table = _status_table(d)
    with_table = 0 < len(table) <= 14
    per_slide = 30 if with_table else 60
    pages = [d.missing[i:i + per_slide] for i in range(0, max(len(d.missing), 1), per_slide)]
    for k, names in enumerate(pages):
        slide, box = deck.content_slide("Tình hình báo cáo số liệu" + (" (tiếp)" if k else ""))
        head = f"Đã có {fmt_int(reported)}/{fmt_int(expected)} đơn vị báo cáo đủ số liệu {d.period.label}."
        add_text(slide, Box(box.left, box.top, box.width, Inches(0.6)), [(head, 20, True)])
        gaps = gaps_sentence(d.current.get("gaps")) if k == 0 else ""
        if gaps:
            add_text(slide, Box(box.left, box.top + Inches(0.6), box.width, Inches(0.7)), [(gaps, 16, False, RED)])
        top = Inches(1.4) if gaps else Inches(0.7)
        body = Box(box.left, box.top + top, box.width, box.height - top)
        left, right = body.split(2, gap=Inches(0.5)) if with_table and k == 0 else (body, None)
        if right is not None:
            colors = {(i, 1): (GREEN if r[1] == "Đã báo cáo" else RED) for i, r in enumerate(table)
                      if len(r) == 2}
            add_table(slide, right, header, table, [3, 2, 2][:len(header)], size=14, colors=colors)
        if not d.missing:
            done = "Các đơn vị còn lại đã báo cáo đủ." if d.current.get("units_partial") else \
                "Tất cả các đơn vị đã báo cáo."
            add_text(slide, left, [(done, 18, False, GREEN)])
            continue
        add_text(slide, Box(left.left, left.top, left.width, Inches(0.5)),
                 [(f"Còn {count(len(d.missing))} đơn vị chưa báo cáo:", 18, False, RED)])
        cols = 1 if len(names) <= 10 or right is not None and len(names) <= 15 else 2 if right is not None else 3
        area = Box(left.left, left.top + Inches(0.55), left.width, left.height - Inches(0.55))
        per_col = -(-len(names) // cols)
        for c, b in enumerate(area.split(cols)):
            part = names[c * per_col:(c + 1) * per_col]
            size = fit_size(part, b.width, b.height, 18, 11, gap_lines=0)
            add_text(slide, b, [(f"• {n}", size, False) for n in part], space_after=0)


def _narrative(deck: Deck, d: ReportData) -> None:
    paras = d.paragraphs or ["Chưa có số liệu."]
    pages, current = [], []
    area = deck.content_area()
    for p in paras:  # a page holds what fits at 16 pt or larger
        if current and not fits(current + [p], area.width, area.height, 16):
            pages.append(current)
            current = []
        current.append(p)
    pages.append(current)
    for k, page in enumerate(pages):
        slide, box = deck.content_slide("Nhận định chung" + (" (tiếp)" if k else ""))
        size = fit_size(page, box.width, box.height, 22, 12)
        add_text(slide, box, [(p, size, False) for p in page], space_after=int(size * 0.6))
