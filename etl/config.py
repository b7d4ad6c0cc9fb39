"""Settings, declared once with defaults and help, read from the environment in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"


def _default_db_url() -> str:
    return f"sqlite:///{DATA_DIR / 'warehouse.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_db_url, metadata={
        "env": "DATABASE_URL",
        "help": "SQLAlchemy URL of the warehouse; default: SQLite file data/warehouse.db. "
                "PostgreSQL: postgresql+psycopg://user:pass@host/db"})
    agency_name: str = field(default="Ban Dân vận Tỉnh ủy Thanh Hóa", metadata={
        "env": "DVK_AGENCY_NAME", "help": "Agency name on reports, decks and templates."})
    province_name: str = field(default="Thanh Hóa", metadata={
        "env": "DVK_PROVINCE_NAME", "help": "Province shown as 'Toàn tỉnh'."})
    units_csv: str = field(default=str(DATA_DIR / "units.csv"), metadata={
        "env": "DVK_UNITS_CSV", "help": "Unit catalogue (code, name, level, parent, cluster, validity)."})
    clusters_csv: str = field(default=str(DATA_DIR / "clusters.csv"), metadata={
        "env": "DVK_CLUSTERS_CSV", "help": "Cluster catalogue (code, name, sort_order)."})
    indicators_csv: str = field(default=str(DATA_DIR / "indicators.csv"), metadata={
        "env": "DVK_INDICATORS_CSV", "help": "Indicator catalogue (code, label, group, aliases)."})
    lineage_csv: str = field(default=str(DATA_DIR / "unit_lineage.csv"), metadata={
        "env": "DVK_LINEAGE_CSV", "help": "Former unit -> successor unit(s) across the 2025 reorganisation."})
    abbreviations_csv: str = field(default=str(DATA_DIR / "abbreviations.csv"), metadata={
        "env": "DVK_ABBREVIATIONS_CSV", "help": "Abbreviations expanded in column headers and unit names (VB, HN, KT, TP …)."})
    text_phrases_csv: str = field(default=str(DATA_DIR / "text_phrases.csv"), metadata={
        "env": "DVK_TEXT_PHRASES_CSV",
        "help": "How report sentences name each indicator (nouns after a number, cue words, which count "
                "a figure follows), for figures proposed from the sentences of a .docx."})
    demo_autoload: str = field(default="auto", metadata={
        "env": "DVK_DEMO_AUTOLOAD",
        "help": "Load the demo data into an empty warehouse on start: 'auto' only into the embedded "
                "SQLite warehouse (DATABASE_URL unset), 'true' into any, 'false' never."})
    upload_max_mb: int = field(default=20, metadata={
        "env": "DVK_UPLOAD_MAX_MB", "help": "Largest accepted upload, in MB."})
    upload_max_files: int = field(default=30, metadata={
        "env": "DVK_UPLOAD_MAX_FILES", "help": "Most files in one upload (page) or one `load` command."})
    parse_cpu_seconds: int = field(default=20, metadata={
        "env": "DVK_PARSE_CPU_SECONDS",
        "help": "CPU seconds one file's parse may use in its worker process before it is stopped."})
    parse_memory_mb: int = field(default=1024, metadata={
        "env": "DVK_PARSE_MEMORY_MB",
        "help": "Address space (MB) of the worker process that parses one file, reader modules included."})
    parse_wall_seconds: int = field(default=60, metadata={
        "env": "DVK_PARSE_WALL_SECONDS",
        "help": "Wall-clock seconds one file's parse may take (a busy server included) before it is stopped."})
    view_requires_login: bool = field(default=False, metadata={
        "env": "DVK_VIEW_REQUIRES_LOGIN", "help": "Whether viewing the dashboard needs a login."})
    session_hours: int = field(default=12, metadata={
        "env": "DVK_SESSION_HOURS", "help": "How long a login lasts, in hours."})
    auth_mode: str = field(default="local", metadata={
        "env": "DVK_AUTH_MODE", "help": "'local' (passwords in the warehouse) or 'oidc' (st.login)."})
    trusted_proxies: str = field(default="", metadata={
        "env": "DVK_TRUSTED_PROXIES",
        "help": "Reverse proxies (IP addresses or networks, comma-separated) whose X-Forwarded-For "
                "names the client: login throttling then keys on its left-most entry. Empty: the "
                "peer's address is the client's."})
    pptx_template: str = field(default="", metadata={
        "env": "DVK_PPTX_TEMPLATE", "help": "Path of an agency .pptx template (masters and layouts)."})


    def wants_demo(self) -> bool:
        """Whether an empty warehouse gets the demo data on start: never a configured (production)
        DATABASE_URL unless DVK_DEMO_AUTOLOAD says true."""
        choice = str(self.demo_autoload).strip().lower()
        if choice in _TRUE or choice in _FALSE:
            return choice in _TRUE
        return self.database_url == _default_db_url()


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(value: str, typ):
    if typ in (bool, "bool"):
        return value.strip().lower() in _TRUE
    if typ in (int, "int"):
        return int(value)
    return value


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides winning."""
    values = {}
    for f in fields(Settings):
        env = f.metadata.get("env")
        if env and os.environ.get(env):
            values[f.name] = _coerce(os.environ[env], f.type)
    values.update(overrides)
    return Settings(**values)


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for docs and --help."""
    defaults = Settings()
    return [(f.metadata["env"], str(getattr(defaults, f.name)), f.metadata["help"])
            for f in fields(Settings)]
