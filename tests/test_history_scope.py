"""Lịch sử nạp filtered on the server: a scoped uploader sees the batches they loaded or that touch their
units and downloads only originals they loaded or that lie wholly within their scope; province-wide
uploaders and admins see all; viewers and anonymous visitors nothing; the command line everything."""
from __future__ import annotations

import pytest

from etl.accounts import auth
from etl.warehouse.batches import batch_file, batch_units, list_batches
from etl.warehouse.load import load_file
from etl.warehouse.undo import undo_batch
from tests.workbooks import consolidated_workbook

PASSWORD = "mat-khau-du-dai"
FILES = {  # name: (uploaded by, rows)
    "hai_huyen.xlsx": ("tinh", [("Huyện Yên Định", {"conferences": 1}), ("Huyện Nông Cống", {"conferences": 2})]),
    "tho_xuan.xlsx": ("tinh", [("Huyện Thọ Xuân", {"conferences": 3})]),
    "yen_dinh.xlsx": ("lan", [("Huyện Yên Định", {"conferences": 4})]),
    "nong_cong.xlsx": ("hoa", [("Huyện Nông Cống", {"conferences": 5})]),
}


@pytest.fixture
def warehouse(engine):
    for name, role, units in [("quantri", "admin", ()), ("tinh", "uploader", ()), ("lan", "uploader", ("394",)),
                              ("hoa", "uploader", ("404",)), ("xem", "viewer", ())]:
        auth.add_user(engine, name, role, units=units, password=PASSWORD)
    ids = {}
    for name, (user, rows) in FILES.items():
        result = load_file(engine, consolidated_workbook(rows), name, user=user)
        assert result.status == "loaded", result.problems
        ids[name] = result.batch_id
    return engine, ids


def seen(engine, who) -> set[str]:
    account = auth.get_account(engine, who) if isinstance(who, str) else who
    return {b.file_name for b in list_batches(engine, account=account)}


def downloads(engine, who, ids) -> set[str]:
    account = auth.get_account(engine, who) if isinstance(who, str) else who
    return {name for name, batch_id in ids.items() if batch_file(engine, batch_id, account=account)}


def test_batch_units_names_the_units_each_batch_reported(warehouse):
    engine, ids = warehouse
    with engine.connect() as conn:
        touched = batch_units(conn, ids.values())
    assert {name: touched[i] for name, i in ids.items()} == {
        "hai_huyen.xlsx": {"394", "404"}, "tho_xuan.xlsx": {"395"}, "yen_dinh.xlsx": {"394"},
        "nong_cong.xlsx": {"404"}}


@pytest.mark.parametrize("who, listed, downloadable", [
    ("quantri", set(FILES), set(FILES)),
    ("tinh", set(FILES), set(FILES)),  # an uploader for the whole province
    ("lan", {"hai_huyen.xlsx", "yen_dinh.xlsx"}, {"yen_dinh.xlsx"}),
    ("hoa", {"hai_huyen.xlsx", "nong_cong.xlsx"}, {"nong_cong.xlsx"}),
    ("xem", set(), set()),
    (None, set(), set()),
])
def test_each_account_sees_and_downloads_its_share(warehouse, who, listed, downloadable):
    engine, ids = warehouse
    assert seen(engine, who) == listed
    assert downloads(engine, who, ids) == downloadable


def test_an_original_wholly_within_the_scope_is_downloadable_by_its_units(warehouse):
    engine, ids = warehouse
    lan_only = load_file(engine, consolidated_workbook([("Huyện Yên Định", {"conferences": 9})]),
                         "cua_tinh_cho_yen_dinh.xlsx", user="tinh")
    ids["cua_tinh_cho_yen_dinh.xlsx"] = lan_only.batch_id
    assert "cua_tinh_cho_yen_dinh.xlsx" in downloads(engine, "lan", ids)
    assert "cua_tinh_cho_yen_dinh.xlsx" not in downloads(engine, "hoa", ids)


def test_own_batches_stay_listed_after_undo_and_the_command_line_sees_all(warehouse):
    engine, ids = warehouse
    assert undo_batch(engine, ids["nong_cong.xlsx"], user="hoa").ok
    assert "nong_cong.xlsx" in seen(engine, "hoa")
    assert {b.file_name for b in list_batches(engine)} == set(FILES)
    assert batch_file(engine, ids["tho_xuan.xlsx"]) is not None
    disabled = auth.disable_user(engine, "tinh")
    assert seen(engine, disabled) == set()
