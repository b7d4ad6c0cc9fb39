"""Mappings learned while uploading: a choice becomes an alias only when its load commits (in the
load's transaction, audited); the next file with that header needs no question; removing it brings
the question back. The CLI: --map, --json's sheets and mapped_columns, `etl aliases` (SQLite and
PostgreSQL)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from etl.accounts.audit import recent_events
from etl.catalog import aliases
from etl.cli import main
from etl.warehouse.load import load_file, preview_file
from etl.warehouse.schema import Fact, LearnedAlias
from tests.workbooks import consolidated_workbook

ROWS = [("Huyện Yên Định", {"documents_issued": 3, "conferences": 2, "conference_participants": 40}),
        ("H. Nông Cống", {"documents_issued": 1, "conferences": 1, "conference_participants": 25})]
CODES = ("documents_issued", "conference_participants", "conferences")   # 'Lượt người' before its event


def sheet(rows=ROWS, header="Lượt người", period="QUÝ II NĂM 2024") -> bytes:
    return consolidated_workbook(rows, period, headers="flat", codes=CODES,
                                 header_text={"conference_participants": header})


def facts(engine) -> dict:
    with engine.connect() as conn:
        return {(u, i): v for u, i, v in conn.execute(select(Fact.unit_code, Fact.indicator_code, Fact.value))}


def test_a_choice_is_learned_when_the_load_commits_and_asked_again_once_removed(engine):
    first = preview_file(engine, sheet(), "a.xlsx")
    assert first.status == "rejected" and [p.code for p in first.problems] == ["uncertain_column"]
    [question] = [q for s in first.sheets for q in s.questions]
    assert question.header == "Lượt người" and question.candidates[0][0] == "conference_participants"

    choice = {"Lượt người": "conference_participants"}
    assert preview_file(engine, sheet(), "a.xlsx", mappings=choice).status == "preview"
    assert aliases.learned(engine) == {}                     # a preview teaches nothing
    result = load_file(engine, sheet(), "a.xlsx", user="lan", mappings=choice)
    assert result.status == "loaded" and facts(engine)[("394", "conference_participants")] == 40
    assert [(m.header, m.indicator, m.how) for m in result.mapped_columns if m.how != "exact"] == [
        ("Lượt người", "conference_participants", "given")]
    [alias] = aliases.list_aliases(engine)
    assert (alias.header, alias.indicator_code, alias.created_by, alias.batch_id) == (
        "Lượt người", "conference_participants", "lan", result.batch_id)
    learned = [e for e in recent_events(engine) if e["action"] == "alias_learn"]
    assert [(e["username"], e["detail"]["header"], e["detail"]["batch_id"]) for e in learned] == [
        ("lan", "Lượt người", result.batch_id)]

    rows = [("Huyện Hà Trung", {"documents_issued": 2, "conferences": 1, "conference_participants": 9})]
    second = load_file(engine, sheet(rows, "LƯỢT NGƯỜI"), "b.xlsx", user="lan")   # no question this time
    assert second.status == "loaded" and facts(engine)[("392", "conference_participants")] == 9
    assert [(m.how, m.indicator) for m in second.mapped_columns if m.header == "LƯỢT NGƯỜI"] == [
        ("learned", "conference_participants")]

    aliases.remove_alias(engine, "lượt người", "quantri")
    third = preview_file(engine, sheet(rows, "Lượt người", "QUÝ III NĂM 2024"), "c.xlsx")
    assert [p.code for p in third.problems] == ["uncertain_column"]
    assert [e["action"] for e in recent_events(engine)][0] == "alias_remove"


def test_a_refused_load_learns_nothing(engine):
    bad = ROWS + [("Huyện Không Có", {"conferences": 1})]
    result = load_file(engine, sheet(bad), "a.xlsx", mappings={"Lượt người": "conference_participants"})
    assert result.status == "rejected" and aliases.learned(engine) == {}


def test_a_column_left_out_is_not_learned(engine):
    result = load_file(engine, sheet(), "a.xlsx", mappings={"Lượt người": None})
    assert result.status == "loaded" and ("394", "conference_participants") not in facts(engine)
    assert aliases.learned(engine) == {}


def test_learning_again_changes_the_alias_and_says_from_what(engine):
    with engine.begin() as conn:
        conn.execute(LearnedAlias.__table__.insert().values(
            header="Lượt người", header_key="luot nguoi", indicator_code="training_participants", created_by="x",
            created_at=aliases.audit.now()))
    assert load_file(engine, sheet(), "a.xlsx", mappings={"Lượt người": "conference_participants"}).ok
    assert aliases.learned(engine) == {"luot nguoi": "conference_participants"}
    event = next(e for e in recent_events(engine) if e["action"] == "alias_learn")
    assert event["detail"]["previous"] == "training_participants"


# ---------------------------------------------------------------- command line

@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    return tmp_path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_refuses_an_uncertain_column_then_maps_it_and_learns(warehouse, capsys):
    path = warehouse / "a.xlsx"
    path.write_bytes(sheet())
    code, out, _ = run(capsys, "load", str(path))
    assert code == 1 and "BỊ TỪ CHỐI" in out
    assert "Chưa chắc cột \"Lượt người\" là chỉ tiêu nào: có thể là “Lượt người tham dự hội nghị”" in out

    code, out, _ = run(capsys, "load", str(path), "--map", "Lượt người=conference_participants", "--dry-run")
    assert code == 0 and "XEM TRƯỚC" in out
    assert "Cột “Lượt người” (Biểu 01!D4) → Lượt người tham dự hội nghị (theo --map)" in out
    code, out, _ = run(capsys, "aliases", "list", "--json")
    assert json.loads(out) == []                              # a dry run teaches nothing

    code, out, _ = run(capsys, "load", str(path), "--map", "Lượt người=conference_participants", "--json")
    assert code == 0
    [f] = json.loads(out)["files"]
    assert f["status"] == "loaded"
    assert [s["name"] for s in f["sheets"]] == ["Hướng dẫn", "Biểu 01"]
    assert f["sheets"][0] == {"name": "Hướng dẫn", "status": "skipped", "reason": "Không có bảng số liệu",
                              "period": None, "layout": "", "mapped_columns": []}
    read = f["sheets"][1]
    assert (read["status"], read["period"], read["layout"]) == ("read", "2024-Q2", "consolidated")
    assert read["mapped_columns"][1] == {"header": "Lượt người", "cell": "D4", "indicator": "conference_participants",
                                         "how": "given", "score": 100.0}
    assert f["mapped_columns"] == [dict(read["mapped_columns"][1], sheet="Biểu 01")]
    code, out, _ = run(capsys, "aliases", "list", "--json")
    assert [(a["header"], a["indicator"], a["batch_id"]) for a in json.loads(out)] == [
        ("Lượt người", "conference_participants", 1)]


def test_cli_map_to_nothing_leaves_the_column_out(warehouse, capsys):
    path = warehouse / "a.xlsx"
    path.write_bytes(sheet())
    code, out, _ = run(capsys, "load", str(path), "--map", "Lượt người=")
    assert code == 0 and "ĐÃ NẠP" in out and "Cột “Lượt người” (Biểu 01!D4) → không nạp (theo --map)" in out


@pytest.mark.parametrize("item, message", [("Lượt người=khong_co", "không có chỉ tiêu mã 'khong_co'"),
                                           ("Lượt người", "--map cần dạng"), ("=conferences", "--map cần dạng")])
def test_cli_bad_map_is_a_usage_error(warehouse, capsys, item, message):
    path = warehouse / "a.xlsx"
    path.write_bytes(sheet())
    code, _, err = run(capsys, "load", str(path), "--map", item)
    assert code == 2 and message in err


def test_cli_aliases_add_list_remove(warehouse, capsys):
    code, out, _ = run(capsys, "aliases", "list")
    assert code == 0 and "Chưa có tên cột nào được học." in out
    code, out, _ = run(capsys, "aliases", "add", "SL người dự", "conference_participants")
    assert code == 0 and "Đã ghi nhớ" in out
    code, out, _ = run(capsys, "aliases", "list")
    assert "SL người dự" in out and "Lượt người tham dự hội nghị" in out
    code, _, err = run(capsys, "aliases", "add", "X", "khong_co")
    assert code == 1 and "không có chỉ tiêu mã" in err
    code, out, _ = run(capsys, "aliases", "remove", "sl nguoi du")
    assert code == 0 and "Đã xóa" in out
    code, _, err = run(capsys, "aliases", "remove", "sl nguoi du")
    assert code == 1 and "không có tên gọi đã học" in err
