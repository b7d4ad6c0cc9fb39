"""AppTest of Tải lên, Lịch sử nạp and Quản trị through the real entry point (dashboard.py): upload ->
preview -> confirm -> history -> undo with the warehouse checked at each step; a refused file changes
nothing; what anonymous users, viewers, scoped uploaders and admins see and may open."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
from sqlalchemy import select

from etl.accounts import auth
from etl.accounts.audit import recent_events
from etl.warehouse.load import load_file
from etl.warehouse.schema import Fact
from tests.engines import warehouse_checksum
from tests.workbooks import consolidated_workbook

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
PASSWORD = "mat-khau-du-dai"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST = consolidated_workbook([("Huyện Yên Định", {"conferences": 12, "conference_participants": 905}),
                               ("H. Nông Cống", {"conferences": 3, "conference_participants": 120})])
REVISED = consolidated_workbook([("Huyện Yên Định", {"conferences": 15, "conference_participants": 905}),
                                 ("H. Nông Cống", {"conferences": 3, "conference_participants": 120}),
                                 ("Thọ Xuân", {"conferences": 7, "conference_participants": 300})])
AFTER_FIRST = {("394", "conferences"): 12, ("394", "conference_participants"): 905,
               ("404", "conferences"): 3, ("404", "conference_participants"): 120}
AFTER_REVISED = AFTER_FIRST | {("394", "conferences"): 15, ("395", "conferences"): 7,
                               ("395", "conference_participants"): 300}


@pytest.fixture
def nav(monkeypatch) -> list:
    """Captures the navigation message of each run: [(title, hidden)] of the last run in nav[-1]."""
    import streamlit.testing.v1.local_script_runner as runner
    seen: list = []
    original = runner.parse_tree_from_messages

    def capture(messages):
        for m in messages:
            if m.HasField("navigation"):
                seen.append([(p.page_name, p.is_hidden) for p in m.navigation.app_pages])
        return original(messages)
    monkeypatch.setattr(runner, "parse_tree_from_messages", capture)
    return seen


def _site(engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DVK_DEMO_AUTOLOAD", "0")
    monkeypatch.delenv("DVK_VIEW_REQUIRES_LOGIN", raising=False)
    for name, role, units in [("quantri", "admin", ()), ("lan", "uploader", ("394",)),
                              ("tinh", "uploader", ()), ("xem", "viewer", ())]:
        auth.add_user(engine, name, role, units=units, password=PASSWORD)
    return engine


@pytest.fixture
def both_site(engine, monkeypatch, nav):
    """The app on a fresh warehouse (SQLite and PostgreSQL) with four accounts; returns the engine."""
    return _site(engine, monkeypatch)


@pytest.fixture
def site(sqlite_engine, monkeypatch, nav):
    """The same on SQLite only (the page logic does not depend on the database)."""
    return _site(sqlite_engine, monkeypatch)


def open_app(user: str | None = None):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(APP, default_timeout=60).run()
    if user:
        at.text_input(key="auth_username").input(user)
        at.text_input(key="auth_password").input(PASSWORD)
        next(b for b in at.button if b.label == "Đăng nhập").click().run()
        assert any(user in c.value for c in at.sidebar.caption), [e.value for e in at.error]
    return at


def page(at, path: str):
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def facts(engine) -> dict:
    with engine.connect() as conn:
        return {(u, i): v for u, i, v in conn.execute(select(Fact.unit_code, Fact.indicator_code, Fact.value))}


def upload(at, *files):
    at.file_uploader[0].set_value([(name, data, XLSX) for name, data in files]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def texts(elements) -> list[str]:
    """Element texts as a reader sees them (markdown escapes of file text removed)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def undo(at, batch_id: int):
    at.selectbox(key="hist_batch").select(batch_id).run()
    button(at, f"Hoàn tác lô #{batch_id}").click().run()
    button(at, "Xác nhận hoàn tác").click().run()
    assert not at.exception
    return at


def test_upload_preview_confirm_history_undo(both_site):
    site = both_site
    at = page(open_app("quantri"), "pages/upload.py")
    assert any(b.label == "⬇ Tải biểu mẫu .xlsx" for b in at.get("download_button"))
    upload(at, ("bieu_quy2.xlsx", FIRST))
    assert "Sẵn sàng nạp · Quý II/2024: 4 giá trị thêm mới, 0 giá trị thay đổi" in texts(at.success)[0]
    preview = at.dataframe[-1].value
    assert sorted(preview["Loại"]) == ["Thêm mới"] * 4 and "4.819" not in set(preview["Giá trị mới"])
    assert facts(site) == {}  # the dry run wrote nothing

    button(at, "Xác nhận nạp").click().run()
    assert any("đã nạp lô #1" in t for t in texts(at.success)), texts(at.success)
    assert facts(site) == AFTER_FIRST

    upload(at, ("bieu_quy2_lan2.xlsx", FIRST))  # the same bytes again
    assert any("đã được nạp lúc" in t and "bởi quantri" in t and "lô #1" in t for t in texts(at.info))
    assert button(at, "Xác nhận nạp").disabled

    upload(at, ("bieu_quy2_sua.xlsx", REVISED))
    frame = at.dataframe[-1].value
    changed = frame[frame["Loại"] == "Thay đổi"]
    assert changed[["Đơn vị", "Giá trị cũ", "Giá trị mới"]].values.tolist() == [["Huyện Yên Định", "12", "15"]]
    assert (frame["Loại"] == "Thêm mới").sum() == 2
    assert facts(site) == AFTER_FIRST
    button(at, "Xác nhận nạp").click().run()
    assert facts(site) == AFTER_REVISED

    page(at, "pages/history.py")
    batches = at.dataframe[0].value
    assert batches["Lô"].tolist() == [2, 1] and set(batches["Người nạp"]) == {"quantri"}
    assert batches["Thay đổi"].tolist() == ["1", "0"]
    undo(at, 1)  # batch 2 reported every value of batch 1 again (one revised): they all stay
    assert "Đã hoàn tác lô #1" in texts(at.success)[0] and "3 giá trị vẫn giữ" in texts(at.success)[0]
    assert facts(site) == AFTER_REVISED
    undo(at, 2)
    assert "Đã hoàn tác lô #2" in texts(at.success)[0]
    assert facts(site) == {}
    assert at.dataframe[0].value["Trạng thái"].str.startswith("Đã hoàn tác").all()
    actions = [e["action"] for e in reversed(recent_events(site))]
    assert [a for a in actions if a in ("load", "undo")] == ["load", "load", "undo", "undo"]
    assert [e["username"] for e in recent_events(site) if e["action"] == "undo"] == ["quantri", "quantri"]


def test_refused_file_shows_problems_and_changes_nothing(site):
    at = page(open_app("tinh"), "pages/upload.py")
    before = warehouse_checksum(site)
    bad = consolidated_workbook([("Huyện Yên Định", {"conferences": "gần 50"}), ("Huyện Hogwarts", {"conferences": 2}),
                                 ("<img src=x onerror=alert(1)>", {"conferences": 1})])
    upload(at, ("sai.xlsx", bad))
    assert texts(at.error)[0].startswith("Tệp bị từ chối (3 lỗi)")
    problems = at.dataframe[0].value
    assert problems["Mức độ"].tolist()[:3] == ["Lỗi"] * 3
    assert any("gần 50" in m for m in problems["Nội dung"]) and problems["Ô"].tolist()[0] != ""
    assert any("Hogwarts" in m for m in problems["Nội dung"])
    assert button(at, "Xác nhận nạp").disabled
    rendered = " ".join(texts(at.markdown) + texts(at.error) + texts(at.caption))
    assert "<img" not in rendered  # file text only inside st.dataframe, never as HTML/markdown
    full = [t.value for t in at.text]  # and in plain st.text, each problem whole with what to do
    assert any("gần 50" in t and "Cách sửa: Ghi số chính xác" in t for t in full)
    assert any("<img src=x onerror=alert(1)>" in t for t in full)
    assert warehouse_checksum(site) == before


def test_scoped_uploader_is_refused_for_other_units(site):
    at = page(open_app("lan"), "pages/upload.py")
    before = warehouse_checksum(site)
    upload(at, ("hai_huyen.xlsx", FIRST))  # Yên Định (allowed) and Nông Cống (not)
    assert texts(at.error)[0].startswith("Tệp bị từ chối")
    out = at.dataframe[0].value
    assert any("Nông Cống" in m for m in out["Nội dung"]) and not any("Yên Định" in m for m in out["Nội dung"])
    assert warehouse_checksum(site) == before
    own = consolidated_workbook([("Huyện Yên Định", {"conferences": 4})])
    upload(at, ("yen_dinh.xlsx", own))
    button(at, "Xác nhận nạp").click().run()
    assert facts(site) == {("394", "conferences"): 4}
    from etl.warehouse.load import load_file
    assert load_file(site, FIRST, "cua_tinh.xlsx", user="tinh").status == "loaded"
    page(at, "pages/history.py")  # newest first: tinh's batch, which lan may not undo
    assert not any(b.label.startswith("Hoàn tác") for b in at.button)
    assert any("Chỉ người đã nạp lô này" in t for t in texts(at.caption))
    at.selectbox(key="hist_batch").select(1).run()
    assert any(b.label == "Hoàn tác lô #1" for b in at.button)


def titles(nav) -> tuple[set, set]:
    pages = nav[-1]
    return {t for t, hidden in pages if not hidden}, {t for t, hidden in pages if hidden}


DATA_PAGES = {"Tải lên", "Lịch sử nạp", "Quản trị"}


@pytest.mark.parametrize("user, shown, opened, refusal", [
    (None, set(), "pages/upload.py", "Cần đăng nhập để nạp số liệu"),
    ("xem", set(), "pages/history.py", "không có quyền nạp số liệu"),
    ("lan", {"Tải lên", "Lịch sử nạp"}, "pages/admin.py", "không có quyền quản trị"),
    ("quantri", DATA_PAGES, None, None),
])
def test_roles_decide_pages_shown_and_opened_by_url(site, nav, user, shown, opened, refusal):
    at = open_app(user)
    visible, _hidden = titles(nav)
    assert "Tổng quan" in visible and visible & DATA_PAGES == shown
    if opened:
        at.switch_page(opened).run()  # as if the URL were typed
        assert any(refusal in t for t in texts(at.error)), texts(at.error)
        assert not at.file_uploader and not at.dataframe  # st.stop: nothing of the page rendered
    else:
        page(at, "pages/admin.py")
        users = at.dataframe[0].value
        assert set(users["Tên đăng nhập"]) == {"quantri", "lan", "tinh", "xem"}
        assert "Đăng nhập" in set(at.dataframe[1].value["Hành động"])


def test_admin_adds_and_disables_a_user_and_it_is_audited(site):
    at = page(open_app("quantri"), "pages/admin.py")
    form_name = next(t for t in at.text_input if t.label == "Tên tài khoản mới")
    form_name.input("moi")
    next(t for t in at.text_input if t.label == "Mật khẩu ban đầu").input("mat-khau-moi-123")
    button(at, "Thêm tài khoản").click().run()
    assert "Đã thêm tài khoản moi." in texts(at.success)
    assert auth.login(site, "moi", "mat-khau-moi-123").ok
    at.selectbox(key="admin_edit_who").select("moi").run()
    next(c for c in at.checkbox if c.label == "Khóa tài khoản").check()
    button(at, "Lưu thay đổi").click().run()
    assert auth.get_account(site, "moi").disabled
    actions = {e["action"] for e in recent_events(site) if e["detail"].get("user") == "moi"}
    assert {"user_add", "user_disable"} <= actions


def test_logout_and_failed_login_in_the_sidebar(site):
    at = open_app()
    at.text_input(key="auth_username").input("lan")
    at.text_input(key="auth_password").input("sai-mat-khau")
    button(at, "Đăng nhập").click().run()
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in texts(at.error)
    at = open_app("lan")
    button(at, "Đăng xuất").click().run()
    assert not any("lan" in c for c in texts(at.sidebar.caption))
    assert [e["action"] for e in recent_events(site)][:3] == ["logout", "login", "login_failed"]


def test_viewing_can_require_a_login(site, monkeypatch, nav):
    monkeypatch.setenv("DVK_VIEW_REQUIRES_LOGIN", "1")
    open_app()
    visible, _ = titles(nav)
    assert "Tổng quan" not in visible
    open_app("xem")
    assert "Tổng quan" in titles(nav)[0]


def test_openid_connect_accounts_come_from_st_user(site, monkeypatch, nav):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("DVK_AUTH_MODE", "oidc")

    def visit(**claims):
        at = AppTest.from_file(APP, default_timeout=60)
        at.user = {"is_logged_in": True, "iss": "https://id.example.gov.vn", **claims}
        return at.run()
    known = visit(sub="s-lan", email="lan", email_verified=True)
    assert "Tải lên" in titles(nav)[0] and any("lan" in t for t in texts(known.sidebar.caption))
    renamed = visit(sub="s-lan", email="lan.moi@example.com", email_verified=True)  # bound: the subject counts
    assert "Tải lên" in titles(nav)[0] and any("lan" in t for t in texts(renamed.sidebar.caption))
    for claims, refusal in [({"sub": "s-khac", "email": "lan", "email_verified": True}, "danh tính đăng nhập khác"),
                            ({"sub": "s-xem", "email": "xem", "email_verified": False}, "chưa được nhà cung cấp"),
                            ({"sub": "s-la", "email": "ai-do@example.com", "email_verified": True},
                             "chưa được cấp quyền")]:
        stranger = visit(**claims)
        assert "Tải lên" not in titles(nav)[0]
        assert any(refusal in t for t in texts(stranger.warning)), texts(stranger.warning)
        assert not any(t.label == "Tên đăng nhập" for t in stranger.text_input)  # no local password form


def test_exported_audit_cells_cannot_run_as_formulas(site):
    import pandas as pd

    import ui.auth
    import ui.tables
    frame = pd.DataFrame({"Người thực hiện": ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "lan"]})
    out = ui.tables.export_frame(frame, {"Người thực hiện": "Người thực hiện"})["Người thực hiện"].tolist()
    assert out == ["'=HYPERLINK(\"http://x\")", "'+1", "'-1", "'@SUM(A1)", "lan"]


def test_hostile_files_uploaded_together_are_each_refused_without_traceback(site):
    from tests.hostile.corpus import CORPUS
    names = ["rong_0_byte.xlsx", "pdf_doi_ten.xlsx", "bom_nen.xlsx", "xxe_trang_tinh.xlsx", "co_mat_khau.xlsx",
             "bang_html.xlsx", "so_am.xlsx", "macro_doi_ten.xlsx", "binh_luan_chua_the_f.xlsx"]
    at = page(open_app("tinh"), "pages/upload.py")
    before = warehouse_checksum(site)
    upload(at, *[(name, CORPUS[name][0]()) for name in names])
    refusals = [t for t in texts(at.error) if t.startswith("Tệp bị từ chối")]
    assert len(refusals) == len(names) and not at.exception
    assert button(at, "Xác nhận nạp").disabled
    full = " ".join(t.value for t in at.text)
    assert "DOCTYPE" in full and "Sổ làm việc Excel (*.xlsx)" in full   # each names what to do
    assert warehouse_checksum(site) == before


def test_more_files_than_allowed_are_refused_before_any_is_read(site, monkeypatch):
    monkeypatch.setenv("DVK_UPLOAD_MAX_FILES", "2")
    at = page(open_app("tinh"), "pages/upload.py")
    before = warehouse_checksum(site)
    upload(at, ("a.xlsx", FIRST), ("b.xlsx", REVISED), ("c.xlsx", FIRST))
    assert any("Đã chọn 3 tệp" in t and "giới hạn 2 tệp" in t for t in texts(at.error)), texts(at.error)
    assert not any(b.label == "Xác nhận nạp" for b in at.button) and not at.dataframe
    upload(at, ("a.xlsx", FIRST), ("b.xlsx", REVISED))
    assert button(at, "Xác nhận nạp") and not any("giới hạn 2 tệp" in t for t in texts(at.error))
    assert warehouse_checksum(site) == before


def test_a_fresh_installation_says_how_to_create_the_first_admin(sqlite_engine, monkeypatch, nav):
    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DVK_DEMO_AUTOLOAD", "0")
    at = open_app()
    assert any("users add TÊN --role admin" in i.value for i in at.sidebar.info)
    auth.add_user(sqlite_engine, "quantri", "admin", password=PASSWORD)
    at = open_app()
    assert not any("users add" in i.value for i in at.sidebar.info)


@pytest.mark.parametrize("sent, token", [("abc-_123", "abc-_123"), (None, ""), (MagicMock(), ""), (42, "")])
def test_only_a_string_cookie_is_a_session_token(sent, token, monkeypatch):
    """AppTest's context hands back a MagicMock for any cookie; only a str may reach etl.accounts.auth."""
    import ui.auth
    fake = SimpleNamespace(context=SimpleNamespace(cookies={ui.auth.COOKIE: sent}))
    monkeypatch.setattr(ui.auth, "st", fake)
    assert ui.auth.browser_cookie() == token


def test_audit_log_names_command_line_changes_in_words(site):
    auth.add_user(site, "cli-made", "viewer", password=PASSWORD, by="cli:root")
    at = open_app()
    at.text_input(key="auth_username").input("cli:root")  # typed by someone, not the command line
    at.text_input(key="auth_password").input("doan-bua-thoi")
    button(at, "Đăng nhập").click().run()
    at = page(open_app("quantri"), "pages/admin.py")
    shown = [df.value for df in at.dataframe if "Người thực hiện" in df.value.columns]
    actors = list(shown[0]["Người thực hiện"])
    assert actors.count("dòng lệnh (root)") == 1  # the add_user above, not the typed name
    assert "(tên đăng nhập không có trong hệ thống)" in actors


def test_confirm_loads_what_was_previewed_or_previews_again(site):
    """Someone loads between the preview and the click: nothing is written, the page says so and
    shows the new comparison; the next click loads what it now shows."""
    at = page(open_app("quantri"), "pages/upload.py")
    upload(at, ("bieu_quy2_sua.xlsx", REVISED))
    assert "3 giá trị thêm mới" not in texts(at.success)[0]   # 6 new values when previewed
    load_file(site, FIRST, "nguoi_khac.xlsx", user="tinh")
    before = facts(site)
    button(at, "Xác nhận nạp").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("đã thay đổi từ lúc xem trước" in t for t in texts(at.warning)), texts(at.warning)
    assert facts(site) == before
    assert "2 giá trị thêm mới, 1 giá trị thay đổi" in texts(at.success)[0]   # the new comparison
    button(at, "Xác nhận nạp").click().run()
    assert any("đã nạp lô #2" in t for t in texts(at.success)), texts(at.success)
    assert facts(site) == AFTER_REVISED


def test_history_page_shows_a_scoped_uploader_only_their_share(site):
    from etl.warehouse.load import load_file
    assert load_file(site, FIRST, "hai_huyen.xlsx", user="tinh").status == "loaded"  # Yên Định + Nông Cống
    assert load_file(site, consolidated_workbook([("Huyện Thọ Xuân", {"conferences": 7})]), "tho_xuan.xlsx",
                     user="tinh").status == "loaded"
    at = page(open_app("lan"), "pages/history.py")  # lan: Yên Định only
    assert list(at.dataframe[0].value["Tệp"]) == ["hai_huyen.xlsx"]
    assert not at.get("download_button")  # Nông Cống's figures are in it too
    assert any("ngoài phạm vi đơn vị" in c for c in texts(at.caption))
    at = page(open_app("quantri"), "pages/history.py")
    assert set(at.dataframe[0].value["Tệp"]) == {"hai_huyen.xlsx", "tho_xuan.xlsx"}
    assert at.get("download_button")


def _unsure(rows, period="QUÝ II NĂM 2024"):
    """A sheet whose 'Lượt người' column may be a conference's or a training's participants."""
    return consolidated_workbook(rows, period, headers="flat",
                                 codes=("documents_issued", "conference_participants", "conferences"),
                                 header_text={"conference_participants": "Lượt người"})


def column_question(at, header: str):
    return next((s for s in at.selectbox if s.label.startswith(f"Cột “{header}”")), None)


def test_an_unsure_column_is_asked_learned_on_confirm_and_asked_again_once_removed(both_site):
    from etl.catalog import aliases
    site = both_site
    at = page(open_app("quantri"), "pages/upload.py")
    upload(at, ("cum_1.xlsx", _unsure([("Huyện Yên Định", {"documents_issued": 2, "conferences": 3,
                                                           "conference_participants": 120})])))
    assert texts(at.error)[0].startswith("Tệp bị từ chối")
    question = column_question(at, "Lượt người")
    assert question.label == "Cột “Lượt người” (Biểu 01, ô D4)" and question.value is None
    assert question.options[:2] == ["Lượt người tham dự hội nghị (93 điểm)", "Lượt người tập huấn (84 điểm)"]
    assert question.options[-1] == "Không nạp cột này"
    assert button(at, "Xác nhận nạp").disabled
    question.select("conference_participants").run()
    assert "Sẵn sàng nạp · Quý II/2024: 3 giá trị thêm mới" in texts(at.success)[0]
    assert any("Cột “Lượt người” (Biểu 01, ô D4) → Lượt người tham dự hội nghị (theo lựa chọn)" in t.value
               for t in at.text)
    assert aliases.learned(site) == {}                       # nothing learned before the confirmation
    button(at, "Xác nhận nạp").click().run()
    assert facts(site)[("394", "conference_participants")] == 120
    assert aliases.learned(site) == {"luot nguoi": "conference_participants"}

    upload(at, ("cum_2.xlsx", _unsure([("Huyện Hà Trung", {"documents_issued": 1, "conferences": 1,
                                                           "conference_participants": 30})])))
    assert column_question(at, "Lượt người") is None        # the next file: no question
    assert any("(đã học từ lần nạp trước)" in t.value for t in at.text)
    button(at, "Xác nhận nạp").click().run()
    assert facts(site)[("392", "conference_participants")] == 30

    page(at, "pages/admin.py")
    learned = next(df.value for df in at.dataframe if "Tên cột" in df.value.columns)
    assert learned[["Tên cột", "Chỉ tiêu", "Người dạy"]].values.tolist() == [
        ["Lượt người", "Lượt người tham dự hội nghị", "quantri"]]
    button(at, "Xóa tên cột đã học").click().run()
    assert "Đã xóa tên cột đã học “Lượt người”." in texts(at.success)
    assert aliases.learned(site) == {}

    page(at, "pages/upload.py")
    upload(at, ("cum_3.xlsx", _unsure([("Huyện Thọ Xuân", {"documents_issued": 1, "conferences": 2,
                                                           "conference_participants": 50})], "QUÝ III NĂM 2024")))
    assert column_question(at, "Lượt người") is not None     # asked again
    assert ("395", "conference_participants") not in facts(site)
    actions = [e["action"] for e in recent_events(site)]
    assert "alias_learn" in actions and "alias_remove" in actions
