"""Column questions in a real browser (Playwright + Debian's chromium against `streamlit run dashboard.py`):
a file with an unsure header -> ranked select -> choice -> "Xác nhận nạp" -> figures in the warehouse;
the next file with that header loads without a question; after an admin removes the learned alias on
Quản trị, the question comes back. Screenshots: artifacts/screenshots/mapping_*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import (ERRORS, PASSWORD, open_page, screenshot, seeded_warehouse, streamlit_server,
                                    wait_for_app_run)
from tests.workbooks import consolidated_workbook

pytestmark = pytest.mark.browser

QUESTION = "Cột “Lượt người” (Biểu 01, ô D4)"


def unsure(unit: str, participants: int, period: str = "QUÝ II NĂM 2024") -> bytes:
    return consolidated_workbook([(unit, {"documents_issued": 1, "conferences": 2,
                                          "conference_participants": participants})], period, headers="flat",
                                 codes=("documents_issued", "conference_participants", "conferences"),
                                 header_text={"conference_participants": "Lượt người"})


@pytest.fixture(scope="module")
def mapping_server(tmp_path_factory, browser):
    """A dashboard over a warehouse holding one batch and an administrator; yields (base URL, warehouse URL)."""
    seed = consolidated_workbook([("Huyện Nga Sơn", {"conferences": 4, "conference_participants": 100})])
    url = seeded_warehouse(tmp_path_factory.mktemp("mapping-browser"), seed, "quantri", "admin")
    with streamlit_server(url, tmp_path_factory.mktemp("mapping-log")) as base:
        yield base, url


def participants(url: str) -> dict:
    from etl.warehouse.db import make_engine
    from etl.warehouse.schema import Fact
    engine = make_engine(url)
    with engine.connect() as conn:
        found = dict(conn.execute(select(Fact.unit_code, Fact.value)
                                  .where(Fact.indicator_code == "conference_participants")).all())
    engine.dispose()
    return found


def login(page, base: str) -> None:
    open_page(page, base)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Đăng nhập", exact=True).first.click()
    sidebar.get_by_label("Tên đăng nhập").fill("quantri")
    sidebar.get_by_label("Mật khẩu").fill(PASSWORD)
    sidebar.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector('[data-testid="stSidebar"] :text("Đăng nhập: quantri")', timeout=30_000)
    wait_for_app_run(page)


def upload(page, base: str, tmp_path, name: str, data: bytes) -> None:
    open_page(page, f"{base}/tai-len")
    path = tmp_path / name
    path.write_bytes(data)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.wait_for_selector('[data-testid="stAlert"]', timeout=60_000)
    wait_for_app_run(page)


def question(page):
    return page.locator('[data-testid="stSelectbox"]').filter(has_text=QUESTION)


def test_choose_confirm_learn_remove_ask_again(mapping_server, page, shots, tmp_path):
    base, url = mapping_server
    login(page, base)
    upload(page, base, tmp_path, "cum_1.xlsx", unsure("Huyện Yên Định", 120))
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Tệp bị từ chối")
    expect(question(page)).to_have_count(1)
    question(page).click()
    options = page.get_by_role("option")
    expect(options.first).to_have_text("Lượt người tham dự hội nghị (93 điểm)")
    expect(options.nth(1)).to_have_text("Lượt người tập huấn (84 điểm)")
    expect(page.get_by_role("option", name="Không nạp cột này")).to_have_count(1)
    screenshot(page, shots / "mapping_question.png")
    options.first.click()
    wait_for_app_run(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Sẵn sàng nạp · Quý II/2024: 3 giá trị thêm mới")
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("→ Lượt người tham dự hội nghị (theo lựa chọn)")
    page.get_by_role("button", name="Xác nhận nạp").click()
    page.wait_for_selector(':text("đã nạp lô #2")', timeout=60_000)
    wait_for_app_run(page)
    assert participants(url) == {"401": 100, "394": 120}

    upload(page, base, tmp_path, "cum_2.xlsx", unsure("Huyện Hà Trung", 30))
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Sẵn sàng nạp")
    expect(question(page)).to_have_count(0)                       # learned: no question
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("(đã học từ lần nạp trước)")
    page.get_by_role("button", name="Xác nhận nạp").click()
    page.wait_for_selector(':text("đã nạp lô #3")', timeout=60_000)
    wait_for_app_run(page)
    assert participants(url) == {"401": 100, "394": 120, "392": 30}

    open_page(page, f"{base}/quan-tri")
    page.get_by_role("tab", name="Tên cột đã học").click()
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Lượt người tham dự hội nghị")
    screenshot(page, shots / "mapping_admin.png")
    page.get_by_role("button", name="Xóa tên cột đã học").click()
    page.wait_for_selector(':text("Đã xóa tên cột đã học")', timeout=30_000)
    wait_for_app_run(page)

    upload(page, base, tmp_path, "cum_3.xlsx", unsure("Huyện Thọ Xuân", 50, "QUÝ III NĂM 2024"))
    expect(question(page)).to_have_count(1)                       # asked again
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(ERRORS).count() >= 1                      # the refusal until it is answered
    screenshot(page, shots / "mapping_asked_again.png")
