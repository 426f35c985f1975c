"""Validation: every problem in the user's terms, no row lost, and the bulk checks agree with
the pydantic models row for row."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import write_workbook
from ngheo_cli.errors import InputError
from ngheo_cli.io.layout import Table
from ngheo_cli.io.workbook import Grid, read_grids
from ngheo_cli.issues import ProblemLog
from ngheo_cli.pipeline import run_classification
from ngheo_cli.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, Household, Member
from ngheo_cli.standards.load import load_standard
from ngheo_cli import validate

STANDARD = load_standard("vn-2022-2025")


def classify_file(path, **options):
    return run_classification(read_grids(path), STANDARD, path.name, year=2025, **options)


def problems_of(result):
    return result.problems.to_frame("en")


# --- the bulk checks are the pydantic models' checks -----------------------------------------------


def valid_cell(spec):
    if not spec.required:
        return st.one_of(st.none(), filled_cell(spec))
    return filled_cell(spec)


def filled_cell(spec):
    if spec.kind == "text":
        prefixes = st.sampled_from(["Phường ", "Xã ", ""] if spec.id == "ward" else [""])
        return st.tuples(prefixes, st.text(alphabet="ABCxyz- ", min_size=1, max_size=6).filter(str.strip)).map("".join)
    if spec.kind in ("number", "int"):
        return st.integers(1, 50).map(float)
    if spec.kind == "year":  # a year, a date cell, or a date written as officers write it
        dates = st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31))
        return st.one_of(st.integers(1900, 2020).map(float), dates, dates.map(lambda d: f"{d.day}/{d.month:02d}/{d.year}"),
                         dates.map(lambda d: f"{d.month}/{d.year}"), dates.map(dt.date.isoformat))
    if spec.kind == "age":  # years, or a baby's age as officers write it
        return st.one_of(st.integers(0, 90).map(float), st.integers(0, 40).map(lambda n: f"{n} tháng"),
                         st.sampled_from(["18 tháng tuổi", "2 tuần", "10 ngày", "Sơ sinh", "1 tuổi 6 tháng"]))
    if spec.kind == "yesno":
        return st.booleans()
    return st.sampled_from(list(spec.categories.values))


EDGE_CELLS = {  # values at or over the edge of each kind
    "text": [None, "", "  "],
    "number": [None, "", -1.0, 0.0, 0.5, 2.5],
    "int": [None, "", -1.0, 0.0, 1.0, 1.5, 131.0, 1879.0],
    "year": [None, "", 1879.0, 1985.5, 2101.0, "31/02/1985", "15/13/1985", "15/03/85", dt.date(1870, 1, 1), "năm 1985"],
    "age": [None, "", -1.0, 0.0, 130.0, 131.0, 1.5, "1600 tháng", "1,5 tháng", "6 năm", "tháng"],
    "yesno": [None, ""],
    "category": [None, "", "không rõ"],
}


def rows_strategy(columns):
    """Rows that are valid but for up to two cells set to an edge value, so that each check is hit."""

    @st.composite
    def row(draw):
        values = {c.id: draw(valid_cell(c)) for c in columns}
        for _ in range(draw(st.integers(0, 2))):
            spec = draw(st.sampled_from(columns))
            values[spec.id] = draw(st.sampled_from(EDGE_CELLS[spec.kind]))
        return values

    return st.lists(row(), min_size=1, max_size=25)


def python_value(spec, cell):
    """What pydantic is given for a cell: None for blank, the typed value otherwise."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    return cell


def bulk_verdict(columns, rows, extra_checks):
    cells = pd.DataFrame(rows, dtype=object)
    cells.index = pd.RangeIndex(2, len(rows) + 2)
    table = Table(sheet="S", header_row=1, headers={c.id: c.header.vi for c in columns}, cells=cells)
    frame, bad = validate.parse_rows(table, columns, ProblemLog())
    extra_checks(frame, bad, table)
    return (~bad).tolist()


def pydantic_verdict(model, columns, row):
    values = {c.id: python_value(c, row[c.id]) for c in columns}
    values = {k: v for k, v in values.items() if v is not None or next(c for c in columns if c.id == k).required}
    try:
        model.model_validate(values)
        return True
    except ValidationError:
        return False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows_strategy(HOUSEHOLD_COLUMNS))
def test_household_checks_match_the_pydantic_model(rows):
    def checks(frame, bad, table):
        validate._fill_area(frame, bad, table, ProblemLog())
        validate._check_income(frame, bad, table, ProblemLog())

    assert bulk_verdict(HOUSEHOLD_COLUMNS, rows, checks) == [pydantic_verdict(Household, HOUSEHOLD_COLUMNS, r) for r in rows]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows_strategy(MEMBER_COLUMNS))
def test_member_checks_match_the_pydantic_model(rows):
    def checks(frame, bad, table):
        unknown = frame["age"].isna() & frame["birth_year"].isna() & frame["birth_date"].isna() & ~bad
        bad |= unknown  # the row-level part of _resolve_age

    assert bulk_verdict(MEMBER_COLUMNS, rows, checks) == [pydantic_verdict(Member, MEMBER_COLUMNS, r) for r in rows]


# --- problems in the user's terms --------------------------------------------------------------------


def test_problems_name_sheet_row_header_as_written_and_value(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {
        "Danh sách": [
            ["MA HO", "phuong / xa", "so nhan khau", "Thu nhập bình quân"],
            ["H1", "Phường Cầu Giấy", 3, "abc"],
            ["H2", "Phường Cầu Giấy", "-2", "2.000.000"],
            ["H3", "", 2, "1.000.000"],
            ["H4", "Phường Cầu Giấy", 2, "1,500"],
        ]
    }, title="DANH SÁCH HỘ NĂM 2025")
    problems = problems_of(classify_file(path))
    errors = problems[problems["severity"] == "error"][["sheet", "row", "column", "value", "code"]]
    assert errors.values.tolist() == [
        ["Danh sách", 4, "Thu nhập bình quân", "abc", "not_a_number"],
        ["Danh sách", 5, "so nhan khau", "-2", "out_of_range"],
        ["Danh sách", 6, "phuong / xa", "", "required"],
        ["Danh sách", 7, "Thu nhập bình quân", "1,500", "ambiguous_number"],
    ]


def test_every_problem_of_a_row_is_reported_not_only_the_first(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {"S": [
        ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)", "Loại nhà"],
        ["H1", "Phường A", "ba", "x1", "nhà lá"],
    ]})
    codes = sorted(problems_of(classify_file(path))["code"])
    assert codes == ["bad_category", "not_a_number", "not_a_number"]


def test_duplicate_ids_are_all_reported_and_none_classified(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {"S": [
        ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"],
        ["H1", "Phường A", 2, 1000000], ["H2", "Phường A", 2, 1000000], ["H1", "Phường A", 3, 5000000],
    ]})
    result = classify_file(path)
    roster = result.roster
    assert roster.loc[roster["classification"] != "rejected", "household_id"].tolist() == ["H2"]
    rejected = roster[roster["classification"] == "rejected"]
    assert rejected["source_row"].tolist() == [2, 4] and rejected["reason"].str.contains("trùng").all()
    duplicates = problems_of(result).query("code == 'duplicate_household'")
    assert duplicates["row"].tolist() == [2, 4]
    assert result.counts.rejected == 2 and result.counts.balanced()


def test_members_link_to_households(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {
        "Hộ": [["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"],
               ["H1", "Phường A", None, 1000000], ["H2", "Phường A", 5, 1000000], ["H3", "Phường A", None, 1000000]],
        "TV": [["Mã hộ", "Tuổi", "Có thẻ BHYT"],
               ["H1", 30, "x"], ["H1", 5, ""], ["H2", 40, "x"], ["H9", 20, "x"], ["H3", 20, "có lẽ"]],
    })
    result = classify_file(path)
    roster = result.roster.set_index("household_id")
    assert roster.loc["H1", "members_count"] == 2  # counted from the members sheet
    assert roster.loc["H2", "members_count"] == 5  # the households sheet wins, with a warning
    problems = problems_of(result)
    assert problems.query("code == 'members_count_differs'")["row"].tolist() == [3]
    assert problems.query("code == 'member_without_household'")["value"].tolist() == ["H9"]
    # a member with a bad answer rejects its household: classifying on part of it would be a guess
    assert roster.loc["H3", "classification"] == "rejected"
    assert "dòng 6" in roster.loc["H3", "reason"]
    assert problems.query("code == 'member_rejected'")["value"].tolist() == ["H3"]
    assert result.counts.balanced()


def test_a_baby_aged_in_months_counts_as_a_child_of_its_household(tmp_path):
    """"8 tháng" rejected the baby's row and so its household; now the baby is a child under
    16 (age 0) whose malnutrition deprives the household, as a baby typed 0 does."""
    path = write_workbook(tmp_path / "s.xlsx", {
        "Hộ": [["Mã hộ", "Phường/Xã", "Thu nhập bình quân đầu người/tháng (đồng)"],
               ["H1", "Phường A", 1000000], ["H2", "Phường A", 1000000]],
        "TV": [["Mã hộ", "Tuổi", "Suy dinh dưỡng"], ["H1", 30, ""], ["H1", "8 tháng", "x"], ["H2", 30, ""], ["H2", 0, "x"]],
    })
    result = classify_file(path)
    assert result.counts.rejected == 0 and result.counts.members_read == 4
    roster = result.roster.set_index("household_id")
    assert roster.loc[["H1", "H2"], "d_dinh_duong"].tolist() == [1, 1]


def test_each_household_with_rejected_members_lists_their_rows_and_its_other_members_are_dropped(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {
        "Hộ": [["Mã hộ", "Phường/Xã", "Thu nhập bình quân đầu người/tháng (đồng)"],
               ["H1", "Phường A", 1000000], ["H2", "Phường A", 1000000], ["H3", "Phường A", 1000000],
               ["H4", "Phường A", 1000000], ["H4", "Phường A", 2000000]],
        "TV": [["Mã hộ", "Tuổi", "Có thẻ BHYT"],
               ["H1", 30, "có lẽ"], ["H2", 40, "x"], ["H1", 5, "x"], ["H1", None, "x"],  # rows 2-5
               ["H2", 41, "??"], ["H3", 20, "x"], ["H4", 50, "??"], ["H4", 51, "x"]],  # rows 6-9
    })
    result = classify_file(path)
    problems = problems_of(result)
    rejected_for_members = problems.query("code == 'member_rejected'")
    assert rejected_for_members["value"].tolist() == ["H1", "H2"]  # H4 is rejected already, as a duplicate
    # the members' rows, and the sheet they are on (the households' sheet is the problem's own)
    assert rejected_for_members["message"].str.extract(r"\(rows (.+)\)")[0].tolist() == ["2, 5 ('TV')", "6 ('TV')"]
    dropped = problems.query("code == 'household_rejected'")
    assert dropped["row"].tolist() == [3, 4, 9]  # the good members of H2, H1 and H4
    roster = result.roster.set_index("household_id")
    assert roster.loc["H3", "classification"] != "rejected"
    assert (roster.loc[["H1", "H2"], "classification"] == "rejected").all()
    assert result.counts.balanced()


def test_household_with_no_size_at_all_is_rejected(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {"S": [
        ["Mã hộ", "Phường/Xã", "Tổng thu nhập của hộ 12 tháng (đồng)"], ["H1", "Phường A", "24.000.000"],
    ]})
    result = classify_file(path)
    assert problems_of(result)["code"].tolist() == ["members_unknown"]
    assert result.counts.rejected == 1


def test_area_needed_when_the_ward_name_does_not_tell(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {"S": [
        ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)", "Khu vực"],
        ["H1", "Cầu Giấy", 2, 1000000, ""], ["H2", "Cầu Giấy", 2, 1000000, "Thành thị"],
    ]})
    result = classify_file(path)
    assert problems_of(result).query("severity == 'error'")["code"].tolist() == ["area_required"]
    assert pd.isna(result.roster["area"][0]) and result.roster["area"][1] == "urban"
    assert result.roster["classification"].tolist()[0] == "rejected"


def test_totals_and_blank_rows_are_not_households(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {"S": [
        ["STT", "Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"],
        [1, "H1", "Phường A", 2, 1000000], [], [2, "H2", "Phường A", 2, 1000000], [],
        ["Tổng cộng", "2 hộ", "", 4, ""],
    ]})
    result = classify_file(path)
    assert result.counts.households_read == 2 and result.counts.rejected == 0
    assert problems_of(result).query("code == 'totals_row'")["row"].tolist() == [6]


def test_no_households_sheet_lists_expected_and_found_headers(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {"S": [["Tên", "Địa chỉ", "Điện thoại"], ["A", "B", "C"]]})
    with pytest.raises(InputError) as error:
        classify_file(path)
    assert "'Mã hộ'" in error.value.message and "'Địa chỉ'" in error.value.message


def test_same_column_twice_names_both(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {"S": [["Mã hộ", "Phường/Xã", "Ma ho"], ["H1", "Phường A", "H1"]]})
    with pytest.raises(InputError) as error:
        classify_file(path)
    assert "'Mã hộ' in column A" in error.value.message and "'Ma ho' in column C" in error.value.message


# --- no row is ever lost --------------------------------------------------------------------------------

messy_cell = st.one_of(
    st.none(), st.just(""), st.sampled_from(["x", "có", "0", "2.000.000", "1,500", "#N/A", "Tổng", "abc", "-1"]),
    st.integers(-5, 5_000_000), st.floats(allow_nan=True, allow_infinity=True),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["H1", "H2", "H3", "H4", "", None]), st.sampled_from(["Phường A", "Xã B", "", "Tổng cộng"]),
                          messy_cell, messy_cell, messy_cell), min_size=1, max_size=30))
def test_every_household_row_is_classified_or_rejected(rows):
    header = ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)", "Thiếu hụt: Việc làm"]
    cells = pd.DataFrame([header, *[list(r) for r in rows]], dtype=object)
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    result = run_classification([Grid("S", cells)], STANDARD, "generated", year=2025)
    c = result.counts
    assert c.balanced()
    skipped = len(problems_of(result).query("code in ('totals_row', 'footer_row')"))  # listed, not households
    non_blank = sum(any(v not in (None, "") and not (isinstance(v, float) and v != v) for v in r) for r in rows)
    assert c.households_read + skipped == non_blank
    assert len(result.roster) == c.households_read  # rejected rows stay in the roster, with their errors
