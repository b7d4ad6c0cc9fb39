"""Tải lên: one or more spreadsheets (.xlsx, .xls, .ods) or written reports (.docx) -> a dry run per file
(added / changed / unchanged, problems; a select per column the reader could not map surely; a tick box
per figure read from a report's sentences) -> "Xác nhận nạp" loads them with the choices (kept as
learned aliases) and the ticked figures. Same functions as the CLI (etl.warehouse.load)."""
from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import streamlit as st

import ui.auth
import ui.data
from etl.accounts import auth
from etl.catalog.template import template_bytes, template_file_name
from etl.config import get_settings
from etl.periods import Period, parse_period, periods_between, quarter
from etl.problems import sort_problems
from etl.queries.versions import data_version
from etl.reading.numbers import fmt_int
from etl.reading.safety import check_file_count
from etl.warehouse.batches import WarehouseBusy, fmt_time
from etl.warehouse.load import FileResult, load_file, preview_file
from ui.mapping import ask_columns, mapped_note
from ui.text_figures import ask_text_figures

FIRST_YEAR = 2020
KIND_LABELS = {"added": "Thêm mới", "changed": "Thay đổi", "unchanged": "Không đổi"}
KIND_COLOURS = {"added": "background-color: #e3f2e6", "changed": "background-color: #fff1c2; font-weight: 600"}
AUTO = "auto"
MOVED = ("chưa nạp: kho dữ liệu đã thay đổi từ lúc xem trước (có người vừa nạp hoặc hoàn tác số liệu). "
         "Bảng so sánh bên dưới đã được tính lại; hãy xem lại rồi bấm “Xác nhận nạp” lần nữa.")


def periods_newest_first() -> list[str]:
    """Quarters and cumulative periods (6 tháng, 9 tháng, năm) whose last month has begun, newest
    end first and, for one end, the longer period first (Năm before 6 tháng cuối năm, Quý IV)."""
    today = date.today()
    last = quarter(today.year, (today.month - 1) // 3 + 1)
    quarters = periods_between(quarter(FIRST_YEAR, 1), last)
    periods = [p for q in quarters for p in [q, *(Period(q.year, k) for k in ENDING_WITH.get(q.quarter, ()))]]
    return [p.spec for p in sorted(periods, key=lambda p: (p.end, len(p.indexes)), reverse=True)]


ENDING_WITH = {2: ("H1",), 3: ("9M",), 4: ("H2", "Y")}  # cumulative periods ending with each quarter


def template_section(engine) -> None:
    with st.expander("Biểu mẫu chuẩn (tải về để điền)", expanded=False):
        options = periods_newest_first()
        newest_quarter = next(i for i, spec in enumerate(options) if "-Q" in spec)
        spec = st.selectbox("Kỳ của biểu mẫu", options, index=newest_quarter, key="tpl_period",
                            format_func=lambda s: parse_period(s).label)
        period = parse_period(spec)
        st.download_button("⬇ Tải biểu mẫu .xlsx", lambda: template_bytes(engine, period),
                           file_name=template_file_name(period), on_click="ignore", key="tpl_download",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        st.caption("Biểu mẫu có sẵn tên các đơn vị của kỳ đã chọn; điền số nguyên, để trống ô không có số liệu. "
                   "Đơn vị báo cáo lũy kế (6 tháng, 9 tháng, cả năm) chọn đúng kỳ đó và ghi số của cả kỳ.")


def preview(engine, name: str, data: bytes, period_spec: str, account: auth.Account, scope,
            mappings: dict | None = None, accepted: frozenset = frozenset()) -> FileResult:
    """Dry run of one file, remembered for this data version so reruns do not re-read it."""
    period = None if period_spec == AUTO else parse_period(period_spec)
    key = ("upl_preview", hashlib.sha256(data).hexdigest(), name, period_spec, account.username,
           data_version(engine), tuple(sorted((mappings or {}).items(), key=str)), tuple(sorted(accepted)))
    cache = st.session_state.setdefault("_upl_cache", {})
    if key not in cache:
        if len(cache) > 8:  # the previews of this page's files, with and without choices
            cache.clear()
        with st.status(f"Đang đọc tệp {ui.auth.md_escape(name)} …", expanded=False) as status:
            cache[key] = preview_file(engine, data, name, period=period, user=account.username,
                                      allowed_units=scope, mappings=mappings or None,
                                      accept_text_figures=accepted or None)
            status.update(label=f"Đã đọc tệp {ui.auth.md_escape(name)}", state="complete")
    return cache[key]


# The message and what to do get the room; sheet and cell stay narrow.
PROBLEM_COLUMNS = {"Mức độ": st.column_config.TextColumn(width=70),
                   "Trang tính": st.column_config.TextColumn(width=110),
                   "Ô": st.column_config.TextColumn(width=90),
                   "Nội dung": st.column_config.TextColumn(width=460),
                   "Cách sửa": st.column_config.TextColumn(width=460)}


def problems_in_full(result: FileResult, shown: int = 30) -> None:
    """Each problem as a whole sentence (the grid cuts long text): where, what, what to do."""
    problems = sort_problems(result.problems)
    with st.expander("Đọc đầy đủ từng vấn đề", expanded=len(problems) <= 15):
        for p in problems[:shown]:  # st.text: file text is never parsed as Markdown or HTML
            where = " · ".join(x for x in (p.sheet, p.cell) if x) or "Tệp"
            st.text(f"• {where} — {p.message}\n   Cách sửa: {p.hint}")
        if len(problems) > shown:
            st.caption(f"… và {fmt_int(len(problems) - shown)} vấn đề khác (xem bảng ở trên).")


def problems_frame(result: FileResult) -> pd.DataFrame:
    rows = [{"Mức độ": "Lỗi" if p.is_error else "Lưu ý", "Trang tính": p.sheet, "Ô": p.cell or (
        f"dòng {p.row}" if p.row else ""), "Nội dung": p.message, "Cách sửa": p.hint}
        for p in sort_problems(result.problems)]
    return pd.DataFrame(rows, columns=["Mức độ", "Trang tính", "Ô", "Nội dung", "Cách sửa"])


def changes_frame(result: FileResult) -> pd.DataFrame:
    names = ui.data.labels()
    order = {"changed": 0, "added": 1, "unchanged": 2}
    rows = sorted(result.changes, key=lambda c: order[c.kind])
    return pd.DataFrame([{"Đơn vị": c.unit_name, "Chỉ tiêu": names.get(c.indicator_code, c.indicator_code),
                          "Giá trị cũ": "—" if c.old is None else fmt_int(c.old),
                          "Giá trị mới": fmt_int(c.new), "Loại": KIND_LABELS[c.kind]} for c in rows],
                        columns=["Đơn vị", "Chỉ tiêu", "Giá trị cũ", "Giá trị mới", "Loại"])


def _highlight(row: pd.Series) -> list[str]:
    kind = {v: k for k, v in KIND_LABELS.items()}.get(row["Loại"], "")
    return [KIND_COLOURS.get(kind, "")] * len(row)


def period_key(index: int, name: str) -> str:
    return f"upl_period_{st.session_state.get('_upl_round', 0)}_{index}_{name}"


def period_choice(index: int, name: str, result: FileResult) -> str:
    """The file's period: as detected from its title, or picked here (editable)."""
    chosen = st.session_state.get(period_key(index, name), AUTO)
    detected = result.period.label if chosen == AUTO and result.period else None
    auto_label = f"Theo tiêu đề tệp ({detected})" if detected else "Theo tiêu đề tệp (chưa xác định)"
    return st.selectbox(f"Kỳ báo cáo của tệp {index + 1}", [AUTO, *periods_newest_first()],
                        key=period_key(index, name),
                        format_func=lambda s: auto_label if s == AUTO else parse_period(s).label,
                        help="Kỳ được đọc từ dòng tiêu đề (ví dụ \"QUÝ II NĂM 2024\"). "
                             "Chọn kỳ khác nếu tiêu đề không ghi kỳ.")


def show_result(result: FileResult, scope: set[str] | None = None, account=None) -> None:
    """The file's verdict, its problems and the table of what would change; who loaded an identical
    file before is named only to those who may see that batch (admins, province-wide uploaders, the
    uploader themself)."""
    errors = [p for p in result.problems if p.is_error]
    period = f" · {result.period.label}" if result.period else ""
    if result.status == "rejected":
        st.error(f"Tệp bị từ chối ({len(errors)} lỗi){period}. Sửa các lỗi dưới đây rồi tải lại; "
                 "chưa có số liệu nào được nạp.")
    elif result.previous is not None and (scope is None or result.previous.uploaded_by == account.username):
        prev = result.previous
        who = f" bởi {ui.auth.md_escape(prev.uploaded_by)}" if prev.uploaded_by else ""
        st.info(f"Tệp này đã được nạp lúc {fmt_time(prev.created_at)}{who} (lô #{prev.id}, "
                f"{prev.period_label}). Không có gì để nạp lại.")
    elif result.previous is not None:
        st.info("Tệp này đã được nạp trước đây. Không có gì để nạp lại.")
    elif result.status == "unchanged":
        st.info(f"Mọi giá trị trong tệp đã có trong kho{period}: không có gì thay đổi.")
    elif not result.changes:  # a report whose figures are all in sentences, none ticked yet
        st.info(f"Văn bản có {fmt_int(len(result.text_figures))} số liệu trong câu văn{period}: đánh dấu các "
                "số đúng ở trên rồi bấm “Xác nhận nạp”.")
    else:
        st.success(f"Sẵn sàng nạp{period}: {fmt_int(result.rows_added)} giá trị thêm mới, "
                   f"{fmt_int(result.rows_changed)} giá trị thay đổi, "
                   f"{fmt_int(result.rows_unchanged)} giá trị không đổi.")
    mapped_note(result)
    if result.problems:
        st.markdown("**Các vấn đề trong tệp** (lỗi trước, lưu ý sau)")
        st.dataframe(problems_frame(result), hide_index=True, width="stretch", column_config=PROBLEM_COLUMNS)
        problems_in_full(result)
    if result.changes:
        frame = changes_frame(result)
        st.markdown("**Số liệu sẽ nạp** (ô vàng: thay đổi cũ → mới; ô xanh: thêm mới)")
        st.dataframe(frame.style.apply(_highlight, axis=1), hide_index=True, width="stretch",
                     height="auto" if len(frame) <= 10 else 420)


def show_done() -> None:
    for name, status, text in st.session_state.pop("_upl_done", []):
        getattr(st, {"loaded": "success", "unchanged": "info", "moved": "warning"}.get(status, "error"))(
            f"{ui.auth.md_escape(name)}: {ui.auth.md_escape(text)}")


def commit(engine, files, account, scope, shown: dict) -> None:
    """Load each previewed file, exactly as its preview showed it (`shown`: the fingerprints the user
    saw on the previous run; the click's own run may already have re-read a moved warehouse)."""
    done = []
    for name, data, spec, mappings, accepted in files:
        expect = shown.get(shown_key(name, data, spec, mappings, accepted))
        if expect is None:  # refused or unchanged when shown: nothing to load
            continue
        try:
            with st.spinner(f"Đang nạp {ui.auth.md_escape(name)} …"):
                result = load_file(engine, data, name, period=None if spec == AUTO else parse_period(spec),
                                   user=account.username, allowed_units=scope, expect=expect,
                                   mappings=mappings or None, accept_text_figures=accepted or None)
        except WarehouseBusy as busy:  # locked or unreachable beyond the retries: nothing loaded
            done.append((name, "rejected", str(busy)))
            continue
        if result.moved:
            done.append((name, "moved", MOVED))
            continue
        if result.status == "loaded":
            text = (f"đã nạp lô #{result.batch_id} ({result.period.label}): {fmt_int(result.rows_added)} "
                    f"thêm mới, {fmt_int(result.rows_changed)} thay đổi. Có thể hoàn tác ở trang Lịch sử nạp.")
        elif result.status == "unchanged":
            text = "không có gì thay đổi (số liệu đã có trong kho)."
        else:
            text = "bị từ chối khi nạp: " + "; ".join(p.message for p in result.problems if p.is_error)[:500]
        done.append((name, result.status, text))
    st.session_state["_upl_done"] = done
    if not any(status == "moved" for _n, status, _t in done):  # keep the files to preview them again
        st.session_state["_upl_round"] = st.session_state.get("_upl_round", 0) + 1  # empties the uploader
    st.session_state.pop("_upl_cache", None)
    st.rerun()


def shown_key(name: str, data: bytes, spec: str, mappings: dict | None, accepted: frozenset = frozenset()) -> tuple:
    return name, hashlib.sha256(data).hexdigest(), spec, tuple(sorted((mappings or {}).items())), tuple(sorted(accepted))


def main() -> None:
    account = ui.auth.require_role("upload")
    engine = ui.data.engine()
    scope = auth.allowed_units(engine, account)
    st.title("Tải lên số liệu")
    st.caption(f"Tài khoản {account.username} được nạp số liệu của {ui.auth.scope_label(account)}. "
               "Mỗi tệp được đọc và kiểm tra "
               "trước; số liệu chỉ vào kho khi bấm “Xác nhận nạp”.")
    show_done()
    template_section(engine)
    uploaded = st.file_uploader("Chọn một hoặc nhiều bảng tính (.xlsx, .xls, .ods) hoặc báo cáo Word (.docx)",
                                type=["xlsx", "xls", "ods", "docx"],
                                accept_multiple_files=True, max_upload_size=get_settings().upload_max_mb,
                                key=f"upl_files_{st.session_state.get('_upl_round', 0)}")
    if not uploaded:
        st.info("Chưa chọn tệp nào. Kéo thả tệp .xlsx, .xls, .ods hoặc báo cáo .docx vào ô trên, hoặc tải biểu "
                "mẫu chuẩn để điền.")
        return
    too_many = check_file_count(len(uploaded))  # refused before any file is read
    if too_many:
        st.error(f"{too_many[0].message} {too_many[0].hint}")
        return
    files, results = [], []
    shown = st.session_state.get("_upl_shown", {})   # what the previous run showed
    st.session_state["_upl_shown"] = now_shown = {}
    bar = st.progress(0.0, text="Đang đọc các tệp …") if len(uploaded) > 1 else None
    for i, f in enumerate(uploaded):
        data = f.getvalue()
        with st.container(border=True):
            st.subheader(f"Tệp {i + 1}: {ui.auth.md_escape(f.name)}")
            slot = st.container()  # the period box sits above the result it depends on
            spec = st.session_state.get(period_key(i, f.name), AUTO)
            result = preview(engine, f.name, data, spec, account, scope)
            with slot:
                period_choice(i, f.name, result)
            mappings = ask_columns(i, result)
            accepted = ask_text_figures(i, result)
            if mappings or accepted:  # the preview with the user's choices (the questions stay, to change them)
                result = preview(engine, f.name, data, spec, account, scope, mappings, accepted)
            show_result(result, scope, account)
        files.append((f.name, data, spec, mappings, accepted))
        results.append(result)
        if result.status == "preview" and result.fingerprint:
            now_shown[shown_key(f.name, data, spec, mappings, accepted)] = result.fingerprint
        if bar is not None:
            bar.progress((i + 1) / len(uploaded), text=f"Đã đọc {i + 1}/{len(uploaded)} tệp")
    ready = [r for r in results if r.status == "preview" and r.fingerprint]
    if any(r.status == "rejected" for r in results) and ready:
        st.warning("Các tệp bị từ chối sẽ không được nạp; chỉ nạp các tệp hợp lệ.")
    if st.button("Xác nhận nạp", type="primary", disabled=not ready, key="upl_confirm"):
        commit(engine, files, account, scope, shown)


main()
