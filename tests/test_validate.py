"""Validation rules: each rule on a real workbook, the rule registry, scope and the problem cap."""
from datetime import date

import pytest

from etl.problems import problem
from etl.reading.read import UnitRecord, parse_workbook
from etl.reading.validate import MAX_PROBLEMS, RULES, RuleContext, cap_problems, run_rules
from tests.workbooks import (catalogue_indicators, cell_of, consolidated_workbook, first_data_row, form_workbook,
                             sample_units)

UNITS, INDICATORS = sample_units(), catalogue_indicators()


def parse(data, **kw):
    return parse_workbook(data, "bieu.xlsx", units=UNITS, indicators=INDICATORS, today=date(2026, 1, 1), **kw)


@pytest.mark.parametrize("values, code, cell_code, other_code", [
    ({"models_registered": 10, "models_recognized": 11}, "recognized_exceeds_registered", "models_recognized",
     "models_registered"),
    ({"conference_participants": 50}, "participants_without_conference", "conference_participants", "conferences"),
    ({"conferences": 0, "conference_participants": 50}, "participants_without_conference",
     "conference_participants", "conferences"),
    ({"conferences": "-", "conference_participants": 50}, "participants_without_conference",
     "conference_participants", "conferences"),
    ({"training_participants": 20}, "training_participants_without_training", "training_participants", "trainings"),
])
def test_rules_refuse_impossible_rows_naming_both_cells(values, code, cell_code, other_code):
    pf = parse(consolidated_workbook([("Huyện Yên Định", values)]))
    [p] = pf.problems
    row = first_data_row()
    assert (p.code, p.severity, p.cell, p.row, p.file, p.sheet) == (
        code, "error", cell_of(cell_code, 0), row, "bieu.xlsx", "Biểu 01")
    assert "Huyện Yên Định" in p.message
    assert cell_of(other_code, 0) in p.hint
    assert not pf.ok


@pytest.mark.parametrize("values", [
    {"models_registered": 10, "models_recognized": 10}, {"models_recognized": 3},
    {"conferences": 1, "conference_participants": 50}, {"conferences": 2}, {"conference_participants": 0},
    {"trainings": 1, "training_participants": 20},
])
def test_rules_accept_plausible_rows(values):
    pf = parse(consolidated_workbook([("Huyện Yên Định", values)]))
    assert pf.ok and pf.problems == []


@pytest.mark.parametrize("values, refused", [
    ({"conferences": "gần 50", "conference_participants": 900}, "conferences"),
    ({"trainings": "-3", "training_participants": 20}, "trainings"),
])
def test_a_refused_cell_does_not_trigger_rules_about_it(values, refused):
    """Only the bad cell is reported: no second error claiming the row has no conference."""
    pf = parse(consolidated_workbook([("Huyện Yên Định", values)]))
    assert [p.cell for p in pf.problems] == [cell_of(refused, 0)]


def test_rules_apply_to_forms_too():
    pf = parse(form_workbook("HUYỆN ỦY YÊN ĐỊNH", {"models_registered": 3, "models_recognized": 4}))
    [p] = pf.problems
    assert p.code == "recognized_exceeds_registered" and p.cell == "D8" and p.row == 8 and "D7" in p.hint


def test_same_unit_twice_in_one_sheet():
    pf = parse(consolidated_workbook([("Huyện Yên Định", {"conferences": 1}), ("Huyện Hà Trung", {"conferences": 1}),
                                      ("H. Yên Định", {"conferences": 2})]))
    [p] = pf.problems
    first = first_data_row()
    assert (p.code, p.row) == ("duplicate_unit", first + 2)
    assert f"dòng {first}" in p.message and f"dòng {first + 2}" in p.message


def test_units_outside_the_allowed_scope_refuse_the_file_naming_each_row():
    rows = [("Huyện Yên Định", {"conferences": 1}), ("Huyện Hà Trung", {"conferences": 1}),
            ("Huyện Nga Sơn", {"conferences": 1})]
    pf = parse(consolidated_workbook(rows), allowed_units={"394"})
    assert not pf.ok
    assert [(p.code, p.row) for p in pf.problems] == [("unit_out_of_scope", first_data_row() + 1),
                                                      ("unit_out_of_scope", first_data_row() + 2)]
    assert "Huyện Hà Trung" in pf.problems[0].message and "Huyện Yên Định" in pf.problems[0].hint
    assert parse(consolidated_workbook(rows), allowed_units={"394", "392", "401"}).ok


def test_problem_count_is_capped():
    codes = ("documents_issued", "conferences", "trainings", "dialogues", "inspections", "review_conferences",
             "models_registered", "inspected_party_orgs", "inspected_party_members")
    rows = [(u.name, {code: "hơn 3" for code in codes}) for u in UNITS if u.code != "405" and u.level == "district"]
    pf = parse(consolidated_workbook(rows, with_total=False))
    assert len(pf.problems) == MAX_PROBLEMS + 1
    assert pf.problems[-1].code == "too_many_problems" and str(MAX_PROBLEMS) in pf.problems[-1].message


def test_cap_keeps_errors_before_warnings():
    warnings = [problem("blank_unit_row", row=i) for i in range(1, 6)]
    errors = [problem("not_a_number", cell=f"D{i}", text="x") for i in range(5)]
    capped = cap_problems(warnings + errors, limit=6)
    assert [p.code for p in capped] == ["not_a_number"] * 5 + ["blank_unit_row", "too_many_problems"]
    assert cap_problems(errors, limit=6) == errors


def test_a_new_rule_is_a_few_lines():
    def no_more_than_100_documents(ctx):
        for r in ctx.records:
            if r.values.get("documents_issued", 0) > 100:
                yield ctx.problem("not_a_number", cell=r.cells["documents_issued"], text="quá nhiều")

    ctx = RuleContext("f.xlsx", "S", [UnitRecord("394", "Huyện Yên Định", 7, {"documents_issued": 101},
                                                 {"documents_issued": "C7"})], {})
    [p] = run_rules(ctx, [*RULES, no_more_than_100_documents])
    assert (p.file, p.sheet, p.cell, p.row) == ("f.xlsx", "S", "C7", 7)
    assert len(RULES) >= 6


def test_problems_are_listed_errors_first_then_as_they_stand_on_the_sheet():
    from etl.problems import sort_problems
    totals = dict(indicator="X", stated="1", computed="2")
    found = [problem("total_mismatch", sheet="B", cell="N20", row=20, column="Công nhận", **totals),
             problem("total_mismatch", sheet="B", cell="E20", row=20, column="Lượt người", **totals),
             problem("not_a_number", sheet="B", cell="AA9", row=9, text="x"),
             problem("total_mismatch", sheet="B", cell="C20", row=20, column="Văn bản", **totals)]
    assert [p.cell for p in sort_problems(found)] == ["AA9", "C20", "E20", "N20"]
