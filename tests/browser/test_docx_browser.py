"""A Word report in a real browser (Playwright + Debian's chromium against `streamlit run dashboard.py`):
upload a narrative .docx through the file input, see each figure read from its sentences with the
sentence, tick two, "Xác nhận nạp", and find exactly those figures in the warehouse.
Screenshots: artifacts/screenshots/docx_*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import ERRORS
from tests.browser.conftest import login as login_as
from tests.browser.conftest import PASSWORD, open_page, screenshot, seeded_warehouse, streamlit_server, wait_for_app_run
from tests.test_docx_load import REPORT
from tests.workbooks import consolidated_workbook

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def docx_server(tmp_path_factory, browser):
    """A dashboard over a warehouse holding one quarter of another unit, with an uploader account;
    yields (base URL, warehouse URL)."""
    seed = consolidated_workbook([("Huyện Hà Trung", {"conferences": 3})])
    url = seeded_warehouse(tmp_path_factory.mktemp("docx-browser"), seed, "lan", "uploader")
    with streamlit_server(url, tmp_path_factory.mktemp("docx-log")) as base:
        yield base, url


def warehouse_facts(url: str) -> dict:
    from etl.warehouse.db import make_engine
    from etl.warehouse.schema import Fact
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Fact.unit_code, Fact.indicator_code, Fact.value, Fact.span)).all()
    finally:
        engine.dispose()
    return {(u, c): (v, s) for u, c, v, s in rows if u != "392"}


def tick(page, label: str) -> None:
    page.locator('[data-testid="stCheckbox"]').filter(has_text=label).first.locator("label").click()
    wait_for_app_run(page)


def test_upload_a_narrative_docx_tick_confirm_figures_in_the_warehouse(docx_server, page, shots, tmp_path):
    base, url = docx_server
    login_as(page, base, "lan", PASSWORD)
    open_page(page, f"{base}/tai-len")
    report = tmp_path / "bao_cao_6_thang_dau_nam_2024.docx"
    report.write_bytes(REPORT)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(report))
    page.wait_for_selector('[data-testid="stCheckbox"]', timeout=60_000)
    wait_for_app_run(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Số liệu đọc được trong câu văn")
    expect(page.locator('[data-testid="stCheckbox"]')).to_have_count(12)
    expect(main).to_contain_text("“Tổ chức 08 hội nghị quán triệt, tuyên truyền với 1.250 lượt người tham dự;")
    expect(page.get_by_role("button", name="Xác nhận nạp")).to_be_disabled()
    assert page.locator(ERRORS).count() == 0
    screenshot(page, shots / "docx_proposals.png")

    tick(page, "Hội nghị quán triệt, tuyên truyền: 8")
    tick(page, "Mô hình được công nhận: 27")
    expect(main).to_contain_text("Sẵn sàng nạp · 6 tháng đầu năm 2024: 2 giá trị thêm mới")
    assert warehouse_facts(url) == {}
    page.get_by_role("button", name="Xác nhận nạp").click()
    page.wait_for_selector(':text("đã nạp lô #2")', timeout=30_000)
    wait_for_app_run(page)
    screenshot(page, shots / "docx_loaded.png")
    assert warehouse_facts(url) == {("394", "conferences"): (8, 2), ("394", "models_recognized"): (27, 2)}
