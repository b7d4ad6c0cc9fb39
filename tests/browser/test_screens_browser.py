"""Every page of dashboard.py's PAGES on a phone (390 × 844) and on a projector (1920 × 1080), logged
in as an administrator so the guarded pages open too, and the tightest KPI rows on a laptop
(1440 × 900): no horizontal scroll, the sidebar closed on the phone and open on wide screens, KPI
titles whole, Tổng quan's KPI cards above the fold (its summary folded behind "Xem nhận định" on the
phone), text and chart labels big enough, no chart text cut at the chart's edge. A shared deep link
shows the same figures on both; the filters are one tap away; a long ranking keeps its ends and the
rest behind "Xem tất cả". Screenshots: artifacts/screenshots/<page>-phone.png (+ -phone-fold.png,
the first screen), <page>-desktop.png, <page>-laptop.png."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ERRORS, open_page, screenshot
from tests.dashboard_pages import dashboard_pages

pytestmark = pytest.mark.browser

SCREENS = {"phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
           "desktop": dict(viewport={"width": 1920, "height": 1080}),  # a projector
           "laptop": dict(viewport={"width": 1440, "height": 900})}
MIN_TEXT_PX = {"phone": 14, "desktop": 16, "laptop": 16}  # main-area HTML text
MIN_TICK_PX = 14
ADMIN, PASSWORD = "man-hinh", "mat-khau-du-dai-cho-kiem-thu"
# The KPI cards each page shows, by URL path, with the whole title each must show.
CARDS = {
    "": ["Hội nghị quán triệt", "Lượt người dự hội nghị", "Hội nghị tập huấn", "Lượt người tập huấn",
         "Cuộc kiểm tra, giám sát", "Tổ chức đảng được KT", "Đảng viên được KT", "Mô hình đăng ký",
         "Mô hình công nhận", "Tỷ lệ công nhận"],
    "hoi-nghi": ["Hội nghị quán triệt", "Lượt người dự hội nghị", "Hội nghị tập huấn", "Lượt người tập huấn"],
    "kiem-tra": ["Cuộc kiểm tra, giám sát", "Tổ chức đảng được KT", "Đảng viên được KT",
                 "Cuộc tiếp xúc, đối thoại"],
    "mo-hinh": ["Mô hình đăng ký", "Mô hình công nhận", "Tỷ lệ công nhận"],
    "tinh-hinh-bao-cao": ["Đơn vị đã báo cáo Quý III/2026", "Tỷ lệ báo cáo"],
}


PAGES = [(title, "" if i == 0 else url, section) for i, (section, _f, title, _i, _n, url)
         in enumerate(dashboard_pages())]


@pytest.fixture(scope="module")
def admin_cookie(demo_warehouse, server) -> dict:
    """A session cookie of an administrator of the demo warehouse (guarded pages open)."""
    from etl.accounts import auth
    from etl.warehouse.db import make_engine
    from ui.auth import COOKIE
    engine = make_engine(demo_warehouse)
    if auth.get_account(engine, ADMIN) is None:
        auth.add_user(engine, ADMIN, "admin", password=PASSWORD)
    result = auth.login(engine, ADMIN, PASSWORD)
    engine.dispose()
    assert result.ok, result.message
    return {"name": COOKIE, "value": result.token, "url": server}


@contextmanager
def on_screen(browser, screen: str, cookie: dict | None = None):
    context = browser.new_context(locale="vi-VN", **SCREENS[screen])
    if cookie:
        context.add_cookies([cookie])
    try:
        yield context.new_page()
    finally:
        context.close()


SLOW_MS = 90_000  # a hang guard for a machine shared by many (not a speed goal: see bench/)


def settle(page) -> None:
    """Wait until the page's lazily loaded parts (cards, charts) are drawn, not skeletons."""
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=SLOW_MS)
    expect(main.locator('[data-testid="stPlotlyChart"]:not(:has(.main-svg))')).to_have_count(
        0, timeout=SLOW_MS)
    page.wait_for_function("() => document.fonts.status === 'loaded' && [...document.querySelectorAll("
                           "'[data-testid=stMain] .js-plotly-plot')].every(g => g._fullLayout)",
                           timeout=SLOW_MS)


def visit(page, base: str, path: str) -> None:
    open_page(page, f"{base}/{path}", timeout=SLOW_MS)
    settle(page)


MEASURE = """() => {
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const main = document.querySelector('[data-testid=stMain]');
  const scrolling = [document.documentElement, document.body,
    ...document.querySelectorAll('[data-testid=stAppViewContainer], [data-testid=stMain], '
                                 + '[data-testid=stMainBlockContainer]')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => (e.dataset.testid || e.tagName) + ' ' + e.scrollWidth + ' > ' + e.clientWidth);
  const past = [...main.querySelectorAll('[data-testid=stElementContainer]')].filter(shown)
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .map(e => e.innerText.slice(0, 40) + ' → ' + Math.round(e.getBoundingClientRect().right));
  const small = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest('svg') || !shown(el)) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < MIN_TEXT) small.push(px + 'px: ' + n.textContent.trim().slice(0, 40));
  }
  const cards = [...main.querySelectorAll('[data-testid=stMetric]')].filter(shown).map(m => {
    const label = m.querySelector('[data-testid=stMetricLabel]'), p = label.querySelector('p');
    const box = m.getBoundingClientRect(), r = p.getBoundingClientRect();
    const clipped = [p, p.parentElement].some(e => e.scrollWidth > e.clientWidth + 1
                                                   || e.scrollHeight > e.clientHeight + 1);
    return {title: p.textContent.trim(), clipped,
            inside: r.right <= box.right + 1 && r.bottom <= box.bottom + 1,
            value: m.querySelector('[data-testid=stMetricValue]').textContent.trim(),
            top: box.top, bottom: box.bottom};
  });
  const cut = [], ticks = [];
  main.querySelectorAll('.js-plotly-plot').forEach(gd => {
    const frame = gd.querySelector('.svg-container').getBoundingClientRect();
    gd.querySelectorAll('svg.main-svg text').forEach(t => {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || r.width === 0) return;
      if (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1
          || r.bottom > frame.bottom + 1) cut.push(t.textContent.trim().slice(0, 40));
      if (t.closest('.xtick, .ytick')) ticks.push(parseFloat(getComputedStyle(t).fontSize));
    });
  });
  const sidebar = document.querySelector('[data-testid=stSidebar]').getBoundingClientRect();
  return {scrolling, past, small, cards, cut, ticks, height: window.innerHeight,
          sidebar: {left: sidebar.left, right: sidebar.right, width: sidebar.width},
          charts: main.querySelectorAll('.js-plotly-plot').length};
}"""


def measure(page, screen: str) -> dict:
    return page.evaluate(MEASURE.replace("MIN_TEXT", str(MIN_TEXT_PX[screen])))


@pytest.mark.parametrize("screen", ["phone", "desktop"])
@pytest.mark.parametrize("title,path,section", PAGES, ids=[p or "tong-quan" for _t, p, _s in PAGES])
def test_every_page_fits_the_screen(browser, server, admin_cookie, shots, title, path, section, screen):
    check_page(browser, server, admin_cookie, shots, screen, title, path, section)


LAPTOP_PAGES = [p for p in PAGES if p[1] in ("", "kiem-tra")]  # five cards to a row; the longest titles


@pytest.mark.parametrize("title,path,section", LAPTOP_PAGES, ids=[p[1] or "tong-quan" for p in LAPTOP_PAGES])
def test_kpi_titles_are_whole_on_a_laptop(browser, server, shots, title, path, section):
    """1440 × 900, the narrowest wide screen, where KPI cards are narrowest."""
    check_page(browser, server, None, shots, "laptop", title, path, section)


def check_page(browser, server, cookie, shots, screen, title, path, section) -> None:
    """Open the page on the screen and check all of the above; screenshots whatever happens."""
    name = f"{path or 'tong-quan'}-{screen}"
    with on_screen(browser, screen, cookie) as page:
        visit(page, server, path)
        if screen == "phone":
            page.screenshot(path=str(shots / f"{name}-fold.png"))
        try:
            expect(page.locator("h1").first).to_have_text(re.compile("^" + re.escape(title)))
            assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).first.inner_text()
            if section in ("Phân tích", "Báo cáo"):
                expect(page.locator('[data-testid="stMain"]')).to_contain_text("Số liệu đến Quý III/2026")
            m = measure(page, screen)
            assert not m["scrolling"], f"horizontal scroll: {m['scrolling']}"
            assert not m["past"], f"past the right edge: {m['past']}"
            assert not m["small"], f"text under {MIN_TEXT_PX[screen]} px: {m['small'][:8]}"
            assert not m["cut"], f"chart text cut at the chart's edge: {m['cut']}"
            if screen == "phone":
                check_closed_sidebar(page, m, section)
            else:
                assert m["sidebar"]["left"] == 0 and m["sidebar"]["width"] >= 250, m["sidebar"]
                assert all(px >= MIN_TICK_PX for px in m["ticks"]), sorted(m["ticks"])[:5]
            if section == "Phân tích":
                assert m["charts"] >= 1, "no chart on the page"
            assert_titles_whole(m["cards"], CARDS.get(path))
            if path == "":
                assert_overview_first_screen(page, m, screen)
        finally:
            screenshot(page, shots / f"{name}.png")


def check_closed_sidebar(page, m: dict, section: str) -> None:
    """The phone's sidebar starts closed; its toggle names what it opens."""
    assert m["sidebar"]["right"] <= 0 or m["sidebar"]["width"] == 0, m["sidebar"]
    toggle = page.get_by_test_id("stExpandSidebarButton")
    expect(toggle).to_be_visible()
    says = "Bộ lọc" if section in ("Phân tích", "Báo cáo") else "Danh mục"
    assert toggle.evaluate("b => getComputedStyle(b, '::after').content") == f'"{says}"'


def assert_titles_whole(cards: list[dict], expected: list[str] | None) -> None:
    """Every KPI card shows its whole title (no ellipsis, nothing past the card), the expected ones."""
    for card in cards:
        assert not card["clipped"] and card["inside"], f"KPI title cut: {card['title']}"
    if expected is not None:
        assert [c["title"] for c in cards] == expected


def assert_overview_first_screen(page, m: dict, screen: str) -> None:
    """The period line, every KPI card within the first screen, then the first chart; the summary
    whole on a wide screen, one tap away ('Xem nhận định') on a phone."""
    main = page.locator('[data-testid="stMain"]')
    period = main.get_by_text(re.compile(r"^Quý III/2026 · Toàn tỉnh")).first.bounding_box()
    chart = main.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
    assert period["y"] < min(c["top"] for c in m["cards"])
    assert max(c["bottom"] for c in m["cards"]) <= m["height"], "KPI cards below the fold"
    assert chart["y"] > max(c["bottom"] for c in m["cards"])
    summary = main.get_by_text(re.compile(r"^Trong quý III/2026, cấp ủy"))
    fold = main.get_by_text("Xem nhận định")
    if screen != "phone":
        expect(summary.first).to_be_visible()
        expect(fold).to_be_hidden()
        return
    expect(summary.filter(visible=True)).to_have_count(0)
    fold.click()
    expect(summary.filter(visible=True)).to_have_count(1)


def cards_shown(page) -> dict[str, str]:
    cards = page.locator('[data-testid="stMain"] [data-testid="stMetric"]')
    expect(cards).to_have_count(len(CARDS[""]))
    return dict(zip(cards.locator('[data-testid="stMetricLabel"]').all_inner_texts(),
                    cards.locator('[data-testid="stMetricValue"]').all_inner_texts()))


def test_a_deep_link_on_a_phone_shows_the_desktop_figures(browser, server, shots):
    """A leader's shared link (seed 001: Đồng bằng, 6 tháng đầu năm 2024) on both screens."""
    seed_001 = {"Hội nghị quán triệt": "50", "Lượt người dự hội nghị": "4.819", "Mô hình đăng ký": "891",
                "Mô hình công nhận": "514", "Tỷ lệ công nhận": "57,7%"}
    shown = {}
    for screen in ("phone", "desktop"):
        with on_screen(browser, screen) as page:
            visit(page, server, "?period=2024-H1&clusters=dong-bang")
            main = page.locator('[data-testid="stMain"]')
            expect(main).to_contain_text("6 tháng đầu năm 2024 · Cụm Đồng bằng")
            shown[screen] = {k.strip(): v.strip() for k, v in cards_shown(page).items()}
            page.screenshot(path=str(shots / f"deep-link-{screen}-fold.png"))
    assert shown["phone"] == shown["desktop"]
    assert {k: shown["phone"][k] for k in seed_001} == seed_001


def test_the_filters_are_one_tap_away_on_a_phone(browser, server, shots):
    with on_screen(browser, "phone") as page:
        visit(page, server, "")
        toggle = page.get_by_test_id("stExpandSidebarButton")
        assert toggle.evaluate("b => getComputedStyle(b, '::after').content") == '"Bộ lọc"'
        toggle.click()
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_label("Loại kỳ")).to_be_in_viewport()
        expect(sidebar.get_by_label("Kỳ báo cáo")).to_be_in_viewport()
        page.screenshot(path=str(shots / "bo-loc-phone-fold.png"))


def test_a_long_ranking_shows_its_ends_and_the_rest_behind_see_all(browser, server, shots):
    """So sánh đơn vị on a phone: a cluster's communes, the best and the lowest, then all of them."""
    from ui.bars import FITS
    with on_screen(browser, "phone") as page:
        visit(page, server, "so-sanh")
        ranking = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').nth(1)
        shown = ranking.evaluate("g => g.data[0].y")
        assert len(shown) == FITS + 1  # the ends, and a row saying how many are in the middle
        see_all = page.locator(".st-key-all-cmp_units")
        label = see_all.get_by_text(re.compile(r"^Xem tất cả \(\d+ đơn vị\)$"))
        total = int(re.search(r"\d+", label.inner_text()).group())
        label.click()
        expect(see_all.locator(".js-plotly-plot")).to_have_count(1)
        settle(page)
        everyone = see_all.locator(".js-plotly-plot").evaluate("g => g.data[0].y")
        assert len(everyone) == total > FITS + 2
        assert set(shown[:FITS // 2] + shown[-(FITS // 2):]) <= set(everyone)
        m = measure(page, "phone")
        assert not m["cut"] and not m["scrolling"] and not m["past"], m
        screenshot(page, shots / "so-sanh-xem-tat-ca-phone.png")
