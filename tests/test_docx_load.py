"""Loading Word reports (both databases): a report whose figures are only in sentences previews them,
refuses to load them unconfirmed, loads the accepted ones for its span (6 tháng), keeps the original
document with its batch and undoes exactly; conflicts between sentences, or a sentence and a table,
refuse the accept naming both; a cluster's report (seed 001) loads nothing. Plus the CLI's JSON."""
from __future__ import annotations

import json

from sqlalchemy import select

from etl.cli import main
from etl.warehouse.batches import batch_file, list_batches
from etl.warehouse.load import load_file, preview_file
from etl.warehouse.schema import Fact
from etl.warehouse.undo import undo_batch
from tests.documents import YD_HEADINGS, consolidated_table, document, form_table, seed_document
from tests.test_text_figures import HEADINGS, NARRATIVE

REPORT = document(*HEADINGS, *NARRATIVE)
LOADED = {("394", "documents_issued"): 12, ("394", "conferences"): 8, ("394", "conference_participants"): 1250,
          ("394", "trainings"): 2, ("394", "training_participants"): 180, ("394", "inspections"): 3,
          ("394", "inspected_party_orgs"): 4, ("394", "inspected_party_members"): 6, ("394", "dialogues"): 5,
          ("394", "models_registered"): 45, ("394", "models_recognized"): 27, ("394", "review_conferences"): 2}
H1_INDEX = 2024 * 4   # the facts of a 6-month report start at Quý I/2024 and span 2 quarters


def facts(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(select(Fact.unit_code, Fact.indicator_code, Fact.value, Fact.period_index, Fact.span)).all()
        return {(u, c): v for u, c, v, i, s in rows if (i, s) == (H1_INDEX, 2)} | {
            ("other", u, c): v for u, c, v, i, s in rows if (i, s) != (H1_INDEX, 2)}


def codes(result) -> list[str]:
    return [p.code for p in result.problems]


def test_a_report_whose_figures_are_only_in_sentences(engine):
    shown = preview_file(engine, REPORT, "bao_cao.docx", user="lan")
    assert (shown.status, shown.changes, shown.fingerprint) == ("preview", [], "")
    assert len(shown.text_figures) == 12 and all(not f.accepted for f in shown.text_figures)
    refused = load_file(engine, REPORT, "bao_cao.docx", user="lan")
    assert (refused.status, codes(refused)) == ("rejected", ["text_figures_need_confirmation"])
    assert "12 số liệu" in refused.problems[0].message and len(refused.text_figures) == 12
    assert facts(engine) == {} and list_batches(engine) == []

    loaded = load_file(engine, REPORT, "bao_cao.docx", user="lan", accept_text_figures=True)
    assert (loaded.status, loaded.rows_added, [p.spec for p in loaded.periods]) == ("loaded", 12, ["2024-H1"])
    assert facts(engine) == LOADED and all(f.accepted for f in loaded.text_figures)
    assert batch_file(engine, loaded.batch_id) == ("bao_cao.docx", REPORT)   # the original, kept with its batch
    assert undo_batch(engine, loaded.batch_id, user="lan").ok and facts(engine) == {}


def test_only_the_ticked_figures_load_exactly_as_their_preview_showed(engine):
    figures = preview_file(engine, REPORT, "bao_cao.docx").text_figures
    ticked = {f.key for f in figures if f.indicator in ("conferences", "conference_participants")}
    shown = preview_file(engine, REPORT, "bao_cao.docx", accept_text_figures=ticked)
    other = preview_file(engine, REPORT, "bao_cao.docx", accept_text_figures=ticked | {figures[0].key})
    assert shown.rows_added == 2 and shown.fingerprint not in ("", other.fingerprint)
    stale = load_file(engine, REPORT, "bao_cao.docx", expect=shown.fingerprint,
                      accept_text_figures=ticked | {figures[0].key})
    assert (stale.status, stale.moved) == ("preview", True) and facts(engine) == {}
    done = load_file(engine, REPORT, "bao_cao.docx", expect=shown.fingerprint, accept_text_figures=ticked)
    assert done.status == "loaded" and facts(engine) == {("394", "conferences"): 8,
                                                       ("394", "conference_participants"): 1250}
    more = load_file(engine, REPORT, "bao_cao.docx", accept_text_figures={figures[0].key})   # the same file again
    assert (more.status, more.rows_added) == ("loaded", 1) and facts(engine)[("394", "documents_issued")] == 12


def test_two_sentences_giving_one_indicator_two_values_refuse_the_accept_naming_both(engine):
    data = document(*HEADINGS, "Tổ chức 08 hội nghị quán triệt.", "Tổng cộng đã tổ chức 09 hội nghị quán triệt.")
    figures = preview_file(engine, data, "a.docx").text_figures
    assert [(f.value, len(f.competing)) for f in figures] == [(8, 1), (9, 1)]
    r = load_file(engine, data, "a.docx", accept_text_figures=True)
    assert codes(r) == ["text_figures_conflict"] and facts(engine) == {}
    message = r.problems[0].message
    assert "“Tổ chức 08 hội nghị quán triệt.”" in message and "“Tổng cộng đã tổ chức 09 hội nghị quán triệt.”" in message
    assert load_file(engine, data, "a.docx", accept_text_figures={figures[1].key}).status == "loaded"
    assert facts(engine) == {("394", "conferences"): 9}


def test_a_table_and_a_sentence_that_disagree_refuse_the_accept(engine):
    data = document(*YD_HEADINGS, "Trong quý II năm 2024, tổ chức 15 hội nghị quán triệt và ban hành 06 văn bản "
                    "chỉ đạo.", form_table({"conferences": 12}))
    r = load_file(engine, data, "a.docx", accept_text_figures=True)
    [p] = r.problems
    assert p.code == "text_figure_table_conflict" and "Bảng 1, dòng 2, cột 4" in p.message and "15" in p.message
    assert facts(engine) == {}
    tables_only = load_file(engine, data, "a.docx")   # not accepted: the table loads, the sentences wait
    assert (tables_only.status, codes(tables_only)) == ("loaded", ["text_figures_pending"])
    assert facts(engine) == {("other", "394", "conferences"): 12}
    agreeing = document(*YD_HEADINGS, "Trong quý II năm 2024, tổ chức 12 hội nghị và ban hành 06 văn bản chỉ đạo.",
                        form_table({"conferences": 12}))
    both = load_file(engine, agreeing, "b.docx", accept_text_figures=True)
    assert (both.status, both.rows_added, both.rows_unchanged) == ("loaded", 1, 1)
    assert facts(engine) == {("other", "394", "conferences"): 12, ("other", "394", "documents_issued"): 6}


def test_a_clusters_report_seed_001_lists_its_figures_with_no_unit_and_loads_nothing(engine):
    for accept in (None, True):
        r = load_file(engine, seed_document(), "giao_ban_cum_dong_bang.docx", accept_text_figures=accept)
        assert r.status == "rejected" and "text_figures_no_unit" in codes(r)
        assert len(r.text_figures) == 14 and all(f.unit is None for f in r.text_figures)
    assert facts(engine) == {} and list_batches(engine) == []


def test_an_uploader_scoped_to_other_units_cannot_load_a_reports_sentences(engine):
    r = load_file(engine, REPORT, "bao_cao.docx", allowed_units={"404"}, accept_text_figures=True)
    assert r.status == "rejected" and "unit_out_of_scope" in codes(r) and facts(engine) == {}


def test_a_report_of_consolidated_tables_loads_like_a_workbook(engine):
    data = document(*YD_HEADINGS, consolidated_table([("Huyện Yên Định", {"conferences": 4}),
                                                      ("Huyện Hà Trung", {"conferences": 2})], codes=("conferences",)))
    r = load_file(engine, data, "bieu.docx")
    assert (r.status, r.rows_added, r.layout, r.sheet) == ("loaded", 2, "consolidated", "Bảng 1")
    assert load_file(engine, data, "bieu.docx").previous is not None   # the same document again: unchanged


# ---------------------------------------------------------------- the command line

def run(capsys, *argv) -> tuple[int, dict]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)["files"][0]


def test_cli_dry_run_lists_the_text_figures_then_accept_loads_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    path = tmp_path / "bao_cao.docx"
    path.write_bytes(REPORT)
    code, f = run(capsys, "load", str(path), "--dry-run", "--json")
    assert (code, f["status"], f["rows_added"]) == (0, "preview", 0)
    first = f["text_figures"][0]
    assert {k: first[k] for k in ("indicator", "value", "unit", "period")} == {
        "indicator": "documents_issued", "value": 12, "unit": "394", "period": "2024-H1"}
    assert "ban hành 12 văn bản" in first["quote"]
    code, f = run(capsys, "load", str(path), "--json")
    assert (code, f["status"], len(f["text_figures"])) == (1, "rejected", 12)
    assert [p["code"] for p in f["problems"]] == ["text_figures_need_confirmation"]
    code, f = run(capsys, "load", str(path), "--accept-text-figures", "--json")
    assert (code, f["status"], f["rows_added"]) == (0, "loaded", 12)
    assert all(t["accepted"] for t in f["text_figures"])


def test_cli_seed_001_gives_unit_null_and_loads_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    path = tmp_path / "seed_001.docx"
    path.write_bytes(seed_document())
    code, f = run(capsys, "load", str(path), "--dry-run", "--json")
    assert code == 1 and f["status"] == "rejected" and {t["unit"] for t in f["text_figures"]} == {None}
    assert {t["period"] for t in f["text_figures"]} == {"2024-H1"}
    code = main(["load", str(path), "--accept-text-figures"])
    out = capsys.readouterr().out
    assert code == 1 and "BỊ TỪ CHỐI" in out and "mâu thuẫn" in out and "4.819" in out
