"""The table behind each chart: Vietnamese headers and number formats for display, CSV/XLSX
downloads with formula-like text neutralised, and the colouring of values under a reference."""
from __future__ import annotations

import io

import pandas as pd
import pandas.io.formats.style  # noqa: F401 - imported once at start, not in the first styled table
import streamlit as st

from etl.catalog.catalogue import RATE
from etl.reading.numbers import fmt_int, fmt_num, fmt_pct
from etl.text import neutralise_formula
from ui.data import labels

MAX_SHOWN_ROWS = 1000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECIMAL_COLUMNS = ("per_meeting", "score", "median")
BELOW, AT_OR_ABOVE = "background-color: #f5b7b1", "background-color: #abebc6"


neutralise = neutralise_formula  # the one check, in etl.text, shared with the XLSX export


def export_frame(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The columns to export, with Vietnamese headers and formula-safe text cells."""
    out = df[[c for c in columns if c in df.columns]].rename(columns=columns)
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype).startswith(("str", "string")):
            out[c] = out[c].map(neutralise)
    return out


def to_xlsx(df: pd.DataFrame) -> bytes:
    """One sheet 'Số liệu' holding `df` (numbers stay numbers)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name="Số liệu")
    return buf.getvalue()


def downloads(df: pd.DataFrame, columns: dict[str, str], name: str) -> None:
    """CSV and XLSX of the table behind a chart (built only when clicked)."""
    row = st.container(horizontal=True)
    row.download_button("⬇ Tải CSV",
                        lambda: export_frame(df, columns).to_csv(index=False).encode("utf-8-sig"),
                        file_name=f"{name}.csv", mime="text/csv", key=f"csv_{name}", on_click="ignore")
    row.download_button("⬇ Tải Excel", lambda: to_xlsx(export_frame(df, columns)),
                        file_name=f"{name}.xlsx", mime=XLSX_MIME, key=f"xlsx_{name}", on_click="ignore")


def _display_column(name: str, s: pd.Series) -> list[str] | pd.Series:
    if name in (RATE, "rate") or name.endswith("_rate"):
        return [fmt_pct(v) for v in s]
    if name in DECIMAL_COLUMNS:
        return [fmt_num(v) for v in s]
    if pd.api.types.is_numeric_dtype(s):
        return [fmt_int(None if pd.isna(v) else v) for v in s]
    return s.astype(str)


def display_frame(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Vietnamese headers and Vietnamese-formatted numbers (4.819; 57,7%) as text, for display."""
    out = pd.DataFrame(index=df.index)
    for c, header in columns.items():
        if c in df.columns:
            out[header] = _display_column(c, df[c])
    return out


def table(df: pd.DataFrame, columns: dict[str, str], name: str, *, styler=None,
          expanded: bool = False, title: str = "Bảng số liệu",
          empty: str = "Không có dòng số liệu nào trong lựa chọn này.") -> None:
    """The table behind a chart (Vietnamese formats) in an expander, with CSV/XLSX downloads;
    a sentence instead of an empty grid (which Streamlit labels in English). A closed table is
    drawn only once opened: a page sends no grid nobody looks at."""
    if expanded:
        box = st.expander(title, expanded=True)
    else:
        box = st.expander(title, key=f"table-{name}", on_change="rerun")
        if not box.open:
            return
    with box:
        if df.empty:
            st.caption(empty)
            return
        if len(df) > MAX_SHOWN_ROWS:  # the download holds every row; the page stays light
            st.caption(f"Hiển thị {fmt_int(MAX_SHOWN_ROWS)} trong {fmt_int(len(df))} dòng; "
                       "tải CSV hoặc Excel để xem đủ.")
        shown = display_frame(df.head(MAX_SHOWN_ROWS), columns)
        st.dataframe(styler(shown) if styler else shown, hide_index=True, width="stretch")
        downloads(df, columns, name)


def summary_columns(codes: list[str], first: str = "Đơn vị") -> dict[str, str]:
    """Headers for a summary table: the name, the indicators `codes`, and the reporting counts."""
    names = labels()
    return {"name": first, **{c: names.get(c, c) for c in codes},
            "units_reported": "Đơn vị đã báo cáo", "units_expected": "Đơn vị phải báo cáo"}


def below(df: pd.DataFrame, column: str, reference) -> set[str]:
    """Codes whose value is below the reference (the province figure)."""
    if reference is None:
        return set()
    return set(df.loc[df[column].astype("Float64").lt(reference).fillna(False), "code"])


def _parse_shown(text: str, percent: bool) -> float | None:
    """A display_frame cell back to a number ('4.819' -> 4819, '57,7%' -> 0.577)."""
    t = str(text).replace("%", "").replace(".", "").replace(",", ".")
    try:
        return float(t) / (100 if percent else 1)
    except ValueError:
        return None


def highlight_below(header: str, reference, percent: bool):
    """A Styler function: red background where the (formatted) value is under the reference,
    green where at or above it."""
    def colour(col: pd.Series):
        if col.name != header or reference is None:
            return [""] * len(col)
        vals = [_parse_shown(v, percent) for v in col]
        return ["" if v is None else (BELOW if v < reference else AT_OR_ABOVE) for v in vals]
    return lambda shown: shown.style.apply(colour)
