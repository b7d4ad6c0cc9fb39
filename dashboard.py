"""Entry point: `streamlit run dashboard.py`. Navigation over pages/, the shared sidebar filters
(mirrored in the URL), login, and the demo data on a first start with an empty warehouse.

The file is also the server: `streamlit run` finds `app` (st.App, Streamlit's ASGI app object) and
serves the dashboard through it, with the HTTP routes that set the HttpOnly session cookie
(ui/session_routes.py). Streamlit then runs this file as "__main__" for every page view."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

import ui.auth
import ui.data
import ui.filters
import ui.layout
from etl.config import get_settings
from etl.warehouse.db import WarehouseUnavailable

HERE = Path(__file__).resolve().parent
# (section, file, title, icon, what the viewer needs: view | upload | admin, URL path).
# URL paths differ from the file names on purpose: Streamlit's pages/-folder mode would otherwise
# run a page file without this entry point (and its sidebar filters).
PAGES = [
    ("Phân tích", "pages/overview.py", "Tổng quan", ":material/dashboard:", "view", "tong-quan"),
    ("Phân tích", "pages/trends.py", "Xu hướng", ":material/show_chart:", "view", "xu-huong"),
    ("Phân tích", "pages/compare.py", "So sánh đơn vị", ":material/leaderboard:", "view", "so-sanh"),
    ("Phân tích", "pages/meetings.py", "Hội nghị & tập huấn", ":material/groups:", "view", "hoi-nghi"),
    ("Phân tích", "pages/inspections.py", "Kiểm tra, giám sát", ":material/fact_check:", "view",
     "kiem-tra"),
    ("Phân tích", "pages/models.py", "Mô hình “Dân vận khéo”", ":material/emoji_events:", "view",
     "mo-hinh"),
    ("Phân tích", "pages/reporting.py", "Tình hình báo cáo", ":material/assignment_turned_in:", "view",
     "tinh-hinh-bao-cao"),
    ("Báo cáo", "pages/export.py", "Xuất báo cáo", ":material/download:", "view", "xuat-bao-cao"),
    ("Dữ liệu", "pages/upload.py", "Tải lên", ":material/upload_file:", "upload", "tai-len"),
    ("Dữ liệu", "pages/history.py", "Lịch sử nạp", ":material/history:", "upload", "lich-su-nap"),
    ("Quản trị", "pages/admin.py", "Quản trị", ":material/admin_panel_settings:", "admin", "quan-tri"),
]
# Pages that draw the shared period/cluster/unit filters in the sidebar.
FILTERED = {p[2] for p in PAGES if p[0] in ("Phân tích", "Báo cáo")}


def visible_pages(user) -> list[tuple]:
    """The PAGES rows this user (None = anonymous) may open, among the files that exist."""
    return [p for p in PAGES if (HERE / p[1]).exists() and ui.auth.allowed(p[4], user)]


# Pages that check the role themselves (ui.auth.require_role). For users who may not use them they
# are registered hidden, so that opening their URL shows the page's own refusal (st.error).
GUARDED = ("upload", "admin")


def navigation(rows: list[tuple]):
    """st.navigation over `rows` by section; guarded pages the user may not open are hidden."""
    sections: dict[str, list] = {}
    for i, (section, path, title, icon, _need, url) in enumerate(rows):
        sections.setdefault(section, []).append(
            st.Page(path, title=title, icon=icon, url_path=url, default=i == 0))
    if not sections:
        sections[""] = [st.Page(_no_access, title="Đăng nhập", default=True)]
    shown = {r[1] for r in rows}
    for _section, path, title, icon, need, url in PAGES:
        if need in GUARDED and path not in shown and (HERE / path).exists():
            sections.setdefault("", []).append(
                st.Page(path, title=title, icon=icon, url_path=url, visibility="hidden"))
    return st.navigation(sections)


def _no_access() -> None:
    st.info("Cần đăng nhập để xem số liệu. Đăng nhập ở thanh bên trái.")


def autoload_demo() -> None:
    """First start on an empty warehouse: load the illustrative demo data (if configured)."""
    if not get_settings().wants_demo() or st.session_state.get("_demo_checked"):
        return
    st.session_state["_demo_checked"] = True
    if ui.data.data_span() is not None:
        return
    try:
        from etl.demo.demo import load_demo
    except ImportError:
        return
    with st.spinner("Đang nạp dữ liệu minh họa…"):
        load_demo(ui.data.engine(), if_empty=True)
    ui.data.start_run()


def main() -> None:
    # "auto": the sidebar starts open on a wide screen and closed on a phone (Streamlit's own
    # breakpoint), so a shared link opened on a phone shows the figures, not the filter panel.
    st.set_page_config(page_title="Dân vận khéo · Bảng số liệu", page_icon="📊", layout="wide",
                       initial_sidebar_state="auto")
    try:
        ui.data.start_run()
    except WarehouseUnavailable as exc:  # a database that does not answer, or a newer build's warehouse
        st.error(str(exc))
        st.stop()
    autoload_demo()
    user = ui.auth.current_user()
    page = navigation(visible_pages(user))
    ui.layout.page_style()
    # The filters first (on a phone the sidebar shows them above the page list), then who is in.
    if page.title in FILTERED:
        ui.filters.set_selection(ui.filters.sidebar_filters())
    else:
        ui.filters.set_selection(None)
        ui.filters.keep_filters()
    with st.sidebar:
        st.markdown(f"**{get_settings().agency_name}**  \nPhong trào thi đua “Dân vận khéo”")
    ui.auth.render_login_sidebar()
    page.run()


if __name__ != "__main__":  # imported by the server (`streamlit run`, scripts/serve.py, uvicorn)
    from ui.session_routes import routes
    app = st.App(__file__, routes=routes())
else:
    main()
