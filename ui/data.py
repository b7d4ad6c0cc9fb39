"""The warehouse engine and the cached query wrappers: every cached call is keyed by its arguments
and by queries.data_version, read once per script run, so that a new upload shows at once."""
from __future__ import annotations

import streamlit as st

from etl import queries
from etl.catalog import load_clusters, load_indicators, load_units
from etl.config import get_settings
from etl.periods import Period, parse_period

_VERSION = "_dvk_data_version"


@st.cache_resource(show_spinner=False)
def _engine_for(url: str):
    from etl.db import ensure_schema, make_engine
    engine = make_engine(url)
    ensure_schema(engine)
    return engine


def engine():
    """The warehouse engine (one per database URL and process)."""
    return _engine_for(get_settings().database_url)


def start_run() -> tuple:
    """Read the data version once per script run; every cached query is keyed by it."""
    st.session_state[_VERSION] = queries.data_version(engine())
    return st.session_state[_VERSION]


def data_version() -> tuple:
    """The data version read at the start of this script run."""
    return st.session_state.get(_VERSION) or start_run()


# Periods and Filters are turned into plain tuples for the cache key (and back for the call).
def _encode(value):
    if isinstance(value, Period):
        return ("period", value.spec)
    if isinstance(value, queries.Filters):
        return ("filters", value.period.spec, tuple(value.clusters), tuple(value.units))
    return value


def _decode(value):
    if isinstance(value, tuple) and value and value[0] == "period":
        return parse_period(value[1])
    if isinstance(value, tuple) and value and value[0] == "filters":
        return queries.Filters(parse_period(value[1]), value[2], value[3])
    return value


@st.cache_data(show_spinner=False, max_entries=512)
def _call(url: str, version: tuple, name: str, args: tuple, kwargs: tuple):
    fn = getattr(queries, name)
    return fn(_engine_for(url), *map(_decode, args), **{k: _decode(v) for k, v in kwargs})


def q(name: str, *args, **kwargs):
    """queries.<name>(engine, *args, **kwargs), cached by its arguments and the data version."""
    return _call(get_settings().database_url, data_version(), name, tuple(map(_encode, args)),
                 tuple(sorted((k, _encode(v)) for k, v in kwargs.items())))


@st.cache_resource(show_spinner=False, max_entries=8)
def _catalogue(url: str, version: tuple):  # shared, not pickled per call: rows are frozen
    e = _engine_for(url)
    return load_units(e), load_clusters(e), load_indicators(e)


def catalogue():
    """(units, clusters {code: name}, indicators) from the warehouse, cached."""
    return _catalogue(get_settings().database_url, data_version())


def labels() -> dict[str, str]:
    """indicator code -> Vietnamese label (plus the rate)."""
    return {**{i.code: i.label for i in catalogue()[2]}, queries.RATE: "Tỷ lệ công nhận"}


def unit_names() -> dict[str, str]:
    """unit code -> name, every unit of the catalogue (former districts included)."""
    return {u.code: u.name for u in catalogue()[0]}


def unit_name(code: str) -> str:
    """The unit's name (its code when unknown)."""
    return unit_names().get(code, code)


def units_in_range(first: Period, last: Period, clusters=()) -> list[str]:
    """Codes of units that existed at some time in [first, last] (districts, then communes)."""
    return [u.code for u in catalogue()[0] if u.active_in(first.start, last.end)
            and (not clusters or u.cluster_code in clusters)]


def sample_units(codes: list[str], per_level: int = 3) -> list[str]:
    """A few units of each level (district, commune), for a default selection."""
    level = {u.code: u.level for u in catalogue()[0]}
    out: list[str] = []
    for lv in ("district", "commune"):
        out += [c for c in codes if level.get(c) == lv][:per_level]
    return out
