"""Statistics over what the reads return (pandas only, no SQL): the recognition rate from sums,
participants per meeting, the reporting rate per quarter, and values unusual for the unit itself."""
from __future__ import annotations

import pandas as pd

from etl.catalog.catalogue import CONFERENCES, RATE, RECOGNISED, REGISTERED

PER_MEETING = "per_meeting"


def recognition_rate(df: pd.DataFrame) -> pd.Series:
    """Σ recognised / Σ registered per row; NaN when nothing registered."""
    if RECOGNISED not in df or REGISTERED not in df:
        return pd.Series(float("nan"), index=df.index)
    reg = df[REGISTERED].astype("Float64")
    rec = df[RECOGNISED].astype("Float64").fillna(0)
    rate = (rec / reg.where(reg > 0)).astype("float64")
    return rate.where(reg.notna().to_numpy() & (reg > 0).fillna(False).to_numpy())


def with_rate(df: pd.DataFrame) -> pd.DataFrame:
    """df with its RATE column (computed from its sums, never averaged)."""
    df[RATE] = recognition_rate(df)
    return df


def per_meeting(df: pd.DataFrame) -> pd.DataFrame:
    """df with PER_MEETING: Σ participants / Σ conferences (NaN without a conference)."""
    if CONFERENCES.code not in df or CONFERENCES.participants not in df:
        return df.assign(**{PER_MEETING: float("nan")})
    conf = df[CONFERENCES.code].astype("Float64")
    people = df[CONFERENCES.participants].astype("Float64")
    return df.assign(**{PER_MEETING: (people / conf.where(conf > 0)).astype(float)})


def reporting_rate(completeness_df: pd.DataFrame) -> pd.DataFrame:
    """Per quarter: units reported, units expected (those existing then) and the share reported."""
    if completeness_df.empty:
        return pd.DataFrame(columns=["period", "period_label", "units_reported", "units_expected", "rate"])
    g = completeness_df.groupby(["period_index", "period", "period_label"], sort=True)["reported"]
    out = g.agg(units_reported="sum", units_expected="count").reset_index().drop(columns="period_index")
    out["units_reported"] = out["units_reported"].astype(int)
    out["rate"] = out["units_reported"] / out["units_expected"]
    return out


def unusual_values(series: pd.DataFrame, threshold: float = 3.5, min_points: int = 5,
                   min_change: float = 0.5, min_abs: int = 5) -> pd.DataFrame:
    """Values far from the unit's own history: modified z = 0.6745·(x − median)/MAD (Iglewicz and
    Hoaglin), robust to skewed counts; mean absolute deviation stands in when MAD is 0. Small
    counts also need |x − median| ≥ min_abs and ≥ min_change × median (8 against 7 is no jump)."""
    cols = [*series.columns, "median", "score", "direction"]
    if series.empty:
        return pd.DataFrame(columns=cols)
    g = series.groupby("unit_code")["value"]
    med = g.transform("median")
    dev = (series["value"] - med).abs()
    mad = dev.groupby(series["unit_code"]).transform("median")
    mean_ad = dev.groupby(series["unit_code"]).transform("mean")
    n = g.transform("count")
    scale = (mad / 0.6745).where(mad > 0, mean_ad * 1.253314)
    score = (series["value"] - med) / scale.where(scale > 0)
    out = series.assign(median=med, score=score)
    big = dev.ge(min_abs) & dev.ge(min_change * med)
    out = out[(n >= min_points) & score.abs().ge(threshold).fillna(False) & big]
    out = out.assign(direction=["tăng đột biến" if s > 0 else "giảm đột biến" for s in out["score"]])
    return out.sort_values("score", key=lambda s: -s.abs()).reset_index(drop=True)[cols]
