"""Chart images: the report's charts as plotly figures, and PNG of any plotly figure via kaleido.

Kaleido drives the system Chromium (it finds /usr/bin/chromium); `to_png_many` renders a batch of
figures with one browser, since starting the browser costs more than drawing a chart.
"""
from __future__ import annotations

import asyncio
import io
import threading
import zipfile

import pandas as pd
import plotly.graph_objects as go

from etl.catalog.catalogue import CONFERENCES, INSPECTED, INSPECTIONS, RATE, RECOGNISED, REGISTERED
from etl.export.scope import ReportData, rate_names, short_name
from etl.reading.numbers import fmt_int, fmt_pct
from etl.text import fold

FONT = "Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
BLUE, ORANGE, GREEN = "#1f5fa8", "#e08a1e", "#3a9d5d"
WIDTH, HEIGHT, SCALE = 1280, 720, 2


def _layout(fig: go.Figure, title: str, rows: int = 0) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=22, color="#1f3a68")),
                      font=dict(family=FONT, size=15), separators=",.", template="plotly_white",
                      margin=dict(l=10, r=40, t=70, b=40), showlegend=len(fig.data) > 1,
                      legend=dict(orientation="h", y=-0.08), width=WIDTH,
                      height=max(HEIGHT, 120 + 26 * rows) if rows else HEIGHT)
    return fig


def _bars(df: pd.DataFrame, codes_labels: list[tuple[str, str, str]], title: str) -> go.Figure:
    names = [short_name(n) for n in df["name"]]
    fig = go.Figure()
    for code, label, color in codes_labels:
        values = [None if pd.isna(v) else int(v) for v in df[code]] if code in df else [None] * len(df)
        fig.add_bar(y=names, x=values, orientation="h", name=label, marker_color=color,
                    text=[fmt_int(v, empty="") for v in values], textposition="outside", cliponaxis=False)
    fig.update_yaxes(autorange="reversed", automargin=True, ticksuffix="  ")
    fig.update_xaxes(visible=False)
    return _layout(fig, title, rows=len(df) * max(1, len(codes_labels)) // (1 if len(codes_labels) < 2 else 2))


def rate_figure(d: ReportData) -> go.Figure:
    df = d.chart_rows.sort_values(RATE, ascending=False, na_position="last", kind="stable")
    rates = [None if pd.isna(r) else float(r) * 100 for r in df[RATE]]
    fig = go.Figure(go.Bar(y=rate_names(df), x=rates, orientation="h",
                           marker_color=BLUE, text=[fmt_pct(r / 100) if r is not None else "" for r in rates],
                           textposition="outside", cliponaxis=False))
    fig.update_yaxes(autorange="reversed", automargin=True, ticksuffix="  ")
    fig.update_xaxes(visible=False)
    title = (f"Tỷ lệ mô hình được công nhận — {d.selection.name}: {fmt_pct(d.current.get(RATE))}"
             f" ({d.period.label})")
    return _layout(fig, title, rows=len(df))


def trend_figure(d: ReportData) -> go.Figure:
    t = d.trend
    fig = go.Figure()
    for code, label, color in ((REGISTERED, "Mô hình đăng ký", BLUE),
                               (RECOGNISED, "Mô hình được công nhận", ORANGE)):
        values = [None if pd.isna(v) else int(v) for v in t[code]] if code in t else []
        fig.add_scatter(x=list(t["period_label"]), y=values, name=label, mode="lines+markers+text",
                        line=dict(color=color, width=3), text=[fmt_int(v, empty="") for v in values],
                        textposition="top center")
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return _layout(fig, f"Mô hình “Dân vận khéo” theo quý — {d.selection.name}")


def figures(d: ReportData) -> dict[str, go.Figure]:
    """The report's charts by file-friendly name."""
    rows = d.chart_rows
    return {
        "ty-le-cong-nhan": rate_figure(d),
        "hoi-nghi": _bars(rows, [(CONFERENCES.code, d.label(CONFERENCES.code), BLUE)],
                          f"Hội nghị quán triệt, tuyên truyền — {d.period.label}"),
        "kiem-tra-giam-sat": _bars(rows, [(INSPECTIONS, "Cuộc kiểm tra, giám sát", BLUE),
                                          (INSPECTED[0], "Tổ chức đảng", ORANGE),
                                          (INSPECTED[1], "Đảng viên", GREEN)],
                                   f"Kiểm tra, giám sát — {d.period.label}"),
        "xu-huong-mo-hinh": trend_figure(d),
    }


def _run(coro):
    """asyncio.run, also from a thread that already has a running loop (Streamlit, Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("v", asyncio.run(coro)))
    thread.start()
    thread.join()
    return box["v"]


def to_png_many(figs: list[go.Figure], scale: float = SCALE) -> list[bytes]:
    """PNG bytes of each figure, rendered with one browser."""
    import kaleido

    async def render() -> list[bytes]:
        async with kaleido.Kaleido(n=1) as k:
            return [await k.calc_fig(f, opts={"format": "png", "scale": scale,
                                              "width": f.layout.width or WIDTH,
                                              "height": f.layout.height or HEIGHT}) for f in figs]
    return _run(render())


def charts_zip(d: ReportData) -> bytes:
    """Every chart of the report as PNG, in one .zip."""
    figs = figures(d)
    pngs = to_png_many(list(figs.values()))
    out = io.BytesIO()
    prefix = fold(f"{d.period.spec} {d.selection.name}").replace(" ", "-")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, png in zip(figs, pngs):
            zf.writestr(f"{prefix}-{name}.png", png)
    return out.getvalue()
