"""Plotly helpers: projector-readable layout, Vietnamese separators (4.819; 57,7%) on axes and in
hover labels, ranked and grouped bars, trend lines with the 01/7/2025 reorganisation marked."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from etl.numbers import fmt_int, fmt_pct
from etl.periods import REORGANISATION_DATE, REORGANISATION_LABEL

FONT = "'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
BLUE, RED, GREY, DARK, GREEN = "#1f5fa8", "#c0392b", "#9aa5b1", "#1b2631", "#1e8449"
NOTE = "#5d6d7e"
PALETTE = ["#1f5fa8", "#d35400", "#1e8449", "#8e44ad", "#b7950b", "#17a589", "#c0392b", "#5d6d7e"]
GROUPED_MAX = 30  # more categories than this (communes): only the GROUPED_TOP largest are drawn
GROUPED_TOP = 25


def style(fig: go.Figure, *, height: int = 460, y_title: str = "", x_title: str = "",
          percent: bool = False, horizontal: bool = False) -> go.Figure:
    """Projector-readable layout with Vietnamese number separators (4.819; 57,7%)."""
    fig.update_layout(separators=",.", template="plotly_white", height=height,
                      font=dict(family=FONT, size=16, color=DARK),
                      margin=dict(l=10, r=30, t=56, b=10), hoverlabel=dict(font_size=16),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, title_text=""))
    value_axis = dict(tickformat=".0%" if percent else ",d", rangemode="tozero", gridcolor="#e5e8ec")
    if horizontal:
        fig.update_xaxes(title_text=y_title, **value_axis)
        fig.update_yaxes(title_text=x_title, autorange="reversed", automargin=True)
    else:
        fig.update_yaxes(title_text=y_title, **value_axis)
        fig.update_xaxes(title_text=x_title, automargin=True)
    return fig


def hover(label: str, percent: bool = False, horizontal: bool = False) -> str:
    """A hover template '<b>category</b><br>label: value' with the value axis formatted."""
    axis, cat = ("x", "y") if horizontal else ("y", "x")
    fmt = f"%{{{axis}:.1%}}" if percent else f"%{{{axis}:,d}}"
    return f"<b>%{{{cat}}}</b><br>{label}: {fmt}<extra></extra>"


def has_values(df: pd.DataFrame, *columns: str) -> bool:
    """Whether any of `columns` holds a value to draw (a chart of nothing only confuses)."""
    return any(c in df.columns and df[c].notna().any() for c in columns)


def ends(df: pd.DataFrame, column: str, n: int = 10) -> tuple[pd.DataFrame, str]:
    """Long rankings (communes) keep a chart readable: the n best and n lowest, and a note."""
    d = df[df[column].notna()].sort_values(column, ascending=False)
    if len(d) <= 2 * n + 5:
        return d, ""
    return (pd.concat([d.head(n), d.tail(n)]),
            f" ({n} cao nhất và {n} thấp nhất trong {len(d)} đơn vị; đủ danh sách ở bảng số liệu)")


def _note(fig: go.Figure, text: str, x: float, y: float, xanchor: str, yanchor: str = "bottom") -> None:
    fig.add_annotation(text=text, showarrow=False, xref="paper", yref="paper", x=x, y=y,
                       xanchor=xanchor, yanchor=yanchor, font=dict(size=14, color=NOTE))


def ranked_bars(df: pd.DataFrame, value: str, label: str, *, percent: bool = False,
                reference: float | None = None, reference_label: str = "Toàn tỉnh",
                lagging: set[str] = frozenset(), height: int | None = None,
                custom: bool = False, fmt=None) -> go.Figure:
    """Horizontal bars, largest first; laggards in red; a dashed line for the province figure."""
    fmt = fmt or (fmt_pct if percent else fmt_int)
    d, note = ends(df, value)
    fig = go.Figure(go.Bar(x=d[value].astype(float), y=d["name"], orientation="h",
                           marker_color=[RED if c in lagging else BLUE for c in d["code"]],
                           text=[fmt(v) for v in d[value]], cliponaxis=False,
                           # inside the bar's end (outside when it does not fit): clear of the line
                           textposition="auto", insidetextanchor="end",
                           insidetextfont=dict(color="white"), outsidetextfont=dict(color=DARK),
                           customdata=list(d["code"]) if custom else None,
                           hovertemplate=hover(label, percent, horizontal=True)))
    if reference is not None and reference == reference:
        # Below the bars: the line shows between them, never across a bar or its value.
        fig.add_vline(x=reference, line_dash="dash", line_color=DARK, line_width=2, layer="below",
                      annotation_text=f"{reference_label}: {fmt(reference)}", annotation_position="top",
                      annotation_font_size=15)
    if note:
        _note(fig, note.strip(" ()").split(";")[0].capitalize(), 0, 1.0, "left")
        _split_ends(fig, len(d) // 2)
    fig.update_layout(bargap=0.3)
    return style(fig, height=height or max(320, 42 * len(d) + 110), y_title=label, percent=percent,
                 horizontal=True)


def _split_ends(fig: go.Figure, n: int) -> None:
    """A dotted rule between the n best and the n lowest, so the two ends do not read as one list."""
    fig.add_hline(y=n - 0.5, line_dash="dot", line_color=GREY, line_width=2,
                  annotation_text="⋯ các đơn vị ở giữa: xem bảng số liệu", annotation_position="bottom right",
                  annotation_font=dict(size=13, color=NOTE))


def grouped_bars(df: pd.DataFrame, series: dict[str, str], *, category: str = "name",
                 height: int = 460) -> go.Figure:
    """Vertical grouped bars: one trace per indicator code in `series` {code: label}; with many
    units (communes) only the largest by the first series, and a note."""
    fig = go.Figure()
    first = next(iter(series))
    if len(df) > GROUPED_MAX:
        total = len(df)
        df = df[df[first].notna()].sort_values(first, ascending=False).head(GROUPED_TOP)
        _note(fig, f"{GROUPED_TOP} đơn vị cao nhất trong {total} (đủ danh sách ở bảng số liệu)",
              1, 1.12, "right", "auto")
    for i, (code, label) in enumerate(series.items()):
        vals = df[code].astype("Float64").astype(float)
        fig.add_bar(x=df[category], y=vals, name=label, marker_color=PALETTE[i % len(PALETTE)],
                    text=[fmt_int(v) for v in vals], textposition="outside", cliponaxis=False,
                    hovertemplate=hover(label))
    fig.update_layout(barmode="group")
    return style(fig, height=height)


def trend_lines(df: pd.DataFrame, value: str, label: str, *, percent: bool = False,
                height: int = 480) -> go.Figure:
    """One line per group over periods; the reorganisation marker when the range spans it."""
    fig = go.Figure()
    for i, (code, g) in enumerate(df.groupby("code", sort=False)):
        vals = g[value].astype("Float64").astype(float)
        fig.add_scatter(x=pd.to_datetime(g["period_start"]), y=vals, name=g["name"].iat[0],
                        mode="lines+markers", line=dict(width=3, color=PALETTE[i % len(PALETTE)]),
                        marker=dict(size=9), customdata=g["period_label"],
                        hovertemplate=f"<b>{g['name'].iat[0]}</b> · %{{customdata}}<br>{label}: "
                                      + ("%{y:.1%}" if percent else "%{y:,d}") + "<extra></extra>")
    top = df[value].astype("Float64").max()
    if top == top and top is not None and top > 0:  # headroom for the marker's label
        fig.update_yaxes(range=[0, float(top) * 1.18])
    ticks = df.drop_duplicates("period_start")
    fig.update_xaxes(tickvals=pd.to_datetime(ticks["period_start"]), ticktext=ticks["period_label"])
    add_reorganisation_marker(fig, ticks["period_start"])
    return style(fig, height=height, y_title=label, percent=percent)


def spans_reorganisation(starts) -> bool:
    """Whether the period starts lie on both sides of the 01/7/2025 reorganisation."""
    starts = list(starts)
    return bool(starts) and min(starts) < REORGANISATION_DATE <= max(starts)


def add_reorganisation_marker(fig: go.Figure, starts) -> None:
    """Vertical line + annotation at 01/7/2025 when the periods shown span it."""
    starts = sorted(set(starts))
    if spans_reorganisation(starts):
        before = max(s for s in starts if s < REORGANISATION_DATE)
        after = min(s for s in starts if s >= REORGANISATION_DATE)
        x = pd.Timestamp(before) + (pd.Timestamp(after) - pd.Timestamp(before)) / 2
        fig.add_vline(x=x.value / 1e6, line_dash="dot", line_color=RED, line_width=2,
                      annotation_text=REORGANISATION_LABEL, annotation_position="top left",
                      annotation_font=dict(color=RED, size=14))


def chart(fig: go.Figure, key: str, **kwargs):
    """st.plotly_chart with Vietnamese-friendly config (no plotly logo, PNG download named)."""
    config = {"displaylogo": False, "locale": "vi",
              "toImageButtonOptions": {"format": "png", "filename": key, "scale": 2}}
    return st.plotly_chart(fig, key=key, config=config, theme=None, **kwargs)
