"""Decks rendered for a person: LibreOffice (headless) turns them into PDF and pdftoppm into PNG
pages under artifacts/deck/ to look at. The PDF must keep every slide and the Vietnamese text
(diacritics intact, so a font with the glyphs was used) and the Vietnamese number formats."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation

from etl.export.outputs import export
from tests.seeding import seed_province

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "deck"


def _tools() -> None:
    missing = [t for t in ("soffice", "pdftoppm", "pdftotext") if shutil.which(t) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"{', '.join(missing)} not installed (scripts/test installs them)")
    assert not missing, f"CI must render decks: {missing} missing"


DECKS = {"tinh": "province", "cum-dong-bang": "cluster:dong-bang", "don-vi-yen-dinh": "unit:394"}


def render_all(tmp: Path) -> dict[str, tuple[int, str, list[Path]]]:
    """stem -> (slides, PDF text, PNG pages) for a province, a cluster and a unit deck, converted by
    one LibreOffice run (its start-up is most of the cost)."""
    from etl.warehouse.db import ensure_schema, make_engine
    engine = make_engine(f"sqlite:///{tmp}/warehouse.db")
    ensure_schema(engine)
    seed_province(engine)
    decks = []
    for stem, scope in DECKS.items():
        export(engine, "2024-H1", scope, pptx=tmp / f"{stem}.pptx")
        decks.append(tmp / f"{stem}.pptx")
    engine.dispose()
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp), *map(str, decks)],
                   check=True, capture_output=True, timeout=300)
    OUT.mkdir(parents=True, exist_ok=True)
    out = {}
    for stem in DECKS:
        for old in OUT.glob(f"{stem}-*.png"):
            old.unlink()
        pdf = tmp / f"{stem}.pdf"
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(OUT / stem)], check=True, timeout=120)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                              text=True, timeout=60).stdout
        out[stem] = (len(Presentation(tmp / f"{stem}.pptx").slides), text, sorted(OUT.glob(f"{stem}-*.png")))
    return out


def test_decks_render_with_vietnamese_text(tmp_path):
    """One test (not one per deck): under pytest-xdist a single worker owns artifacts/deck/."""
    _tools()
    for stem, (slides, text, pages) in render_all(tmp_path).items():
        assert len(pages) == slides and all(p.stat().st_size > 10_000 for p in pages), stem
        for words in ("Các chỉ tiêu chủ yếu", "Tỷ lệ mô hình “Dân vận khéo” được công nhận",
                      "Kiểm tra, giám sát", "Xếp hạng theo tỷ lệ mô hình được công nhận", "Nhận định chung",
                      "6 tháng đầu năm 2024"):
            assert words in text, (stem, words)
        if stem == "cum-dong-bang":
            assert "4.819" in text and "57,7%" in text
        assert "4,819" not in text and "57.7%" not in text, stem


def test_chart_images_are_png_from_one_browser(sqlite_engine):
    """Every report chart as a PNG (kaleido + the system Chromium), zipped for download."""
    import io
    import zipfile

    from etl.export.charts import charts_zip, figures
    from etl.export.scope import gather, report_selection
    from etl.periods import parse_period
    if shutil.which("chromium") is None and not os.environ.get("CI"):
        pytest.skip("chromium not installed")
    seed_province(sqlite_engine)
    data = gather(sqlite_engine, report_selection(sqlite_engine, parse_period("2024-H1"), "cluster:dong-bang"))
    figs = figures(data)
    rate = figs["ty-le-cong-nhan"].data[0]
    assert "57,7%" in figs["ty-le-cong-nhan"].layout.title.text and list(rate.text)[0].endswith("%")
    missing = [name for name, value in zip(rate.y, rate.x) if value is None]
    assert missing == ["Đông Sơn (chưa báo cáo)"]   # no bar: the row says why
    archive = zipfile.ZipFile(io.BytesIO(charts_zip(data)))
    names = archive.namelist()
    assert names == [f"2024-h1-cum-dong-bang-{n}.png" for n in figs]
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        png = archive.read(name)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
        (OUT / name).write_bytes(png)
