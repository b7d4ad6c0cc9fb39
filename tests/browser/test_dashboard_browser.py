"""The dashboard in a real browser: a deep link opens the same view, the filters follow to another
page, the trend across 01/7/2025 shows the marker, a click on a cluster's bar drills into it, a fresh
server opens a shared link without "Page not found"; screenshots go to artifacts/screenshots/ for
people to look at (every page on a phone and a projector: test_screens_browser.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ERRORS, open_page, screenshot, streamlit_server, wait_for_app_run

pytestmark = pytest.mark.browser


def test_deep_link_applies_filters(server, page, shots):
    open_page(page, f"{server}/so-sanh?period=2024-Q2&compare=last_year&clusters=dong-bang")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_label("Loại kỳ")).to_have_value("Quý")
    expect(sidebar.get_by_label("Kỳ báo cáo")).to_have_value("Quý II/2024")
    clusters = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Cụm")
    expect(clusters).to_contain_text("Đồng bằng")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Quý II/2024 · Cụm Đồng bằng")
    expect(main).to_contain_text("Quý II/2023")
    assert "period=2024-Q2" in page.url and "clusters=dong-bang" in page.url
    assert page.locator(ERRORS).count() == 0
    screenshot(page, shots / "deep-link-so-sanh.png")


def test_filters_follow_to_another_page(server, page):
    open_page(page, f"{server}/?period=2025-Q1")
    page.locator('[data-testid="stSidebarNav"] a', has_text="Kiểm tra, giám sát").click()
    page.wait_for_url("**/kiem-tra**", timeout=30_000)
    wait_for_app_run(page)
    assert "period=2025-Q1" in page.url
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Quý I/2025")


def test_trend_across_reorganisation_shows_marker(server, page, shots):
    open_page(page, f"{server}/xu-huong?period=2026-Q3")
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Sắp xếp đơn vị hành chính, 01/7/2025")
    screenshot(page, shots / "xu-huong-theo-cum.png")
    page.locator('[data-testid="stMain"] button', has_text="Đơn vị").first.click()
    page.wait_for_timeout(500)
    wait_for_app_run(page)
    assert page.locator(ERRORS).count() == 0
    text = page.inner_text('[data-testid="stMain"]')
    assert "Sắp xếp đơn vị hành chính, 01/7/2025" in text
    screenshot(page, shots / "xu-huong-theo-don-vi.png")


def test_clicking_a_cluster_bar_drills_into_its_units(server, page):
    open_page(page, f"{server}/so-sanh")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.locator(".js-plotly-plot").wait_for(timeout=30_000)
    shown = page.locator("h3", has_text="Các đơn vị cụm").first.inner_text()
    ticks = chart.locator(".js-plotly-plot").evaluate("g => g.data[0].y")  # bar order = data order
    target = next(i for i, name in enumerate(ticks) if name not in shown)
    box = chart.locator(".bars .point path").nth(target).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    heading = page.locator("h3", has_text=f"Các đơn vị cụm {ticks[target]}")
    for _ in range(3):  # plotly reports a click on a point only once it has hovered it
        page.wait_for_timeout(1500)
        page.mouse.move(box["x"] + 10, box["y"] + 5)
        page.mouse.move(x, y, steps=8)
        page.wait_for_timeout(1000)
        page.mouse.click(x, y)
        try:
            heading.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - retry the hover and click
            continue
    heading.wait_for(timeout=5_000)
    assert page.locator(ERRORS).count() == 0


def test_a_link_opened_first_on_a_fresh_server_shows_no_page_not_found(tmp_path_factory, browser):
    """The first visit of a just-started server lands on a shared link, as a leader's would."""
    from etl.warehouse.db import ensure_schema, make_engine
    from etl.warehouse.load import load_file
    from tests.workbooks import consolidated_workbook
    url = f"sqlite:///{tmp_path_factory.mktemp('fresh')}/warehouse.db"
    engine = make_engine(url)
    ensure_schema(engine)
    sheet = consolidated_workbook([("Huyện Yên Định", {"conferences": 5, "models_registered": 4,
                                                       "models_recognized": 2})])
    assert load_file(engine, sheet, "yen_dinh.xlsx").status == "loaded"
    engine.dispose()
    with streamlit_server(url, tmp_path_factory.mktemp("fresh-log")) as base:
        page = browser.new_page()
        try:
            open_page(page, f"{base}/so-sanh?period=2024-Q2")
            assert page.locator("h1").first.inner_text().strip() == "So sánh đơn vị"
            page.wait_for_timeout(1500)
            dialogs = page.locator('[role="dialog"]')
            assert dialogs.count() == 0, dialogs.first.inner_text()
            assert "not found" not in page.inner_text("body").lower()
        finally:
            page.close()
