"""A workbook kept as a sheet per ward (and members per ward) is read as one survey: every
household of every sheet classified, each row found again by its sheet and row number."""

from __future__ import annotations

import io
import re
from functools import cache

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import SAMPLE, run_ngheo, write_workbook
from ngheo_cli.io.workbook import Grid, read_grids
from ngheo_cli.pipeline import run_classification
from ngheo_cli.standards.load import load_standard

STANDARD = load_standard("vn-2022-2025")
HOUSEHOLDS = ["Mã hộ", "Họ tên chủ hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]
MEMBERS = ["Mã hộ", "Họ tên", "Tuổi", "Có thẻ BHYT"]
SAMPLE_GRIDS = read_grids(SAMPLE)
LOCATION = ["sheet", "row"]


def split(grid: Grid, header_row: int, cuts: list[int], name: str) -> tuple[list[Grid], dict[tuple[str, int], int]]:
    """The grid's rows below its header cut into sheets (each with the title rows and header
    above), and where each new sheet's row was in the original."""
    edges = [header_row + 1, *cuts, len(grid.cells) + 1]
    top = grid.cells.loc[:header_row]
    grids, origin = [], {}
    for number, (start, stop) in enumerate(zip(edges, edges[1:])):
        sheet = f"{name} {number + 1}"
        body = grid.cells.loc[start:stop - 1]
        cells = pd.concat([top, body], ignore_index=True)
        cells.index = pd.RangeIndex(1, len(cells) + 1)
        grids.append(Grid(sheet, cells))
        origin |= {(sheet, header_row + 1 + offset): start + offset for offset in range(len(body))}
    return grids, origin


def cut_points(grid: Grid, header_row: int, id_column: int):
    """Rows a sheet may start at: one with a household id (a sheet of totals or blanks only is
    not a list of households: the sample's totals row has its count, "311 hộ", under Mã hộ)."""
    body = grid.cells.loc[header_row + 2:]
    totals = {int(r) for r, cells in body.iterrows()
              if any(isinstance(c, str) and c.strip().lower().startswith(("tổng", "cộng")) for c in cells)}
    rows = [int(r) for r, cell in body[id_column].items() if isinstance(cell, str) and cell.strip() and int(r) not in totals]
    return st.lists(st.sampled_from(rows), max_size=4, unique=True).map(sorted)


@cache
def whole_sample():
    return run_classification(read_grids(SAMPLE), STANDARD, SAMPLE.name)


def in_original_rows(text: str, origin: dict[tuple[str, int], int]) -> str:
    """A message's "311 ('Hộ 2')" as the row it was in the one-sheet sample; a members sheet's
    "5 ('TV 1')" as "921 ('Thành viên')" (the sample's one members sheet is named in a
    household's message, its one households sheet is the message's own)."""
    def original(found: re.Match) -> str:
        sheet, row = found[2], int(found[1])
        return f"{origin[(sheet, row)]}" + (f" ('{SAMPLE_GRIDS[1].name}')" if sheet.startswith("TV ") else "")
    return re.sub(r"(\d+) \('([^']+)'\)", original, text)


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_the_sample_cut_into_sheets_classifies_as_the_sample_does(data):
    """However the sample's households and members are spread over sheets, every household is
    classified as in the one-sheet file, and every row and problem is found at the place it
    was moved to."""
    households, members = SAMPLE_GRIDS
    household_cuts = data.draw(cut_points(households, 5, 1), label="household sheets start at")
    member_cuts = data.draw(cut_points(members, 2, 0), label="member sheets start at")
    household_sheets, household_origin = split(households, 5, household_cuts, "Hộ")
    member_sheets, member_origin = split(members, 2, member_cuts, "TV")
    whole = whole_sample()
    cut = run_classification([*household_sheets, *member_sheets], STANDARD, SAMPLE.name)

    assert cut.counts == whole.counts and cut.counts.balanced()
    assert whole.summary.equals(cut.summary)
    origin = {**household_origin, **member_origin}
    several = len(household_cuts) > 0
    assert ("source_sheet" in cut.roster) == several
    if several:
        origin_rows = [household_origin[place] for place in zip(cut.roster["source_sheet"], cut.roster["source_row"])]
        assert origin_rows == whole.roster["source_row"].tolist()
    reasons = cut.roster["reason"].map(lambda text: in_original_rows(text, origin))  # rows of duplicates, members
    assert reasons.tolist() == whole.roster["reason"].tolist()
    pd.testing.assert_frame_equal(cut.roster.drop(columns=["source_sheet", "source_row", "reason"], errors="ignore"),
                                  whole.roster.drop(columns=["source_row", "reason"]))

    original_sheet = {**{name: households.name for name, _ in household_origin},
                      **{name: members.name for name, _ in member_origin}}

    shown = [*LOCATION, "column", "value", "code", "message"]

    def located(problems: pd.DataFrame) -> list[tuple]:
        return sorted((original_sheet.get(sheet, sheet), origin.get((sheet, row), row), column, value, code,
                       in_original_rows(message, origin))
                      for sheet, row, column, value, code, message in problems[shown].itertuples(index=False))

    def in_sample_terms(problems: pd.DataFrame) -> list[tuple]:
        return sorted(tuple(p) for p in problems[shown].itertuples(index=False))

    assert located(cut.problems.to_frame("en")) == in_sample_terms(whole.problems.to_frame("en"))


def test_a_workbook_with_a_sheet_per_ward_is_read_whole(tmp_path):
    """Read on its first sheet alone, the other wards' households were lost without a word (and
    since then refused). Now every sheet's households go in, in workbook order; a hidden old copy
    and a template (a header, no households) stay out; the run names the sheets it read."""
    sheets = {
        "Cầu Giấy": [HOUSEHOLDS, ["CG1", "An", "Phường Cầu Giấy", 2, 9_000_000], ["CG2", "Bình", "Phường Cầu Giấy", 2, "abc"]],
        "Mẫu": [HOUSEHOLDS],
        "Cũ": [HOUSEHOLDS, ["OLD1", "Cũ", "Phường Cầu Giấy", 2, 9_000_000]],
        "Yên Hòa": [["DANH SÁCH HỘ NĂM 2025"], HOUSEHOLDS, ["YH1", "Chi", "Phường Yên Hòa", 3, 9_500_000],
                    ["CG1", "Dũng", "Phường Yên Hòa", 1, 9_000_000]],
    }
    path = write_workbook(tmp_path / "wards.xlsx", sheets)
    book = load_workbook(path)
    book["Cũ"].sheet_state = "hidden"
    book.save(path)

    result = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--year", "2025",
                       "--errors", str(tmp_path / "problems.csv"))
    assert result.returncode == 1, result.stderr.decode()
    stderr = result.stderr.decode()
    assert "Households read from 2 sheets, as one list: 'Cầu Giấy' (2), 'Yên Hòa' (2)." in stderr
    assert "Households read: 4 = classified 1 + undetermined 0 + rejected 3." in stderr
    roster = pd.read_csv(io.BytesIO(result.stdout))
    assert roster[["household_id", "source_sheet", "source_row"]].values.tolist() == [
        ["CG1", "Cầu Giấy", 2], ["CG2", "Cầu Giấy", 3], ["YH1", "Yên Hòa", 3], ["CG1", "Yên Hòa", 4]]
    assert roster["classification"].tolist() == ["rejected", "rejected", "not_poor", "rejected"]
    problems = pd.read_csv(tmp_path / "problems.csv")
    duplicates = problems[problems["code"] == "duplicate_household"]
    assert duplicates[LOCATION].values.tolist() == [["Cầu Giấy", 2], ["Yên Hòa", 4]]
    assert "(cũng ở dòng 4 ('Yên Hòa'))" in duplicates["message"].iloc[0]
    assert problems.loc[problems["code"] == "not_a_number", LOCATION].values.tolist() == [["Cầu Giấy", 3]]


def test_members_kept_per_ward_belong_to_households_of_any_sheet(tmp_path):
    sheets = {
        "Hộ CG": [HOUSEHOLDS, ["CG1", "An", "Phường Cầu Giấy", None, 9_000_000],
                  ["CG2", "Bình", "Phường Cầu Giấy", None, 9_000_000]],
        "TV CG": [MEMBERS, ["CG1", "An", 40, "x"], ["CG1", "Em", 12, "x"], ["YH1", "Chi", 30, "x"]],
        "Hộ YH": [HOUSEHOLDS, ["YH1", "Chi", "Phường Yên Hòa", None, 9_000_000]],
        "TV YH": [MEMBERS, ["CG2", "Bình", "abc", "x"], ["YH9", "Lạc", 20, ""]],
    }
    path = write_workbook(tmp_path / "wards.xlsx", sheets)
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.counts.members_read == 5
    roster = result.roster.set_index("household_id")
    assert roster.loc[["CG1", "YH1"], "members_count"].tolist() == [2, 1]  # YH1's member listed on CG's sheet
    assert result.metadata["members_sheet"] == "TV CG, TV YH"
    problems = result.problems.to_frame("en")
    by_code = {code: rows[LOCATION].values.tolist() for code, rows in problems.groupby("code")}
    assert by_code["not_a_number"] == [["TV YH", 2]]
    assert by_code["member_without_household"] == [["TV YH", 3]]
    assert by_code["member_rejected"] == [["Hộ CG", 3]]
    assert "rows 2 ('TV YH')" in problems.loc[problems["code"] == "member_rejected", "message"].iloc[0]
    assert roster.loc["CG2", ["classification", "source_sheet", "source_row"]].tolist() == ["rejected", "Hộ CG", 3]


def test_a_visible_copy_of_a_list_is_named_not_counted_twice(tmp_path):
    """A backup copy left visible ("DS hộ (2)") would reject every household as a duplicate, and a
    copy of the members sheet would count every member twice without a word."""
    households = [HOUSEHOLDS, ["CG1", "An", "Phường Cầu Giấy", None, 9_000_000], ["CG2", "Bình", "Phường Cầu Giấy", None, 1_000_000]]
    members = [MEMBERS, ["CG1", "An", 40, "x"], ["CG1", "Em", 12, "x"], ["CG2", "Bình", 30, "x"]]
    for sheets, repeated in (({"DS hộ": households, "DS hộ (2)": households}, "'DS hộ (2)' repeats sheet 'DS hộ'"),
                             ({"Hộ": households, "TV": members, "TV (2)": members[:2]}, "'TV (2)' repeats sheet 'TV'")):
        path = write_workbook(tmp_path / "copy.xlsx", sheets)
        result = run_ngheo("classify", str(path), "-o", "-", "--year", "2025")
        assert result.returncode == 2
        assert repeated in result.stderr.decode() and "hidden sheets are not read" in result.stderr.decode()
    book = load_workbook(path)
    book["TV (2)"].sheet_state = "hidden"
    book.save(path)
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.roster["members_count"].tolist() == [2, 1]


def test_the_sheet_with_households_is_read_before_a_fuller_template_with_none(tmp_path):
    """A blank form ("Mẫu", every survey column) beside the officer's list (fewer columns, filled):
    the list is the survey, not the form with more matching headers and no household."""
    template = [[*HOUSEHOLDS, "Khu vực", "Loại nhà", "Nguồn nước sinh hoạt", "Loại nhà tiêu"]]
    sheets = {"Mẫu": template, "Danh sách": [HOUSEHOLDS, ["H1", "An", "Phường A", 2, 9_000_000]]}
    path = write_workbook(tmp_path / "s.xlsx", sheets)
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.roster["household_id"].tolist() == ["H1"] and result.metadata["households_sheet"] == "Danh sách"
