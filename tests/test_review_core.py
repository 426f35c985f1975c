"""The review's pure core: movements, the transition table, targets, ward placement, lists."""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngheo_cli.errors import InputError
from ngheo_cli.io.workbook import Grid
from ngheo_cli.review.lists import list_from_previous_status, list_from_roster
from ngheo_cli.review.movements import INFLOWS, OUTFLOWS
from ngheo_cli.review.run import review
from ngheo_cli.review.targets import FAIL, LISTED, NOT_CHECKED, PASS, Targets, load_targets
from ngheo_cli.review.wards import WardMap, hamlet_key, place_households, ward_key, ward_map_from_grid

CLASSES = ["poor", "near_poor", "middle_income", "not_poor", "rejected", "undetermined"]


def roster(rows: list[tuple], previous: bool = False) -> pd.DataFrame:
    """rows: (household_id, ward, classification[, merit, ethnic, previous_status, split_from, hamlet])."""
    records = []
    for i, row in enumerate(rows):
        household_id, ward, cls, *rest = row
        merit, ethnic, prev, split, hamlet = (list(rest) + [False, False, None, None, None][len(rest):])
        records.append({"household_id": household_id, "head_name": f"Hộ {household_id}", "ward": ward,
                        "hamlet": hamlet, "area": "rural" if ward and ward.startswith("Xã") else "urban",
                        "classification": cls, "merit_family": merit, "ethnic_minority": ethnic,
                        "previous_status": prev, "split_from": split, "source_row": i + 2})
    frame = pd.DataFrame(records)
    return frame if previous else frame.drop(columns="previous_status")


def year(rows, year_number, previous=False, standard="ha-noi-2022-2025"):
    return list_from_roster(roster(rows, previous), year_number, "test", f"list-{year_number}", standard)


@functools.cache
def default_targets() -> Targets:
    return load_targets()[0]


def run(this, last, earlier=(), ward_map=None, targets=None, standard="ha-noi-2022-2025", period=(2022, 2025)):
    return review(this, last, list(earlier), ward_map, targets or default_targets(), standard, period)


def household(result, household_id):
    return result.households.set_index("household_id").loc[household_id]


# --- each movement kind ---------------------------------------------------------------------


def test_each_movement_kind_between_two_years():
    last = year([("A", "Phường X", "poor"), ("B", "Phường X", "near_poor"), ("C", "Phường X", "poor"),
                 ("D", "Phường X", "not_poor"), ("E", "Phường X", "poor"), ("F", "Phường X", "near_poor"),
                 ("G", "Phường X", "rejected"), ("H", "Phường X", "middle_income")], 2024)
    this = year([("A", "Phường X", "middle_income"), ("B", "Phường X", "poor"), ("C", "Phường X", "near_poor"),
                 ("D", "Phường X", "poor"), ("E", "Phường X", "poor"), ("F", "Phường X", "undetermined"),
                 ("G", "Phường X", "near_poor"), ("H", "Phường X", "not_poor"), ("J", "Phường X", "poor")], 2025)
    result = run(this, last)
    moves = result.households.set_index("household_id")[["poor_movement", "near_poor_movement"]]
    assert moves.loc["A"].tolist() == ["escaped", ""]
    assert moves.loc["B"].tolist() == ["from_other_class", "to_other_class"]
    assert moves.loc["C"].tolist() == ["to_other_class", "from_other_class"]
    assert moves.loc["D"].tolist() == ["new", ""]  # no earlier year known: phát sinh
    assert moves.loc["E"].tolist() == ["remained", ""]
    assert moves.loc["F"].tolist() == ["", "unknown_after"]
    assert moves.loc["G"].tolist() == ["", "unknown_before"]
    assert moves.loc["H"].tolist() == ["", ""]
    assert moves.loc["J"].tolist() == ["joined", ""]


def test_left_and_split_households_are_listed_not_dropped():
    last = year([("A", "Phường X", "poor"), ("B", "Phường X", "near_poor")], 2024)
    this = year([("B", "Phường X", "near_poor"), ("B2", "Phường X", "near_poor", False, False, None, "B")], 2025)
    result = run(this, last)
    a, b2 = household(result, "A"), household(result, "B2")
    assert a["presence"] == "last_only" and a["poor_movement"] == "left"
    assert b2["presence"] == "this_only" and b2["near_poor_movement"] == "joined"
    assert "tách từ hộ B" in b2["presence_note"]
    assert set(result.lists["unmatched"]["household_id"]) == {"A", "B2"}
    total = result.table.set_index("level").loc["total"]
    assert (total["poor_left"], total["near_poor_joined"], total["near_poor_end"]) == (1, 1, 2)


def test_split_into_is_noted_on_the_household_that_disappeared():
    last = year([("A", "Phường X", "poor")], 2024)
    this = year([("A1", "Phường X", "poor", False, False, None, "A"), ("A2", "Phường X", "not_poor", False, False, None, "A")], 2025)
    result = run(this, last)
    assert "tách thành A1, A2" in household(result, "A")["presence_note"]


def test_tai_ngheo_needs_an_earlier_poor_year_in_the_period():
    earlier = year([("A", "Phường X", "poor"), ("B", "Phường X", "not_poor")], 2023)
    last = year([("A", "Phường X", "not_poor"), ("B", "Phường X", "not_poor")], 2024)
    this = year([("A", "Phường X", "poor"), ("B", "Phường X", "poor")], 2025)
    result = run(this, last, [earlier])
    assert household(result, "A")["poor_movement"] == "returned"
    assert household(result, "A")["poor_earlier_years"] == "2023"
    assert household(result, "B")["poor_movement"] == "new"
    assert result.lists["re_impoverished"]["household_id"].tolist() == ["A"]
    assert result.lists["newly_poor"]["household_id"].tolist() == ["B"]


def test_a_poor_year_before_the_standard_period_does_not_make_tai_ngheo():
    earlier = year([("A", "Phường X", "poor")], 2021)
    last = year([("A", "Phường X", "not_poor")], 2024)
    this = year([("A", "Phường X", "poor")], 2025)
    result = run(this, last, [earlier], period=(2022, 2025))
    assert household(result, "A")["poor_movement"] == "new"
    assert any("2022, 2023" in note for note in result.notes)  # the years not covered are said


def test_last_years_previous_status_column_is_a_history_year():
    last = year([("A", "Phường X", "not_poor", False, False, "poor"), ("B", "Phường X", "not_poor", False, False, None)],
                2024, previous=True)
    this = year([("A", "Phường X", "poor"), ("B", "Phường X", "poor")], 2025)
    result = run(this, last)
    assert household(result, "A")["poor_movement"] == "returned"
    assert household(result, "B")["poor_movement"] == "new"


def test_a_history_file_wins_over_the_previous_status_column_for_its_year():
    history = year([("A", "Phường X", "not_poor")], 2023)
    last = year([("A", "Phường X", "not_poor", False, False, "poor")], 2024, previous=True)
    this = year([("A", "Phường X", "poor")], 2025)
    assert household(run(this, last, [history]), "A")["poor_movement"] == "new"


def test_one_file_mode_uses_previous_status_and_blank_means_not_on_the_list():
    this = year([("A", "Phường X", "middle_income", False, False, "poor"), ("B", "Phường X", "poor", False, False, None),
                 ("C", "Phường X", "near_poor", False, False, "Hộ cận nghèo")], 2025, previous=True)
    this.previous["classification"] = ["poor", None, "near_poor"]
    result = run(this, None)
    moves = result.households.set_index("household_id")
    assert moves.loc["A", "poor_movement"] == "escaped"
    assert moves.loc["B", "poor_movement"] == "new"
    assert moves.loc["C", "near_poor_movement"] == "remained"
    assert result.years == {"last": 2024, "this": 2025}
    assert any("Phân loại đầu kỳ" in note for note in result.notes)


def test_one_file_mode_without_previous_status_is_an_error():
    this = year([("A", "Phường X", "poor")], 2025)
    with pytest.raises(InputError, match="no last year's list"):
        run(this, None)


def test_last_year_must_be_older():
    with pytest.raises(InputError, match="not older"):
        run(year([("A", "Phường X", "poor")], 2025), year([("A", "Phường X", "poor")], 2025))


def test_duplicate_ids_make_the_status_unknown_and_rows_without_id_are_set_aside():
    last = year([("A", "Phường X", "poor"), ("A", "Phường X", "poor"), ("", "Phường X", "rejected")], 2024)
    assert len(last.households) == 1 and last.households.loc[0, "status"] == "unknown"
    assert last.households.loc[0, "duplicate_rows"] == "2, 3"
    assert len(last.set_aside) == 1 and last.rows_read == 3
    this = year([("A", "Phường X", "poor")], 2025)
    result = run(this, last)
    assert household(result, "A")["poor_movement"] == "unknown_before"
    assert len(result.lists["set_aside"]) == 1


def test_previous_status_list_is_none_when_the_column_is_blank():
    this = year([("A", "Phường X", "poor", False, False, None)], 2025, previous=True)
    assert list_from_previous_status(this) is None


# --- the table balances ---------------------------------------------------------------------

_status = st.sampled_from(CLASSES + ["absent"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Phường X", "Phường Y", "Xã Z"]), _status, _status, _status,
                          st.booleans(), st.booleans()), min_size=1, max_size=40))
def test_every_row_of_the_table_balances_and_adds_up(households):
    """end = start - outflows + inflows on every row; ward rows add up to their area and the total."""
    rows = {2023: [], 2024: [], 2025: []}
    for i, (ward, s23, s24, s25, merit, ethnic) in enumerate(households):
        for y, status in ((2023, s23), (2024, s24), (2025, s25)):
            if status != "absent":
                rows[y].append((f"H{i}", ward, status, merit, ethnic))
    if not rows[2025] or not rows[2024]:
        return
    result = run(year(rows[2025], 2025), year(rows[2024], 2024), [year(rows[2023], 2023)] if rows[2023] else [])
    table = result.table
    for cls in ("poor", "near_poor"):
        outflows = table[[f"{cls}_{m}" for m in OUTFLOWS]].sum(axis=1)
        inflows = table[[f"{cls}_{m}" for m in INFLOWS]].sum(axis=1)
        remained = table[f"{cls}_start"] - outflows
        assert (remained + inflows == table[f"{cls}_end"]).all()
        assert (remained >= 0).all()
    counts = [c for c in table.columns if c not in ("level", "area", "ward") and not c.endswith("_rate")]
    wards, areas = table[table["level"] == "ward"], table[table["level"] == "area"]
    total = table[table["level"] == "total"][counts].iloc[0]
    assert (wards[counts].sum() == total).all()
    assert (areas[counts].sum() == total).all()
    assert total["households_start"] == len(rows[2024]) and total["households_end"] == len(rows[2025])
    for area in ("urban", "rural"):
        assert (wards[wards["area"] == area][counts].sum() == areas[areas["area"] == area][counts].iloc[0]).all()
    # every household on either list is in the households sheet once
    assert result.households["household_id"].is_unique
    assert len(result.households) == len({r[0] for y in (2024, 2025) for r in rows[y]})


def test_rural_and_urban_rows_and_rates():
    last = year([("A", "Phường X", "poor"), ("B", "Phường X", "not_poor"), ("C", "Xã Z", "near_poor"), ("D", "Xã Z", "not_poor")], 2024)
    this = year([("A", "Phường X", "poor"), ("B", "Phường X", "not_poor"), ("C", "Xã Z", "not_poor"), ("D", "Xã Z", "not_poor")], 2025)
    table = run(this, last).table.set_index("ward")
    assert table.loc["I. Khu vực thành thị", "poor_start"] == 1 and table.loc["I. Khu vực thành thị", "poor_start_rate"] == 50.0
    assert table.loc["II. Khu vực nông thôn", "near_poor_escaped"] == 1
    assert table.loc["Xã Z", "area"] == "rural" and table.loc["Xã Z", "near_poor_end_rate"] == 0.0
    assert list(table.index) == ["I. Khu vực thành thị", "Phường X", "II. Khu vực nông thôn", "Xã Z", "Tổng cộng"]


def test_ethnic_minority_counts():
    last = year([("A", "Phường X", "poor", False, True), ("B", "Phường X", "poor", False, False)], 2024)
    this = year([("A", "Phường X", "poor", False, True), ("B", "Phường X", "not_poor", False, False)], 2025)
    total = run(this, last).table.set_index("level").loc["total"]
    assert (total["poor_start"], total["poor_start_ethnic"], total["poor_end"], total["poor_end_ethnic"]) == (2, 1, 1, 1)


# --- targets at their boundaries ------------------------------------------------------------


def near_poor_result(start: int, end: int, percent: str = "10") -> tuple:
    last = year([(f"H{i}", "Phường X", "near_poor") for i in range(start)] + [("Z", "Phường X", "not_poor")], 2024)
    this = year([(f"H{i}", "Phường X", "near_poor" if i < end else "not_poor") for i in range(max(start, end))]
                + [("Z", "Phường X", "not_poor")], 2025)
    targets = Targets.model_validate({
        "format_version": 1, "id": "t", "name": {"vi": "t", "en": "t"}, "source": {"document": "d", "confidence": "confirmed"},
        "targets": [{"kind": "near_poor_reduction", "name": {"vi": "g", "en": "g"}, "min_reduction_percent": percent,
                     "source": {"document": "d", "confidence": "confirmed"}}],
    })
    checks = run(this, last, targets=targets).targets
    row = checks[checks["level"] == "total"].iloc[0]
    return row["result"], row["figure"]


@pytest.mark.parametrize(("start", "end", "expected"), [
    (10, 9, PASS),  # exactly 10%
    (30, 27, PASS),  # exactly 10%, where 0.1 * 30 in floats is not exactly 3
    (20, 18, PASS), (10, 10, FAIL), (31, 28, FAIL),  # 9.68%
    (10, 11, FAIL), (10, 0, PASS), (0, 0, PASS), (0, 1, FAIL),
])
def test_near_poor_reduction_boundary(start, end, expected):
    assert near_poor_result(start, end)[0] == expected


def test_near_poor_reduction_decimal_threshold_is_exact():
    assert near_poor_result(8, 7, "12.5")[0] == PASS  # exactly 12.5%
    assert near_poor_result(8, 7, "12.51")[0] == FAIL
    assert near_poor_result(10, 9)[1] == 10.0


def test_merit_family_still_poor_fails_and_is_listed():
    last = year([("A", "Phường X", "poor", True), ("B", "Phường Y", "poor", True)], 2024)
    this = year([("A", "Phường X", "poor", True), ("B", "Phường Y", "near_poor", True)], 2025)
    result = run(this, last)
    checks = result.targets[result.targets["target"] == "merit_families_poor"].set_index("ward")
    assert checks.loc["Phường X", "result"] == FAIL and checks.loc["Phường X", "households"] == "A"
    assert checks.loc["Phường Y", "result"] == PASS
    assert checks.loc["Tổng cộng", "figure"] == 1
    assert result.lists["merit_still_poor"]["household_id"].tolist() == ["A"]


def test_poor_households_target_counts_only_under_its_standard():
    last = year([("A", "Phường X", "poor")], 2024)
    this = year([("A", "Phường X", "poor")], 2025)
    total = lambda r: r.targets[(r.targets["target"] == "poor_households") & (r.targets["level"] == "total")].iloc[0]  # noqa: E731
    assert total(run(this, last))["result"] == FAIL
    other = total(run(this, last, standard="vn-2022-2025"))
    assert other["result"] == NOT_CHECKED and "vn-2022-2025" in other["detail"]


def test_re_impoverished_against_the_year_before_needs_that_year():
    earlier = year([("A", "Phường X", "poor"), ("B", "Phường X", "poor")], 2022)
    y2023 = year([("A", "Phường X", "not_poor"), ("B", "Phường X", "not_poor")], 2023)
    y2024 = year([("A", "Phường X", "poor"), ("B", "Phường X", "not_poor")], 2024)  # A tái nghèo in 2024
    y2025 = year([("A", "Phường X", "poor"), ("B", "Phường X", "poor")], 2025)  # B tái nghèo in 2025
    result = run(y2025, y2024, [earlier, y2023])
    row = result.targets[(result.targets["target"] == "re_impoverished") & (result.targets["level"] == "total")].iloc[0]
    assert (row["figure"], row["result"], row["households"]) == (1, PASS, "B")  # 1 <= 1 the year before
    without = run(y2025, y2024)
    row = without.targets[(without.targets["target"] == "re_impoverished") & (without.targets["level"] == "total")].iloc[0]
    assert row["result"] == NOT_CHECKED


def test_a_target_without_a_number_is_listed():
    targets = Targets.model_validate({
        "format_version": 1, "id": "t", "name": {"vi": "t", "en": "t"}, "source": {"document": "d", "confidence": "confirmed"},
        "targets": [{"kind": "newly_poor", "name": {"vi": "g", "en": "g"}, "source": {"document": "d", "confidence": "confirmed"}}],
    })
    result = run(year([("A", "Phường X", "poor")], 2025), year([("A", "Phường X", "not_poor")], 2024), targets=targets)
    assert set(result.targets["result"]) == {LISTED}
    assert result.targets.iloc[-1]["households"] == "A"


def test_a_targets_file_is_checked_like_a_standard(tmp_path):
    from ngheo_cli.errors import CriteriaError

    bad = tmp_path / "t.yaml"
    bad.write_text("format_version: 1\nid: t\nname: {vi: t, en: t}\nsource: {document: d, confidence: confirmed}\n"
                   "targets:\n  - kind: near_poor_reduction\n    name: {vi: g, en: g}\n    source: {document: d, confidence: confirmed}\n",
                   encoding="utf-8")
    with pytest.raises(CriteriaError, match=r"targets\.0.*line 6.*min_reduction_percent"):
        load_targets(str(bad))
    with pytest.raises(CriteriaError, match="unknown targets"):
        load_targets("no-such-targets")


# --- ward placement -------------------------------------------------------------------------


def cau_giay_map() -> WardMap:
    rows = [["Phường cũ", "Tổ dân phố cũ", "Phường mới"],
            ["Phường Nghĩa Tân", "", "Phường Nghĩa Đô"],
            ["Phường Dịch Vọng", "Tổ dân phố 1", "Phường Cầu Giấy"],
            ["Phường Dịch Vọng", "Tổ dân phố 6", "Phường Cầu Giấy"],
            ["Phường Dịch Vọng", "Tổ dân phố 6", "Phường Nghĩa Đô"],
            ["Phường Yên Hòa", "", "Phường Cầu Giấy"],
            ["Phường Yên Hòa", "", "Phường Yên Hòa"]]
    cells = pd.DataFrame(rows)
    cells.index = pd.RangeIndex(1, len(rows) + 1)
    return ward_map_from_grid(Grid("map", cells), "map.csv")


@pytest.mark.parametrize(("ward", "hamlet", "placed", "why"), [
    ("Phường Nghĩa Tân", "Tổ dân phố 9", "Phường Nghĩa Đô", ""),  # the whole ward
    ("Nghĩa Tân", None, "Phường Nghĩa Đô", ""),  # without "Phường"
    ("Phường Dịch Vọng", "TDP 1", "Phường Cầu Giấy", ""),  # "TDP 1" is "Tổ dân phố 1"
    ("Phường Dịch Vọng", "Tổ dân phố 6", None, "split between"),  # a tổ cut in two
    ("Phường Yên Hòa", "Tổ dân phố 2", None, "give its tổ dân phố"),  # a ward cut in two, tổ not mapped
    ("Phường Dịch Vọng", "Tổ dân phố 3", None, "not in the ward map"),
    ("Phường Cầu Giấy", "Tổ dân phố 3", "Phường Cầu Giấy", ""),  # a ward of this year, unchanged
    ("Phường Mai Dịch", "Tổ dân phố 1", None, "not in the ward map"),
])
def test_ward_placement(ward, hamlet, placed, why):
    got, note = place_households(pd.Series([ward]), pd.Series([hamlet]), cau_giay_map(), pd.Series(["Phường Cầu Giấy"]))
    assert (None if pd.isna(got[0]) else got[0]) == placed
    assert why in note[0]


def test_without_a_map_an_old_ward_is_not_guessed():
    got, note = place_households(pd.Series(["Phường Dịch Vọng"]), pd.Series([None]), None, pd.Series(["Phường Cầu Giấy"]))
    assert pd.isna(got[0]) and "--ward-map" in note[0]


def test_keys():
    assert ward_key("Phường  Dịch Vọng Hậu") == ward_key("dịch vọng hậu") == "dichvonghau"
    assert ward_key("Xã Minh Phú") == "minhphu"
    assert hamlet_key("Tổ dân phố 05") == hamlet_key("TDP 05") == "05"
    assert hamlet_key("Thôn Đông") == "thondong"


def test_ward_map_errors_name_the_row():
    cells = pd.DataFrame([["Phường cũ", "Phường mới"], ["Phường A", ""], ["", "Phường B"]])
    cells.index = pd.RangeIndex(1, 4)
    with pytest.raises(InputError, match="row 2.*row 3"):
        ward_map_from_grid(Grid("map", cells), "map.csv")
    cells = pd.DataFrame([["Old", "New"]])
    cells.index = pd.RangeIndex(1, 2)
    with pytest.raises(InputError, match="no header row"):
        ward_map_from_grid(Grid("map", cells), "map.csv")


def test_last_only_households_are_placed_by_the_map_and_undecided_ones_reported():
    last = year([("A", "Phường Nghĩa Tân", "poor"), ("B", "Phường Dịch Vọng", "near_poor", False, False, None, None, "Tổ dân phố 6"),
                 ("C", "Phường Dịch Vọng", "poor", False, False, None, None, "Tổ dân phố 1")], 2024)
    this = year([("C", "Phường Nghĩa Đô", "poor"), ("D", "Phường Cầu Giấy", "not_poor")], 2025)
    result = run(this, last, ward_map=cau_giay_map())
    assert household(result, "A")["ward_review"] == "Phường Nghĩa Đô"
    assert pd.isna(household(result, "B")["ward_review"])
    assert "split between" in household(result, "B")["ward_note"]
    # C is counted where it is now, and the disagreement with the map is noted
    assert household(result, "C")["ward_review"] == "Phường Nghĩa Đô"
    assert household(result, "C")["ward_note"] == (
        "năm trước ở Phường Dịch Vọng, Tổ dân phố 1, nay thuộc Phường Cầu Giấy theo bảng phường"
        " / last year in a part of Phường Cầu Giấy: moved, or the ward map is wrong")
    assert household(result, "A")["ward_note"] == household(result, "D")["ward_note"] == ""  # placed, or on this list only
    table = result.table.set_index("ward")
    assert table.loc["(Chưa xác định phường)", "near_poor_left"] == 1
    assert table.loc["Phường Nghĩa Đô", "poor_start"] == 2
    assert {"B", "C", "A"} <= set(result.lists["unmatched"]["household_id"])


def test_a_household_with_neither_area_nor_ward_gets_its_own_section_and_its_own_target_rows():
    last = year([("A", "Phường X", "poor"), ("B", None, "near_poor")], 2024)
    last.households.loc[last.households["household_id"] == "B", "area"] = pd.NA
    this = year([("A", "Phường X", "poor")], 2025)
    result = run(this, last)
    table = result.table
    unknown = table[table["area"] == "unknown"]
    assert unknown["ward"].tolist() == ["III. Chưa xác định khu vực", "(Chưa xác định phường)"]
    assert unknown["near_poor_left"].tolist() == [1, 1]
    checks = result.targets[(result.targets["target"] == "near_poor_reduction") & (result.targets["level"] == "ward")]
    assert checks.set_index(["area", "ward"]).loc[("unknown", "(Chưa xác định phường)"), "detail"].startswith("1 → 0")
