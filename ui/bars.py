"""Bar charts that read on a phone (390 px) as on a projector: one category to a row, its name written
inside the plot above its bar(s), since a phone has no width to spare for an axis of names; values at
the bars' ends; at most what a phone screen holds, with the whole list behind "Xem tất cả".
Figures are plain dicts (ui/charts.py)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.queries.selection import PROVINCE_NAME
from etl.reading.numbers import fmt_int, fmt_pct
from ui.charts import BLUE, DARK, NOTE, PALETTE, RED, chart, hover, merge, style, vline

FITS = 12  # rows of a ranking chart (about a phone screen); longer rankings show their two ends
GROUPS_FIT = 8  # rows of a grouped chart (each row up to three bars)
LABEL_PX, BAR_PX, GROUP_BAR_PX, GAP_PX = 22, 24, 15, 12  # a row: name, bar(s), space
MIDDLE = "⋯ còn {n} đơn vị ở giữa"
SEE_ALL = "Xem tất cả ({n} {noun})"


def _row_geometry(series: int) -> tuple[int, float, float]:
    """(row height in px, one bar's thickness, the first bar's offset), the last two in category units
    (a row spans -0.5…0.5 around its category, downwards on the reversed axis): name, bars, space."""
    bars = BAR_PX if series == 1 else GROUP_BAR_PX * series
    row = LABEL_PX + bars + GAP_PX
    return row, bars / row / series, -0.5 + (GAP_PX / 2 + LABEL_PX) / row


def _names_inside(fig: dict, names: list[str], offset: float, muted=frozenset()) -> None:
    """Each category's name inside the plot just above its bars, haloed in white where it crosses
    the reference line: one text trace on an overlaid linear axis (the categories' positions), which
    plotly draws in a fraction of the time of one annotation per name."""
    layout = fig["layout"]
    fig["data"].append(dict(
        type="scatter", mode="text", name="", x=[0] * len(names), y=[i + offset for i in range(len(names))],
        yaxis="y2", text=names, textposition="top right", cliponaxis=False, hoverinfo="skip", showlegend=False,
        textfont=dict(size=[15 if n in muted else 16 for n in names],
                      color=[NOTE if n in muted else DARK for n in names], shadow="auto")))
    bands = [len(names) - 0.5, -0.5]
    merge(layout["yaxis"], dict(showticklabels=False, range=bands, autorange=False, automargin=False))
    layout["yaxis2"] = dict(overlaying="y", range=bands, autorange=False, visible=False, fixedrange=True)
    layout["margin"]["l"] = 24  # half the value axis' first label ('0%') sits left of the plot


def _value_room(fig: dict, values, reference=None) -> float:
    """Room right of the longest bar for its value, so that no value is cut; the axis end."""
    top = max([float(v) for v in values if v == v and v is not None] +
              ([float(reference)] if reference is not None and reference == reference else []), default=0)
    if top > 0:
        merge(fig["layout"]["xaxis"], dict(range=[0, top * 1.22], autorange=False))
    return top * 1.22


def ranking_rows(df: pd.DataFrame, value: str, fits: int | None = FITS) -> pd.DataFrame:
    """The rows a ranking chart shows, largest first: all when they fit, else the fits/2 best and the
    fits/2 lowest around an empty row saying how many are left out."""
    d = df[df[value].notna()].sort_values(value, ascending=False)
    if fits is None or len(d) <= fits + 2:
        return d
    gap = pd.DataFrame({"name": [MIDDLE.format(n=len(d) - fits)], "code": [""], value: [float("nan")]})
    return pd.concat([d.head(fits // 2), gap, d.tail(fits // 2)], ignore_index=True)


def ends(df: pd.DataFrame, value: str, fits: int = FITS) -> tuple[pd.DataFrame, str]:
    """(the rows of the ranking chart, a caption note when some are left out of it)."""
    d = ranking_rows(df, value, fits)
    total = int(df[value].notna().sum())
    if total == int(d[value].notna().sum()):
        return d, ""
    return d, f" ({fits // 2} cao nhất và {fits // 2} thấp nhất trong {total} đơn vị; đủ cả ở “Xem tất cả”)"


def ranked_bars(df: pd.DataFrame, value: str, label: str, *, percent: bool = False,
                reference: float | None = None, reference_label: str = PROVINCE_NAME,
                lagging: set[str] = frozenset(), height: int | None = None,
                custom: bool = False, fmt=None, fits: int | None = FITS,
                hover_format: str | None = None) -> dict:
    """Horizontal bars, largest first, names above them; laggards in red; a dashed line for the
    province figure; at most `fits` rows (None: all); `hover_format` a d3 format for the hover value."""
    fmt = fmt or (fmt_pct if percent else fmt_int)
    d = ranking_rows(df, value, fits)
    row, thickness, offset = _row_geometry(1)
    vals = d[value].astype("Float64").astype(float)
    bar = dict(type="bar", x=vals, y=d["name"], orientation="h", width=thickness, offset=offset,
               marker=dict(color=[RED if c in lagging else BLUE for c in d["code"]]),
               text=[fmt(v) if v == v else "" for v in vals], cliponaxis=False,
               # inside the bar's end (outside when it does not fit): clear of the line
               textposition="auto", insidetextanchor="end",
               insidetextfont=dict(color="white"), outsidetextfont=dict(color=DARK),
               hovertemplate=hover(label, percent, horizontal=True) if not hover_format
               else f"<b>%{{y}}</b><br>{label}: %{{x:{hover_format}}}<extra></extra>")
    if custom:
        bar["customdata"] = list(d["code"])
    fig = style({"data": [bar]}, height=height or row * len(d) + 110, y_title=label, percent=percent,
                horizontal=True)
    end = _value_room(fig, vals, reference)
    if reference is not None and reference == reference:
        # Below the bars: the line shows between them, never across a bar or its value; its label
        # above the plot, clear of the first name.
        vline(fig, reference, line=dict(color=DARK, dash="dash", width=2), layer="below",
              text=f"{reference_label}: {fmt(reference)}", font=dict(size=15), yanchor="bottom",
              position="top left" if reference > end / 2 else "top right")
    _names_inside(fig, list(d["name"]), offset, muted={n for n, c in zip(d["name"], d["code"]) if not c})
    fig["layout"].update(uniformtext=dict(minsize=14, mode="show"), showlegend=False)
    return fig


def grouped_bars(df: pd.DataFrame, series: dict[str, str], *, category: str = "name",
                 height: int | None = None, fits: int | None = GROUPS_FIT) -> dict:
    """Horizontal grouped bars: a row per category (largest first by the first series; at most
    `fits`, None: all), one bar per indicator code in `series` {code: label}, the legend below."""
    first = next(iter(series))
    df = df.assign(_key=df[first].astype("Float64")).sort_values("_key", ascending=False,
                                                                  na_position="last")
    df = df if fits is None else df.head(fits)
    row, thickness, offset = _row_geometry(len(series))
    fig: dict = {"data": []}
    for i, (code, label) in enumerate(series.items()):
        vals = df[code].astype("Float64").astype(float)
        fig["data"].append(dict(type="bar", x=vals, y=df[category], orientation="h", name=label,
                                width=thickness, offset=offset + i * thickness,
                                marker=dict(color=PALETTE[i % len(PALETTE)]), text=[fmt_int(v) for v in vals],
                                textposition="outside", cliponaxis=False, textfont=dict(size=14),
                                hovertemplate=hover(label, horizontal=True)))
    style(fig, height=height or row * len(df) + 150, horizontal=True)
    fig["layout"]["barmode"] = "overlay"
    _names_inside(fig, list(df[category]), offset)
    _value_room(fig, [v for c in series for v in df[c].astype("Float64").astype(float)])
    fig["layout"]["xaxis"]["side"] = "top"  # the legend goes below, clear of the axis
    return fig


def _see_all(total: int, shown: int, key: str, noun: str, draw) -> None:
    """'Xem tất cả (27 đơn vị)' under a chart that left rows out; `draw()` runs only once opened."""
    if total <= shown:
        return
    box = st.expander(SEE_ALL.format(n=fmt_int(total), noun=noun), key=f"all-{key}", on_change="rerun")
    if box.open:
        with box:
            draw()


def ranking_chart(df: pd.DataFrame, value: str, label: str, key: str, *, noun: str = "đơn vị",
                  select: bool = False, **kwargs):
    """A ranking chart (ranked_bars) and, when it left rows out, the whole ranking behind
    'Xem tất cả'; the chart's selection event when `select` (a clicked bar)."""
    events = dict(on_select="rerun", selection_mode="points") if select else {}
    event = chart(ranked_bars(df, value, label, **kwargs), key, **events)
    total = int(df[value].notna().sum())
    _see_all(total, FITS + 2, key, noun,
             lambda: chart(ranked_bars(df, value, label, **{**kwargs, "fits": None}), f"{key}-all"))
    return event


def grouped_chart(df: pd.DataFrame, series: dict[str, str], key: str, *, noun: str = "đơn vị") -> None:
    """Grouped bars of the largest GROUPS_FIT categories, every category behind 'Xem tất cả'."""
    chart(grouped_bars(df, series), key)
    _see_all(len(df), GROUPS_FIT, key, noun, lambda: chart(grouped_bars(df, series, fits=None), f"{key}-all"))
