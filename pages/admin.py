"""Quản trị (admins only): accounts (add, change role and units, lock, reset password), the column
names learned while uploading (list, remove) and the audit log of every load, undo, login, failed
login, user change and learned alias."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import ui.auth
import ui.data
import ui.tables
from etl.accounts import auth
from etl.accounts.audit import actor_label, recent_events
from etl.accounts.passwords import MIN_PASSWORD
from etl.catalog import aliases
from etl.periods import PeriodError, parse_period
from etl.warehouse.batches import fmt_time

ACTIONS = {"load": "Nạp số liệu", "undo": "Hoàn tác", "login": "Đăng nhập", "login_failed": "Đăng nhập sai",
           "login_throttled": "Đăng nhập bị tạm chặn", "logout": "Đăng xuất", "user_add": "Thêm tài khoản",
           "user_disable": "Khóa tài khoản", "user_passwd": "Đổi mật khẩu", "user_change": "Sửa tài khoản",
           "user_unlock": "Mở khóa đăng nhập", "oidc_bind": "Gắn tài khoản với danh tính đăng nhập",
           "alias_learn": "Học tên cột", "alias_add": "Thêm tên cột", "alias_remove": "Xóa tên cột đã học"}


DETAIL_KEYS = {"batch_id": "lô", "file": "tệp", "period": "kỳ", "rows_added": "thêm mới",
               "rows_changed": "thay đổi", "rows_unchanged": "không đổi", "restored": "khôi phục",
               "removed": "xóa", "user": "tài khoản", "role": "vai trò", "unit_codes": "đơn vị",
               "units": "đơn vị", "disabled": "khóa", "reason": "lý do", "wait_seconds": "phải chờ (giây)",
               "method": "cách đăng nhập", "address": "địa chỉ", "attempts": "lần sai đã xóa",
               "issuer": "nhà cung cấp đăng nhập", "header": "tên cột", "indicator": "chỉ tiêu",
               "previous": "chỉ tiêu trước đó"}
REASONS = {"password": "sai tên hoặc mật khẩu", "disabled": "tài khoản đã bị khóa",
           "oidc_other_subject": "e-mail đã gắn với danh tính đăng nhập khác"}
PASSWORD_HELP = (f"Ít nhất {MIN_PASSWORD} ký tự, không phải mật khẩu phổ biến; nên dùng một câu ngắn "
                 "dễ nhớ với người dùng nhưng khó đoán.")


def period_label(spec) -> str:
    try:
        return parse_period(str(spec)).label
    except PeriodError:
        return str(spec)


def describe_detail(detail: dict) -> str:
    """{'batch_id': 3, 'file': 'a.xlsx'} -> 'lô: 3 · tệp: a.xlsx' (plain text, shown in a table)."""
    parts = []
    for key, value in detail.items():
        if key == "reason":
            value = REASONS.get(value, value)
        elif key == "role":
            value = auth.ROLE_LABELS.get(value, value)
        elif key == "period":
            value = period_label(value)
        elif isinstance(value, bool):
            value = "có" if value else "không"
        parts.append(f"{DETAIL_KEYS.get(key, key)}: {value if value not in ('', None) else '—'}")
    return " · ".join(parts)


def accounts_frame(accounts: list[auth.Account]) -> pd.DataFrame:
    return pd.DataFrame([{"Tên đăng nhập": a.username, "Vai trò": a.role_label,
                          "Đơn vị": ui.auth.scope_label(a) if a.role != "viewer" else "—",
                          "Trạng thái": "Đã khóa" if a.disabled else "Hoạt động",
                          "Ngày tạo": fmt_time(a.created_at)} for a in accounts])


def unit_choices() -> dict[str, str]:
    """unit code -> 'name (code)' for the unit pickers (two communes may share a name)."""
    return {code: f"{name} ({code})" for code, name in ui.data.unit_names().items()}


def add_form(engine, me: auth.Account) -> None:
    names = unit_choices()
    with st.form("admin_add", clear_on_submit=True):
        st.markdown("**Thêm tài khoản**")
        name = st.text_input("Tên tài khoản mới", help="Chữ không dấu, số và . _ @ -")
        role = st.selectbox("Vai trò", auth.ROLES, index=1, format_func=auth.ROLE_LABELS.get)
        units = st.multiselect("Đơn vị được nạp (để trống = toàn tỉnh)", list(names), format_func=names.get,
                               placeholder="Chọn đơn vị")
        password = st.text_input("Mật khẩu ban đầu", type="password", help=PASSWORD_HELP)
        if st.form_submit_button("Thêm tài khoản", type="primary"):
            _apply(lambda: auth.add_user(engine, name, role, units=units, password=password, by=me.username),
                   f"Đã thêm tài khoản {name.strip().lower()}.")


def edit_form(engine, me: auth.Account, accounts: list[auth.Account]) -> None:
    if not accounts:
        return
    names = unit_choices()
    by_name = {a.username: a for a in accounts}
    who = st.selectbox("Sửa tài khoản", list(by_name), key="admin_edit_who")
    a = by_name[who]
    with st.form(f"admin_edit_{who}"):
        role = st.selectbox("Vai trò", auth.ROLES, index=auth.ROLES.index(a.role),
                            format_func=auth.ROLE_LABELS.get)
        units = st.multiselect("Đơn vị được nạp (để trống = toàn tỉnh)", list(names),
                               default=[u for u in a.units if u in names], format_func=names.get,
                               placeholder="Chọn đơn vị")
        disabled = st.checkbox("Khóa tài khoản", value=a.disabled)
        password = st.text_input("Mật khẩu mới (để trống nếu không đổi)", type="password", help=PASSWORD_HELP)
        if st.form_submit_button("Lưu thay đổi"):
            if who == me.username and (disabled or role != "admin"):
                st.error("Không thể tự khóa hoặc tự bỏ quyền quản trị của chính mình.")
                return

            def change():
                auth.update_user(engine, who, role=role, units=units if role == "uploader" else [],
                                 disabled=disabled, by=me.username)
                if password:
                    auth.set_password(engine, who, password, by=me.username)
            _apply(change, f"Đã lưu tài khoản {who}.")


def _apply(action, done: str) -> None:
    try:
        action()
    except (auth.AuthError, aliases.AliasError) as exc:
        st.error(ui.auth.md_escape(exc))
        return
    st.session_state["_admin_done"] = done
    st.rerun()


def actor(username: str) -> str:
    """'cli:root' (a change made on the server's command line) -> 'dòng lệnh (root)'."""
    return actor_label(username)


def audit_frame(events: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"Thời gian": fmt_time(e["at"]), "Người thực hiện": actor(e["username"] or ""),
                          "Hành động": ACTIONS.get(e["action"], e["action"]),
                          "Chi tiết": describe_detail(e["detail"]) if isinstance(e["detail"], dict) else ""}
                         for e in events], columns=["Thời gian", "Người thực hiện", "Hành động", "Chi tiết"])


def aliases_frame(rows: list[aliases.AliasInfo]) -> pd.DataFrame:
    labels = ui.data.labels()
    return pd.DataFrame([{"Số": a.id, "Tên cột": a.header, "Chỉ tiêu": labels.get(a.indicator_code, a.indicator_code),
                          "Người dạy": actor(a.created_by), "Thời gian": fmt_time(a.created_at),
                          "Lô": f"#{a.batch_id}" if a.batch_id else "—"} for a in rows],
                        columns=["Số", "Tên cột", "Chỉ tiêu", "Người dạy", "Thời gian", "Lô"])


def aliases_section(engine, me: auth.Account) -> None:
    """Column names users mapped while uploading: the next file with such a header loads without a
    question. Removing one brings the question back."""
    rows = aliases.list_aliases(engine)
    st.caption("Tên cột người nạp đã chọn chỉ tiêu khi tải lên; tệp sau có cột cùng tên được nạp không cần hỏi lại. "
               "Danh mục gốc vẫn là data/indicators.csv.")
    if not rows:
        st.info("Chưa có tên cột nào được học.")
        return
    st.dataframe(aliases_frame(rows), hide_index=True, width="stretch")
    by_id = {a.id: a for a in rows}
    chosen = st.selectbox("Tên cột cần xóa", list(by_id), key="admin_alias_pick",
                          format_func=lambda i: f"#{i} · {by_id[i].header}")
    if st.button("Xóa tên cột đã học", key="admin_alias_remove"):
        _apply(lambda: aliases.remove_alias(engine, str(chosen), me.username),
               f"Đã xóa tên cột đã học “{by_id[chosen].header}”.")


def main() -> None:
    me = ui.auth.require_role("admin")
    engine = ui.data.engine()
    st.title("Quản trị")
    if "_admin_done" in st.session_state:
        st.success(st.session_state.pop("_admin_done"))
    users_tab, aliases_tab, audit_tab = st.tabs(["Tài khoản", "Tên cột đã học", "Nhật ký hoạt động"])
    with users_tab:
        accounts = auth.list_accounts(engine)
        st.dataframe(accounts_frame(accounts), hide_index=True, width="stretch")
        left, right = st.columns(2)
        with left:
            add_form(engine, me)
        with right:
            edit_form(engine, me, accounts)
    with aliases_tab:
        aliases_section(engine, me)
    with audit_tab:
        events = recent_events(engine, limit=1000)
        kinds = st.multiselect("Lọc theo hành động", list(ACTIONS), format_func=ACTIONS.get, key="admin_kinds",
                               placeholder="Tất cả hành động")
        shown = audit_frame([e for e in events if not kinds or e["action"] in kinds])
        st.caption(f"{len(shown)} sự kiện gần nhất (tối đa 1.000), mới nhất trước.")
        st.dataframe(shown, hide_index=True, width="stretch", height="auto" if len(shown) <= 15 else 560)
        ui.tables.downloads(shown, {c: c for c in shown.columns}, "nhat-ky-hoat-dong")


main()
