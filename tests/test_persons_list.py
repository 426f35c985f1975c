"""A list of persons under their households on one sheet (each household's row, then its other
members' rows with their relationship to the head) is read as a households list and a members
list: every household is classified as the same survey kept on two sheets is."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import run_ngheo, write_workbook
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ngheo_cli.errors import InputError
from ngheo_cli.io.workbook import read_grids
from ngheo_cli.pipeline import run_classification
from ngheo_cli.standards.load import load_standard

STANDARD = load_standard("vn-2022-2025")
PERSONS_HEADER = ["STT", "Mã hộ", "Họ và tên", "Quan hệ với chủ hộ", "Tuổi", "Có thẻ BHYT", "Phường/Xã",
                  "Thu nhập bình quân đầu người/tháng (đồng)", "Loại nhà"]
# what is compared: what each household is, not where its row was
COMPARED = ["household_id", "head_name", "ward", "members_count", "income_per_capita_month", "deprivation_count",
            "d_bhyt", "d_nguoi_phu_thuoc", "classification", "reason"]

person = st.tuples(st.integers(0, 90), st.booleans())  # age, has health insurance
household = st.tuples(
    st.integers(500_000, 5_000_000),  # income
    st.sampled_from(["kiên cố", "đơn sơ"]),
    person,  # the head
    st.lists(person, max_size=4),  # the others
)


def persons_list(households: list, id_merged_down: list[bool], repeated: bool = False,
                 id_spaced: bool = False) -> tuple[Workbook, int]:
    """The households as a persons list (the id on the household's row, or merged down over its
    members' rows; `repeated`: the household's columns typed again on each member's row, as an
    export writes them, `id_spaced` with a space after the id there); returns the workbook and its
    number of rows of persons other than heads."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Nhân khẩu"
    sheet.append(["DANH SÁCH NHÂN KHẨU HỘ GIA ĐÌNH NĂM 2025"])
    sheet.append(PERSONS_HEADER)
    others = 0
    for number, ((income, house, head, members), merged) in enumerate(zip(households, id_merged_down), start=1):
        first = sheet.max_row + 1
        sheet.append([number, f"H{number}", f"Chủ hộ {number}", "Chủ hộ", head[0], "x" if head[1] else "",
                      "Phường Dịch Vọng", income, house])
        for index, (age, insured) in enumerate(members):
            household_columns = ["Phường Dịch Vọng", income, house] if repeated else [None, None, None]
            sheet.append([None, f"H{number}{' ' if id_spaced else ''}" if repeated else None, f"Người {number}.{index}",
                          "Con" if age < 30 else "Vợ/chồng", age, "x" if insured else "", *household_columns])
        others += len(members)
        if merged and members and not repeated:
            sheet.merge_cells(start_row=first, start_column=2, end_row=sheet.max_row, end_column=2)
    return book, others


def two_sheets(households: list) -> dict[str, list[list]]:
    """The same households as a households sheet and a members sheet."""
    rows = [["Mã hộ", "Họ tên chủ hộ", "Phường/Xã", "Thu nhập bình quân đầu người/tháng (đồng)", "Loại nhà"]]
    members = [["Mã hộ", "Họ và tên", "Tuổi", "Có thẻ BHYT"]]
    for number, (income, house, head, others) in enumerate(households, start=1):
        rows.append([f"H{number}", f"Chủ hộ {number}", "Phường Dịch Vọng", income, house])
        for index, (age, insured) in enumerate([head, *others]):
            name = f"Chủ hộ {number}" if index == 0 else f"Người {number}.{index - 1}"
            members.append([f"H{number}", name, age, "x" if insured else ""])
    return {"Hộ": rows, "Thành viên": members}


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_a_persons_list_classifies_as_the_same_survey_on_two_sheets(tmp_path_factory, data):
    # (one household with others under it at least: a list of heads alone is a list of households, below)
    households = data.draw(st.lists(household, min_size=1, max_size=6).filter(lambda hs: any(h[3] for h in hs)),
                           label="households")
    merged = data.draw(st.lists(st.booleans(), min_size=len(households), max_size=len(households)), label="id merged down")
    repeated = data.draw(st.booleans(), label="household's columns repeated on its members' rows")
    id_spaced = data.draw(st.booleans(), label="the repeated id typed with a space after it")
    as_csv = data.draw(st.booleans(), label="saved as CSV")  # (its cells read as Arrow text, in C)
    folder = tmp_path_factory.mktemp("persons")
    book, others = persons_list(households, merged, repeated, id_spaced)
    listed_file = folder / ("persons.csv" if as_csv else "persons.xlsx")
    if as_csv:  # (a merged id is on its first row only, as a CSV export has it)
        with open(listed_file, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(book.active.iter_rows(values_only=True))
    else:
        book.save(listed_file)
    listed = run_classification(read_grids(listed_file), STANDARD, listed_file.name, year=2025)
    kept_apart = write_workbook(folder / "two.xlsx", two_sheets(households))
    expected = run_classification(read_grids(kept_apart), STANDARD, "two.xlsx", year=2025)

    assert listed.counts == expected.counts and listed.counts.balanced()
    assert listed.counts.households_read == len(households)
    assert listed.counts.members_read == len(households) + others  # each head is a member too
    pd.testing.assert_frame_equal(listed.roster[COMPARED], expected.roster[COMPARED])
    problems = listed.problems.to_frame("en")
    assert problems.query("severity == 'error'").empty
    read_as_members = listed.problems.table().query("code == 'persons_list'")
    assert read_as_members["expected"].tolist() == [f"{others:,}".replace(",", ".")]
    # the members' own columns are theirs, not the households' extra columns
    assert not {"Tuổi", "Có thẻ BHYT", "Họ và tên"} & set(listed.roster.columns)


def test_a_household_row_without_its_id_stays_an_error_not_a_member(tmp_path):
    """Its income (or "Chủ hộ" beside it) says it is a household: read as the members of the one
    above, it would change that household's size without a word."""
    path = write_workbook(tmp_path / "persons.xlsx", {"DS": [
        PERSONS_HEADER,
        [1, "H1", "An", "Chủ hộ", 40, "x", "Phường A", 1_000_000, "kiên cố"],
        [None, None, "Bình", "Vợ", 38, "x", None, None, None],
        [2, None, "Cường", "Chủ hộ", 50, "x", "Phường A", 3_000_000, "kiên cố"],  # its Mã hộ forgotten
        [3, None, "Dũng", "Con", 20, "x", "Phường A", 2_000_000, "kiên cố"],  # a household: its income
    ]})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.counts.members_read == 2 and result.counts.households_read == 3
    roster = result.roster.set_index("source_row")
    assert roster.loc[2, "members_count"] == 2
    assert (roster.loc[[4, 5], "classification"] == "rejected").all()
    assert result.problems.to_frame("en").query("code == 'required'")["row"].tolist() == [4, 5]


def test_a_list_of_heads_with_their_relationship_column_is_a_list_of_households(tmp_path):
    """Every row "Chủ hộ", each with its own Mã hộ: a households list whose age column is the
    head's (no members sheet)."""
    path = write_workbook(tmp_path / "heads.xlsx", {"DS": [
        [*PERSONS_HEADER, "Số nhân khẩu"],
        [1, "H1", "An", "Chủ hộ", 40, "x", "Phường A", 1_000_000, "kiên cố", 3],
        [2, "H2", "Bình", "Chủ hộ", 38, "x", "Phường A", 3_000_000, "kiên cố", 2],
    ]})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.counts.households_read == 2 and result.counts.members_read == 0
    assert result.roster["members_count"].tolist() == [3, 2]
    assert result.problems.to_frame("en").query("code == 'persons_list'").empty


def test_the_command_says_how_it_read_a_persons_list_and_cuts_it_into_chunks_between_households(tmp_path):
    rows = [PERSONS_HEADER,
            [1, "H1", "An", "Chủ hộ", 40, "x", "Phường A", 1_000_000, "kiên cố"],
            [None, None, "Bình", "Vợ", 38, "x", None, None, None],
            [None, None, "Cúc", "Con", 10, "", None, None, None],
            [2, "H2", "Dũng", "Chủ hộ", 50, "", "Phường A", 4_000_000, "kiên cố"],
            [None, None, "Em", "Con", 12, "x", None, None, None]]
    workbook = write_workbook(tmp_path / "persons.xlsx", {"DS": rows})
    result = run_ngheo("classify", str(workbook), "--year", "2025", "-o", str(tmp_path / "out.csv"))
    stderr = result.stderr.decode()
    assert "3 rows read as members of the household above them" in stderr
    assert "Households read: 2 = " in stderr and "Members read: 5" in stderr
    roster = pd.read_csv(tmp_path / "out.csv")
    assert roster[["household_id", "head_name", "members_count"]].values.tolist() == [["H1", "An", 3], ["H2", "Dũng", 2]]
    assert result.returncode == 1  # (the sheet has too few columns to classify: undetermined, said so)

    csv_file = tmp_path / "in-chunks" / "persons.csv"
    csv_file.parent.mkdir()
    csv_file.write_text("\n".join(",".join("" if cell is None else str(cell) for cell in row) for row in rows),
                        encoding="utf-8")
    whole = run_ngheo("classify", str(csv_file), "--year", "2025", "-o", str(tmp_path / "whole.csv"))
    # two rows a chunk: H1's members are not cut from it (its chunk holds its three rows)
    (tmp_path / "chunked").mkdir()
    chunked = run_ngheo("classify", str(csv_file), "--chunk-size", "2", "--year", "2025", "-o",
                        str(tmp_path / "chunked.csv"), "--out-dir", str(tmp_path / "chunked"))
    assert chunked.returncode == whole.returncode == 1
    assert "3 rows read as members of the household above them" in chunked.stderr.decode()
    assert (tmp_path / "chunked.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    for written in ("persons.problems.csv", "persons.summary.csv"):
        assert (tmp_path / "chunked" / written).read_bytes() == (tmp_path / "in-chunks" / written).read_bytes()


def _household_row(ids: list[str]):
    return st.tuples(
        st.sampled_from(ids), st.sampled_from(["Phường A", "Phường B", ""]), st.sampled_from(["900000", "5.000.000", "", "?"]),
        st.sampled_from(["Chủ hộ", "chủ hộ", ""]), st.sampled_from(["40", "7", "", "x"]), st.sampled_from(["x", ""]),
        st.sampled_from(["", "ghi chú"]))


_HOUSEHOLD_ROW = _household_row(["H1", "H2", "H3", " H1", "h2", ""])
_MEMBER_ROW = st.tuples(  # mostly
    st.sampled_from(["", "", "H1", "H2 "]), st.just(""), st.sampled_from(["", "", "900000"]),
    st.sampled_from(["Con", "Vợ", "Cháu", "", "Chủ hộ"]), st.sampled_from(["10", "70", "", "x"]),
    st.sampled_from(["x", ""]), st.sampled_from(["", "", "ghi chú"]))
_TOTALS_ROW = ("Tổng cộng", "", "", "", "", "", "")
_PERSON_ROW = st.one_of(_HOUSEHOLD_ROW, _MEMBER_ROW, st.just(_TOTALS_ROW))
# Rows in any order are mostly not read as a persons list (the test then has nothing to check:
# 64% of them, and Hypothesis' health check gives up on a test that discards that many); half
# the lists are households (each with its Mã hộ) followed by their members' rows, as officers keep them.
_PERSON_ROWS = st.one_of(
    st.lists(_PERSON_ROW, min_size=1, max_size=12),
    st.lists(st.tuples(_household_row(["H1", "H2", "H3", " H1", "h2"]), st.lists(_MEMBER_ROW, min_size=1, max_size=3)),
             min_size=1, max_size=4).map(
        lambda households: [row for household, members in households for row in (household, *members)]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])  # (about half
# the lists are no persons list, by design; were none, Hypothesis would still fail: Unsatisfiable)
@given(rows=_PERSON_ROWS, chunk_rows=st.integers(1, 4), tiny_blocks=st.booleans(),
       quoted_line_break=st.booleans())
# H1 twice, in two chunks: the members under each are its own, in a whole run as in a chunk
@example(rows=[("H1", "Phường A", "900000", "Chủ hộ", "40", "x", ""), ("", "", "", "Con", "10", "x", ""),
               ("H2", "Phường A", "900000", "Chủ hộ", "40", "x", ""), ("H1", "Phường B", "900000", "Chủ hộ", "40", "", ""),
               ("", "", "", "Con", "10", "x", ""), ("", "", "", "Vợ", "70", "", "")],
         chunk_rows=2, tiny_blocks=False, quoted_line_break=False)
def test_any_small_persons_list_in_chunks_gives_the_whole_runs_roster_summary_and_problems(
    tmp_path_factory, rows, chunk_rows, tiny_blocks, quoted_line_break,
):
    """Chunks are cut where a household starts, wherever the blocks of the file end (16 bytes:
    inside rows), and read again by position or (after a quoted line break) handed over whole."""
    from ngheo_cli.io import arrow_csv
    from ngheo_cli.io.writers import csv_bytes
    from ngheo_cli.stream import classify_in_chunks

    header = "Mã hộ,Phường/Xã,Thu nhập bình quân đầu người/tháng (đồng),Quan hệ với chủ hộ,Tuổi,Có thẻ BHYT,Ghi chú"
    lines = [header] + [",".join(row) for row in rows]
    if quoted_line_break:
        lines[-1] = lines[-1].rsplit(",", 1)[0] + ',"ghi\nchú"'
    path = tmp_path_factory.mktemp("persons") / "persons.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        whole = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    except InputError:  # (a list the layout cannot read: chunks refuse it too)
        with pytest.raises(InputError):
            classify_in_chunks(path, None, STANDARD, chunk_rows, lambda csv, n: None, year=2025)
        return
    # (lists with no row read as a member are lists of households: test_stream.py's, in chunks)
    assume("persons_list" in set(whole.problems.to_frame("en")["code"]))
    rosters = []
    with pytest.MonkeyPatch.context() as patch:
        if tiny_blocks:
            patch.setattr(arrow_csv, "BLOCK_BYTES", 16)
        streamed = classify_in_chunks(path, None, STANDARD, chunk_rows, lambda csv, n: rosters.append(csv), year=2025)
    assert b"".join(rosters) == csv_bytes(whole.roster)
    pd.testing.assert_frame_equal(streamed.summary, whole.summary)
    pd.testing.assert_frame_equal(streamed.problems.to_frame("vi"), whole.problems.to_frame("vi"))
    assert streamed.counts == whole.counts


def test_a_persons_list_with_the_birth_year_in_two_columns_by_sex(tmp_path):
    """"Năm sinh" over "Nam" and "Nữ" in a persons list: the row under the header is the
    members' (the households' columns have none), and each person's year is read from either."""
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Mã hộ", "Họ và tên", "Quan hệ với chủ hộ", "Năm sinh", None, "Có thẻ BHYT", "Phường/Xã",
                  "Thu nhập bình quân đầu người/tháng (đồng)"])
    sheet.append([None, None, None, None, "Nam", "Nữ", None, None, None])
    for column in "ABCDGHI":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.merge_cells("E1:F1")
    sheet.append([1, "H1", "An", "Chủ hộ", 1970, None, "x", "Phường A", 1_200_000])
    sheet.append([None, None, "Bình", "Vợ", None, 1972, "", None, None])
    sheet.append([None, None, "Cúc", "Con", None, 2015, "x", None, None])
    path = tmp_path / "persons.xlsx"
    book.save(path)
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.counts.members_read == 3 and result.counts.rejected == 0
    assert result.roster[["household_id", "head_name", "members_count", "d_bhyt"]].values.tolist() == [["H1", "An", 3, 1]]
    assert not {"Năm sinh: Nữ", "Năm sinh: Nam", "Năm sinh"} & set(result.roster.columns)
    assert result.problems.to_frame("en").query("severity == 'error'").empty


def test_a_members_row_under_no_household_is_listed_as_an_error_not_dropped(tmp_path):
    """A row with a member's answers and nothing of a household's (no id, no ward, no income, no
    relationship) is no one's member: right under the header there is no household above it, and
    without a relationship it is not read as one. It was a blank row of the households list,
    dropped without a word; it is a member of no household, an error in the members' list."""
    rows = [PERSONS_HEADER,
            [None, None, None, None, 30, "x", None, None, None],  # above the first household
            [1, "H1", "An", "Chủ hộ", 40, "x", "Phường A", 1_000_000, "kiên cố"],
            [None, None, "Bình", "Vợ", 38, "x", None, None, None],
            [None, None, None, None, 12, "", None, None, None]]  # no relationship given
    path = write_workbook(tmp_path / "persons.xlsx", {"DS": rows})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    problems = result.problems.to_frame("en")
    errors = problems.query("severity == 'error'")
    assert sorted(set(errors["row"])) == [2, 5]
    assert set(errors.loc[errors["row"].isin([2, 5]), "column"]) == {"Mã hộ"}
    assert result.counts.households_read == 1
    assert result.roster["members_count"].tolist() == [2]  # An and Bình


def test_a_household_id_used_twice_in_a_persons_list_keeps_the_members_listed_under_each(tmp_path):
    """Both rows of H1 are rejected as duplicates; each shows the members listed under it (not
    every member with the first H1), as a run in chunks does when they fall in two chunks."""
    rows = [PERSONS_HEADER,
            [1, "H1", "An", "Chủ hộ", 40, "x", "Phường A", 1_000_000, "kiên cố"],
            [None, None, "Bình", "Vợ", 38, "x", None, None, None],
            [2, "H2", "Cúc", "Chủ hộ", 50, "x", "Phường A", 1_000_000, "kiên cố"],
            [3, "H1", "Dũng", "Chủ hộ", 60, "x", "Phường B", 3_000_000, "kiên cố"],
            [None, None, "Em", "Con", 10, "x", None, None, None],
            [None, None, "Giang", "Con", 12, "x", None, None, None]]
    path = write_workbook(tmp_path / "persons.xlsx", {"DS": rows})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    problems = result.problems.to_frame("en")
    assert problems.loc[problems["code"] == "duplicate_household", "row"].tolist() == [2, 5]
    roster = result.roster.set_index("source_row")
    assert roster.loc[[2, 4, 5], "members_count"].tolist() == [2, 1, 3]
    assert roster.loc[4, "classification"] != "rejected"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "parquet"])
def test_the_memory_estimate_of_a_persons_list_counts_its_households_not_its_persons(tmp_path, monkeypatch, delimiter):
    """A city's persons list has 3-4 rows per household; counted as 3-4 households, a list that
    fits in memory was sent to chunks. Its estimate counts the rows that are not members', and a
    machine with just that much free memory classifies it whole (CSV with any separator, Parquet)."""
    from typer.testing import CliRunner

    from ngheo_cli.cli import app
    from ngheo_cli.io import memory

    header = ["Mã hộ", "Phường/Xã", "Thu nhập bình quân đầu người/tháng (đồng)", "Quan hệ với chủ hộ", "Tuổi", "Có thẻ BHYT"]
    rows = []
    for number in range(1, 301):  # 300 households of 4 persons: the head, and three members
        rows.append([f"H{number}", "Phường A", "1500000", "Chủ hộ", "40", "x"])
        rows += [["", "", "", relation, "12", "x"] for relation in ("Vợ", "Con", "cháu")]
    if delimiter == "parquet":
        path = tmp_path / "persons.parquet"
        pd.DataFrame(rows, columns=header).replace("", None).to_parquet(path)
        assert memory.parquet_households_share(path) == pytest.approx(0.25)
        cells = 1200 * len(header)
        as_households = memory.MEMORY_AT_START + memory.MEMORY_PER_HOUSEHOLD * 1200 \
            + memory.MEMORY_PER_TEXT_BYTE * cells * memory._TEXT_BYTES_PER_PARQUET_CELL
    else:
        path = tmp_path / "persons.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter=delimiter).writerows([header, *rows])
        assert memory.households_share(path.read_bytes()[:1 << 16]) == pytest.approx(0.25, abs=0.01)
        as_households = memory.MEMORY_AT_START + memory.MEMORY_PER_HOUSEHOLD * memory.estimated_rows(path) \
            + memory.MEMORY_PER_TEXT_BYTE * path.stat().st_size
    needed = memory.memory_needed(path)
    assert memory.MEMORY_AT_START + memory.MEMORY_PER_HOUSEHOLD * 290 < needed < as_households
    monkeypatch.setattr(memory, "available_memory", lambda: int(needed) + 1)
    result = CliRunner().invoke(app, ["classify", str(path), "--year", "2025", "-o", "-"])
    assert result.exit_code == 1, result.output  # (undetermined: the list has none of the other indicators' columns)
    assert "too big" not in result.stderr
    assert "Households read: 300 = " in result.stderr and "Members read: 1200" in result.stderr
    assert result.stdout.count("\n") == 301  # the header and 300 households
