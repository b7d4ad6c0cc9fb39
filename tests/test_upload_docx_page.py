"""AppTest of Tải lên with Word reports, through the real entry point: a narrative .docx shows each
figure read from its sentences with the sentence and a tick box; nothing loads until ticked; "Xác nhận
nạp" loads exactly the ticked figures, kept with the original document and undone like any batch; a
cluster's report (seed 001) is listed and cannot be ticked."""
from __future__ import annotations

from tests.documents import seed_document
from tests.test_docx_load import REPORT
from tests.test_upload_pages import both_site, button, facts, nav, open_app, page, site, texts, undo  # noqa: F401

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload_docx(at, name: str, data: bytes):
    at.file_uploader[0].set_value([(name, data, DOCX)]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tick(at, starts: str):
    box = next(c for c in at.checkbox if c.label.startswith(starts))
    box.check().run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_narrative_report_ticked_figures_load_on_confirm(both_site):
    site = both_site
    at = page(open_app("quantri"), "pages/upload.py")
    upload_docx(at, "bao_cao_6_thang.docx", REPORT)
    boxes = [c.label for c in at.checkbox]
    assert len(boxes) == 12 and boxes[1:3] == ["Hội nghị quán triệt, tuyên truyền: **8**",
                                               "Lượt người tham dự hội nghị: **1.250**"]
    quotes = [c.value for c in at.caption if c.value.startswith("Đoạn ")]
    assert [q.split(":")[0] for q in quotes] == ["Đoạn 8", "Đoạn 9", "Đoạn 10", "Đoạn 11", "Đoạn 11"]
    assert quotes[1].startswith("Đoạn 9: “Tổ chức 08 hội nghị quán triệt, tuyên truyền với 1.250 lượt người")
    assert any("Văn bản có 12 số liệu trong câu văn · 6 tháng đầu năm 2024" in t for t in texts(at.info))
    assert button(at, "Xác nhận nạp").disabled and facts(site) == {}

    tick(at, "Hội nghị quán triệt, tuyên truyền: **8**")
    tick(at, "Lượt người tham dự hội nghị: **1.250**")
    assert "Sẵn sàng nạp · 6 tháng đầu năm 2024: 2 giá trị thêm mới" in texts(at.success)[0]
    assert not button(at, "Xác nhận nạp").disabled and facts(site) == {}
    button(at, "Xác nhận nạp").click().run()
    assert any("đã nạp lô #1 (6 tháng đầu năm 2024)" in t for t in texts(at.success)), texts(at.success)
    assert facts(site) == {("394", "conferences"): 8, ("394", "conference_participants"): 1250}

    page(at, "pages/history.py")   # the original document is kept with its batch; undo as for any upload
    assert any(b.label == "⬇ Tải tệp gốc của lô #1" for b in at.get("download_button"))
    undo(at, 1)
    assert facts(site) == {}


def test_a_clusters_report_is_listed_without_tick_boxes_and_refused(site):
    at = page(open_app("quantri"), "pages/upload.py")
    upload_docx(at, "giao_ban_cum.docx", seed_document())
    assert len(at.checkbox) == 14 and all(c.disabled for c in at.checkbox)
    assert texts(at.error)[0].startswith("Tệp bị từ chối")
    assert sum("mâu thuẫn với đoạn" in c.value for c in at.caption) == 6   # both inspection sets
    assert button(at, "Xác nhận nạp").disabled and facts(site) == {}
