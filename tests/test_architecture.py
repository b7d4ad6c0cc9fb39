"""The shape of the code, checked on its source: one direction (pages → ui → etl → database; etl never
imports Streamlit, pages never import SQLAlchemy), indicator codes named only in the catalogue module
and the province once, no query called by name, modules and functions small enough to read."""
from __future__ import annotations

import ast
import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = [*sorted((ROOT / "etl").rglob("*.py")), *sorted((ROOT / "ui").rglob("*.py")),
           *sorted((ROOT / "pages").glob("*.py")), ROOT / "dashboard.py"]
CATALOGUE_MODULE = ROOT / "etl" / "catalog" / "catalogue.py"
DEMO = {ROOT / "etl" / "demo" / "demo.py", ROOT / "etl" / "demo" / "sheets.py"}   # demo data may name indicators
MIGRATIONS = ROOT / "etl" / "warehouse" / "migrations"
# Modules over MAX_LINES for now, and why.
LONG_MODULES: dict[str, str] = {}
MAX_LINES, MAX_FUNCTION_LINES = 300, 40
SMALL_FUNCTIONS = [ROOT / "etl" / "queries", ROOT / "ui"]   # where functions stay under MAX_FUNCTION_LINES


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported(path: Path) -> set[str]:
    """Top-level package names a module imports, wherever the import statement is."""
    out = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module.split(".")[0])
    return out


def indicator_codes() -> set[str]:
    with open(ROOT / "data" / "indicators.csv", encoding="utf-8") as f:
        return {row["code"] for row in csv.DictReader(f)}


@pytest.mark.parametrize("path", sorted((ROOT / "etl").rglob("*.py")), ids=rel)
def test_etl_never_imports_streamlit(path):
    assert "streamlit" not in imported(path)


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=rel)
def test_pages_never_import_sqlalchemy(path):
    assert "sqlalchemy" not in imported(path)


def test_the_checks_read_the_product_code():
    """The literal check below sees a code when one is written (it cannot pass by reading nothing)."""
    sample = ast.parse('SHORT = {"models_registered": "Mô hình đăng ký"}')
    assert literal_codes(sample, indicator_codes()) == [(1, "models_registered")]
    assert len(PRODUCT) > 60 and CATALOGUE_MODULE in PRODUCT


def literal_codes(module: ast.Module, codes: set[str]) -> list[tuple[int, str]]:
    """(line, code) of every string constant that is exactly an indicator code."""
    return [(n.lineno, n.value) for n in ast.walk(module)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in codes]


@pytest.mark.parametrize("path", [p for p in PRODUCT if p != CATALOGUE_MODULE and p not in DEMO
                                  and MIGRATIONS not in p.parents], ids=rel)
def test_no_indicator_code_outside_the_catalogue_module(path):
    """Indicators are data (data/indicators.csv); the roles code relies on are named in etl/catalog/catalogue.py."""
    assert literal_codes(tree(path), indicator_codes()) == []


@pytest.mark.parametrize("path", [p for p in PRODUCT if p != ROOT / "etl" / "queries" / "selection.py"], ids=rel)
def test_the_province_is_named_once(path):
    """'Toàn tỉnh' is etl.queries.selection.PROVINCE_NAME (sentences may still say 'toàn tỉnh')."""
    assert [n.lineno for n in ast.walk(tree(path)) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and n.value.strip().lower() == "toàn tỉnh"] == []


@pytest.mark.parametrize("path", [p for p in PRODUCT if MIGRATIONS not in p.parents], ids=rel)
def test_no_query_is_called_by_name(path):
    """Reads are typed functions: no getattr() on a module of reads, no dispatch by a string name."""
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr" and node.args:
            assert getattr(node.args[0], "id", None) not in ("queries", "views", "summary"), node.lineno


@pytest.mark.parametrize("path", [p for p in PRODUCT if MIGRATIONS not in p.parents], ids=rel)
def test_modules_stay_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if rel(path) in LONG_MODULES:
        assert lines > MAX_LINES, f"{rel(path)} is small again: remove its exemption"
        return
    assert lines <= MAX_LINES, f"{rel(path)}: {lines} lines"


@pytest.mark.parametrize("path", [p for d in SMALL_FUNCTIONS for p in sorted(d.rglob("*.py"))], ids=rel)
def test_functions_stay_small(path):
    long = [(n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(tree(path))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == []


@pytest.mark.parametrize("path", [p for p in PRODUCT if MIGRATIONS not in p.parents], ids=rel)
def test_every_module_says_what_it_is(path):
    assert ast.get_docstring(tree(path)), f"{rel(path)} has no docstring"


@pytest.mark.parametrize("path", [p for p in PRODUCT if p.name == "__init__.py"], ids=rel)
def test_packages_re_export_nothing(path):
    """A package's __init__ is its docstring only: a name is imported from the module that defines it."""
    body = [n for n in tree(path).body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    assert body == [], f"{rel(path)} holds code or imports"


@pytest.mark.parametrize("path", PRODUCT, ids=rel)
def test_no_name_is_imported_only_to_be_found_here(path):
    """No `from x import y  # noqa: F401`: a name imported and never used is a re-export."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert not [line for line in lines if line.lstrip().startswith("from ") and "F401" in line]


def test_the_etl_folders_follow_the_data():
    """A file goes in at reading/, is kept by warehouse/, comes out through queries/ and export/."""
    folders = {p.name for p in (ROOT / "etl").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {"accounts", "catalog", "commands", "demo", "export", "queries", "reading", "warehouse"}
    loose = {p.name for p in (ROOT / "etl").glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "cli.py", "config.py", "periods.py", "problems.py", "text.py"}
    assert "sqlalchemy" not in set().union(*(imported(p) for p in (ROOT / "etl" / "reading").glob("*.py")))
