"""Lịch sử nạp: every batch the account may see (who, when, file, counts, status; a scoped uploader
only those touching their units), the original file as uploaded when allowed, and undo after a
confirmation. Undo leaves the warehouse as if the batch had never been loaded, in any order: what
other batches reported stays (etl.warehouse.undo)."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

import ui.auth
import ui.data
from etl.reading.numbers import fmt_int
from etl.warehouse.batches import STATUS_LABELS, BatchInfo, WarehouseBusy, batch_file, fmt_time, list_batches
from etl.warehouse.undo import undo_batch

ORDER_RULE = ("Hoàn tác một lô đưa kho số liệu về như khi lô đó chưa từng được nạp: số liệu mà các lô khác "
              "đã báo cáo vẫn được giữ nguyên, kể cả khi hoàn tác lô cũ trước lô mới.")


def batches_frame(batches: list[BatchInfo]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Lô": b.id, "Tệp": b.file_name, "Kỳ": b.period_label, "Người nạp": b.uploaded_by or "—",
        "Thời gian": fmt_time(b.created_at), "Thêm mới": fmt_int(b.rows_added),
        "Thay đổi": fmt_int(b.rows_changed), "Không đổi": fmt_int(b.rows_unchanged),
        "Trạng thái": STATUS_LABELS.get(b.status, b.status) + (
            f" ({fmt_time(b.undone_at)}{', ' + b.undone_by if b.undone_by else ''})" if b.status == "undone" else ""),
    } for b in batches])


MIMES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "xls": "application/vnd.ms-excel", "ods": "application/vnd.oasis.opendocument.spreadsheet",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def safe_file_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .") or "tep_tai_len.xlsx"


def may_undo(account, batch: BatchInfo) -> bool:
    """Admins undo any batch; an uploader undoes the batches they loaded themselves."""
    return account.role == "admin" or batch.uploaded_by == account.username


def show_last_undo() -> None:
    done = st.session_state.pop("_hist_result", None)
    if done is None:
        return
    ok, message = done
    if ok:
        st.success(ui.auth.md_escape(message))
    else:
        st.error(ui.auth.md_escape(message))


def batch_actions(engine, account, batch: BatchInfo) -> None:
    original = batch_file(engine, batch.id, account=account)
    if original is not None:
        st.download_button(f"⬇ Tải tệp gốc của lô #{batch.id}", original[1], key=f"hist_dl_{batch.id}",
                           file_name=safe_file_name(original[0]), on_click="ignore",
                           mime=MIMES.get(original[0].rpartition(".")[2].lower(), MIMES["xlsx"]))
    else:
        st.caption(f"Tệp gốc của lô #{batch.id} có số liệu ngoài phạm vi đơn vị của tài khoản này: chỉ "
                   "người đã nạp hoặc quản trị viên tải được.")
    if batch.status != "loaded":
        st.caption(f"Lô #{batch.id} đã được hoàn tác.")
        return
    if not may_undo(account, batch):
        st.caption("Chỉ người đã nạp lô này hoặc quản trị viên mới được hoàn tác.")
        return
    pending = st.session_state.get("_hist_pending") == batch.id
    if not pending:
        if st.button(f"Hoàn tác lô #{batch.id}", key=f"hist_undo_{batch.id}"):
            st.session_state["_hist_pending"] = batch.id
            st.rerun()
        return
    st.warning(f"Hoàn tác lô #{batch.id} ({ui.auth.md_escape(batch.file_name)}, {batch.period_label})? "
               f"Các giá trị lô này đã thêm mới ({fmt_int(batch.rows_added)}) hoặc sửa "
               f"({fmt_int(batch.rows_changed)}) sẽ trở về như trước khi nạp, trừ những giá trị mà lô khác "
               "còn hiệu lực cũng đã báo cáo.")
    yes, no, _ = st.columns([1, 1, 3])
    if yes.button("Xác nhận hoàn tác", type="primary", key=f"hist_confirm_{batch.id}"):
        try:
            result = undo_batch(engine, batch.id, user=account.username)
            st.session_state["_hist_result"] = (result.ok, result.message)
        except WarehouseBusy as busy:  # locked or unreachable beyond the retries: nothing undone
            st.session_state["_hist_result"] = (False, str(busy))
        st.session_state.pop("_hist_pending", None)
        st.rerun()
    if no.button("Hủy", key=f"hist_cancel_{batch.id}"):
        st.session_state.pop("_hist_pending", None)
        st.rerun()


def main() -> None:
    account = ui.auth.require_role("upload")
    engine = ui.data.engine()
    st.title("Lịch sử nạp")
    st.caption("Mỗi lần nạp một tệp là một lô. Có thể tải lại tệp gốc và hoàn tác một lô. " + ORDER_RULE)
    show_last_undo()
    batches = list_batches(engine, account=account)  # filtered on the server: what this account may see
    if not batches:
        st.info("Chưa có lô số liệu nào trong phạm vi của tài khoản này. Nạp tệp ở trang “Tải lên”.")
        return
    st.dataframe(batches_frame(batches), hide_index=True, width="stretch",
                 height="auto" if len(batches) <= 10 else 460)
    by_id = {b.id: b for b in batches}
    chosen = st.selectbox("Chọn lô để tải tệp gốc hoặc hoàn tác", list(by_id), key="hist_batch",
                          format_func=lambda i: f"Lô #{i} · {by_id[i].file_name} · {by_id[i].period_label}")
    batch_actions(engine, account, by_id[chosen])


main()
