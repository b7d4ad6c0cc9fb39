"""Plotly figures as plain dicts (one validation, in st.plotly_chart, instead of one per update):
a layout readable from a phone (390 px) to a projector, Vietnamese separators (4.819; 57,7%) on axes
and in hover labels, trend lines with the 01/7/2025 reorganisation marked. Bar charts are in
ui/bars.py."""
from __future__ import annotations

import pandas as pd
import plotly.io as pio
import streamlit as st

from etl.periods import KIND_LABELS, REORGANISATION_DATE, REORGANISATION_LABEL, ROMAN, parse_period

FONT = "'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
BLUE, RED, GREY, DARK, GREEN = "#1f5fa8", "#c0392b", "#9aa5b1", "#1b2631", "#1e8449"
NOTE = "#5d6d7e"
PALETTE = ["#1f5fa8", "#d35400", "#1e8449", "#8e44ad", "#b7950b", "#17a589", "#c0392b", "#5d6d7e"]


def _template() -> dict:
    """plotly_white, kept to what these charts use (bars, lines, heatmaps): sent with every figure,
    so a tenth of the size, and what plotly validates for each chart."""
    full = pio.templates["plotly_white"].to_plotly_json()
    layout = ("autotypenumbers", "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor", "plot_bgcolor",
              "xaxis", "yaxis", "shapedefaults", "annotationdefaults", "title")
    return {"layout": {k: full["layout"][k] for k in layout if k in full["layout"]},
            "data": {k: full["data"][k] for k in ("bar", "scatter", "heatmap")}}


TEMPLATE = _template()


def merge(target: dict, changes: dict) -> dict:
    """Nested dict update, as plotly's update_layout: sub-dicts are merged, other values replaced."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


def _title(text: str) -> dict:
    return {"title": {"text": text}} if text else {}  # none, not "": an empty title takes room too


def style(fig: dict, *, height: int = 460, y_title: str = "", x_title: str = "",
          percent: bool = False, horizontal: bool = False) -> dict:
    """Projector-readable layout with Vietnamese number separators (4.819; 57,7%), the legend below."""
    value_axis = dict(tickformat=".0%" if percent else ",d", rangemode="tozero", gridcolor="#e5e8ec",
                      automargin=True, **_title(y_title))
    other_axis = dict(automargin=True, **_title(x_title))
    if horizontal:
        axes = {"xaxis": value_axis, "yaxis": {**other_axis, "autorange": "reversed"}}
    else:
        axes = {"yaxis": value_axis, "xaxis": other_axis}
    merge(fig.setdefault("layout", {}), {
        "separators": ",.", "template": TEMPLATE, "height": height,
        "font": dict(family=FONT, size=16, color=DARK), "margin": dict(l=10, r=30, t=56, b=10),
        "hoverlabel": dict(font=dict(size=16)),
        "legend": dict(orientation="h", yanchor="top", y=-0.03, x=0, title=dict(text=""), font=dict(size=15)),
        **axes})
    return fig


def vline(fig: dict, x, *, line: dict, text: str, font: dict, position: str, layer: str | None = None,
          **annotation) -> None:
    """A vertical line over the plot's height at x, labelled at its top ('top left': left of the
    line), as plotly's add_vline draws it."""
    layout = fig["layout"]
    shape = dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=line)
    layout.setdefault("shapes", []).append({**shape, **({"layer": layer} if layer else {})})
    layout.setdefault("annotations", []).append({
        "text": text, "x": x, "xref": "x", "y": 1, "yref": "y domain", "showarrow": False, "font": font,
        "xanchor": "right" if position.endswith("left") else "left", "yanchor": "top", **annotation})


def hover(label: str, percent: bool = False, horizontal: bool = False) -> str:
    """A hover template '<b>category</b><br>label: value' with the value axis formatted."""
    axis, cat = ("x", "y") if horizontal else ("y", "x")
    fmt = f"%{{{axis}:.1%}}" if percent else f"%{{{axis}:,d}}"
    return f"<b>%{{{cat}}}</b><br>{label}: {fmt}<extra></extra>"


def has_values(df: pd.DataFrame, *columns: str) -> bool:
    """Whether any of `columns` holds a value to draw (a chart of nothing only confuses)."""
    return any(c in df.columns and df[c].notna().any() for c in columns)


def trend_lines(df: pd.DataFrame, value: str, label: str, *, percent: bool = False,
                height: int = 480) -> dict:
    """One line per group over periods; the reorganisation marker when the range spans it."""
    fig: dict = {"data": []}
    for i, (_code, g) in enumerate(df.groupby("code", sort=False)):
        name = g["name"].iat[0]
        fig["data"].append(dict(
            type="scatter", x=pd.to_datetime(g["period_start"]), y=g[value].astype("Float64").astype(float),
            name=name, mode="lines+markers", line=dict(width=3, color=PALETTE[i % len(PALETTE)]),
            marker=dict(size=9), customdata=g["period_label"],
            hovertemplate=f"<b>{name}</b> · %{{customdata}}<br>{label}: "
                          + ("%{y:.1%}" if percent else "%{y:,d}") + "<extra></extra>"))
    style(fig, height=height, percent=percent)  # the subheader above names the value: no y title
    layout = fig["layout"]
    layout["showlegend"] = len(fig["data"]) > 1
    top = df[value].astype("Float64").max()
    if top == top and top is not None and top > 0:
        # about 64 px over the highest point for the marker's three lines (plot ≈ height - 180 px)
        room = 1 + 64 / max(height - 180, 120) if spans_reorganisation(df["period_start"]) else 1.08
        layout["yaxis"]["range"] = [0, float(top) * room]
        if percent and top * room > 1:  # a share never reaches past 100%: no tick says so
            layout["yaxis"]["tickvals"] = [i / 5 for i in range(6)]
    ticks = df.drop_duplicates("period_start")
    kind = parse_period(ticks["period"].iat[0]).kind if "period" in ticks and len(ticks) else "Q"
    # Short ticks ('II', the year under the first quarter of each year): level even on a phone,
    # where 'Quý II/2024' would slant and collide; the hover names the whole period.
    merge(layout["xaxis"], dict(tickvals=pd.to_datetime(ticks["period_start"]), tickangle=0, tickfont=dict(size=14),
                                ticktext=period_ticks(list(ticks.get("period", []))) or list(ticks["period_label"]),
                                title=dict(text=KIND_LABELS[kind], font=dict(size=15))))
    merge(layout["legend"], dict(yref="container", y=0, yanchor="bottom"))
    add_reorganisation_marker(fig, ticks["period_start"])
    return fig


def period_ticks(specs: list[str], axis_on_top: bool = False) -> list[str]:
    """Axis ticks for consecutive periods: quarters as 'III<br>2024', 'IV', 'I<br>2025', 'II' (the
    year under each first quarter, and under the first tick unless a year follows next to it; over
    it on an axis above the plot, so the numerals stay next to the plot), longer periods as the year."""
    out = []
    for i, spec in enumerate(specs):
        p = parse_period(spec)
        if p.kind != "Q":
            out.append(str(p.year))
        elif p.quarter == 1 or (i == 0 and (p.quarter < 4 or len(specs) == 1)):
            lines = [ROMAN[p.quarter], str(p.year)]
            out.append("<br>".join(lines[::-1] if axis_on_top else lines))
        else:
            out.append(ROMAN[p.quarter])
    return out


def spans_reorganisation(starts) -> bool:
    """Whether the period starts lie on both sides of the 01/7/2025 reorganisation."""
    starts = list(starts)
    return bool(starts) and min(starts) < REORGANISATION_DATE <= max(starts)


def add_reorganisation_marker(fig: dict, starts) -> None:
    """Vertical line + annotation at 01/7/2025 when the periods shown span it."""
    starts = sorted(set(starts))
    if spans_reorganisation(starts):
        before = max(s for s in starts if s < REORGANISATION_DATE)
        after = min(s for s in starts if s >= REORGANISATION_DATE)
        x = pd.Timestamp(before) + (pd.Timestamp(after) - pd.Timestamp(before)) / 2
        # Three short lines on the side with more room: whole even on a phone's 300 px plot.
        right = (x - pd.Timestamp(starts[0])) < (pd.Timestamp(starts[-1]) - x)
        vline(fig, x.value / 1e6, line=dict(color=RED, dash="dot", width=2), text=marker_text(),
              font=dict(color=RED, size=14), position="top right" if right else "top left",
              align="right" if not right else "left")


def marker_text() -> str:
    """REORGANISATION_LABEL in short lines: 'Sắp xếp đơn vị<br>hành chính,<br>01/7/2025'."""
    return REORGANISATION_LABEL.replace(" hành chính, ", "<br>hành chính,<br>")


def chart(fig: dict, key: str, **kwargs):
    """st.plotly_chart with Vietnamese-friendly config (no plotly logo, PNG download named)."""
    config = {"displaylogo": False, "locale": "vi",
              "toImageButtonOptions": {"format": "png", "filename": key, "scale": 2}}
    return st.plotly_chart(fig, key=key, config=config, theme=None, **kwargs)
