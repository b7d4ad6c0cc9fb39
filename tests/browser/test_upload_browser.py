"""Upload in a real browser (Playwright + Debian's chromium against `streamlit run dashboard.py`):
log in, survive a reload, upload a workbook through the file input, confirm, see the new figures on
Tổng quan, undo on Lịch sử nạp, see them gone. Screenshots: artifacts/screenshots/upload_*.png."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ERRORS
from tests.browser.conftest import login as login_as
from tests.browser.conftest import PASSWORD, open_page, screenshot, seeded_warehouse, streamlit_server, wait_for_app_run
from tests.workbooks import consolidated_workbook

pytestmark = pytest.mark.browser

BASE = consolidated_workbook([
    ("Huyện Thọ Xuân", {"conferences": 100, "conference_participants": 5000}),
    ("Huyện Nông Cống", {"conferences": 200, "conference_participants": 6000}),
    ("Huyện Hà Trung", {"conferences": 300, "conference_participants": 7000})])
NEW = consolidated_workbook([("Huyện Yên Định", {"conferences": 77, "conference_participants": 4819,
                                                 "models_registered": 891, "models_recognized": 514})])


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory, browser):
    """A dashboard over a warehouse holding one batch of Quý II/2024 and an uploader account."""
    url = seeded_warehouse(tmp_path_factory.mktemp("upload-browser"), BASE, "lan", "uploader")
    with streamlit_server(url, tmp_path_factory.mktemp("upload-log")) as base:
        yield base


def settle(page, selector: str = '[data-testid="stMain"] h1') -> None:
    """Wait until Streamlit shows `selector` and has finished running the script."""
    page.wait_for_selector(selector, timeout=30_000)
    wait_for_app_run(page)


def expect_kpi(page, label: str, value: str) -> None:
    """The KPI card `label` shows `value` (retried until Streamlit has drawn it)."""
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    expect(card.locator('[data-testid="stMetricValue"]')).to_have_text(value)


def shot(page, shots: Path, name: str) -> None:
    screenshot(page, shots / f"upload_{name}.png")


def login(page, base: str) -> None:
    login_as(page, base, "lan", PASSWORD)


def test_upload_confirm_see_figures_undo(upload_server, page, shots, tmp_path):
    base = upload_server
    open_page(page, base)
    expect_kpi(page, "Hội nghị quán triệt", "600")
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav).to_contain_text("Tổng quan")
    expect(nav.get_by_text("Tải lên")).to_have_count(0)
    login(page, base)
    expect(nav.get_by_text("Tải lên")).to_have_count(1)
    page.reload(wait_until="domcontentloaded")  # the login survives a reload (session cookie)
    settle(page, '[data-testid="stSidebar"] :text("Đăng nhập: lan")')

    open_page(page, f"{base}/tai-len")
    expect(page.locator("h1").first).to_have_text("Tải lên số liệu")
    upload = tmp_path / "yen_dinh_quy2_2024.xlsx"
    upload.write_bytes(NEW)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    settle(page, '[data-testid="stAlertContentSuccess"]')
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Sẵn sàng nạp · Quý II/2024: 4 giá trị thêm mới")
    assert page.locator(ERRORS).count() == 0
    shot(page, shots, "preview")
    page.get_by_role("button", name="Xác nhận nạp").click()
    page.wait_for_selector(':text("đã nạp lô #2")', timeout=30_000)
    settle(page)
    shot(page, shots, "loaded")

    open_page(page, base)  # Tổng quan: the new figures are in
    expect_kpi(page, "Hội nghị quán triệt", "677")
    expect_kpi(page, "Lượt người dự", "22.819")
    expect_kpi(page, "Tỷ lệ công nhận", "57,7%")
    assert page.locator(ERRORS).count() == 0
    shot(page, shots, "overview_after_load")

    open_page(page, f"{base}/lich-su-nap")
    batch_box = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').first
    expect(batch_box).to_have_value(re.compile("yen_dinh_quy2_2024\\.xlsx"))
    page.get_by_role("button", name="Hoàn tác lô #2").click()
    page.get_by_role("button", name="Xác nhận hoàn tác").click()
    page.wait_for_selector(':text("Đã hoàn tác lô #2")', timeout=30_000)
    settle(page)
    shot(page, shots, "history_undone")

    open_page(page, base)  # and gone again
    expect_kpi(page, "Hội nghị quán triệt", "600")
    assert page.locator(ERRORS).count() == 0
    shot(page, shots, "overview_after_undo")
