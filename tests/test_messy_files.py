"""Officers' files as they really come: each case is a real file written by the test."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from conftest import run_ngheo, write_workbook
from ngheo_cli import pipeline
from ngheo_cli.errors import InputError
from ngheo_cli.frames import is_blank
from ngheo_cli.io import arrow_csv, memory, workbook
from ngheo_cli.io.layout import find_survey
from ngheo_cli.io.workbook import Grid, read_grids
from ngheo_cli.pipeline import run_classification
from ngheo_cli.standards.load import load_standard

HEADER = ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]
STANDARD = load_standard("vn-2022-2025")


def assert_read_in_chunks_as_whole(csv, folder, chunk_size: int) -> None:
    """The CSV classified in chunks (two jobs) and whole writes the same roster, summary and
    problems, byte for byte (into folder/"chunks" and folder/"whole")."""
    for run, extra in (("whole", []), ("chunks", ["--chunk-size", str(chunk_size), "--jobs", "2"])):
        (folder / run).mkdir()
        run_ngheo("classify", str(csv), "-f", "csv", "-d", str(folder / run), "--year", "2025",
                  "--errors", str(folder / run / "problems.csv"), *extra)
    for name in (f"{csv.stem}.classified.csv", f"{csv.stem}.summary.csv", "problems.csv"):
        assert (folder / "chunks" / name).read_bytes() == (folder / "whole" / name).read_bytes(), name


def merged(path, sheet: str, *ranges: str):
    """The workbook with these cells of the sheet merged, as a form's header merges them."""
    book = load_workbook(path)
    for cells in ranges:
        book[sheet].merge_cells(cells)
    book.save(path)
    return path


def stderr_of(*args):
    result = run_ngheo(*args)
    return result.returncode, result.stderr.decode()


def test_password_protected_workbook_is_named_as_such(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600)
    code, stderr = stderr_of("classify", str(path))
    assert code == 2 and "password-protected" in stderr and "Traceback" not in stderr


def test_damaged_and_empty_files(tmp_path):
    (tmp_path / "cut.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "empty.xlsx").write_bytes(b"")
    assert "is damaged" in stderr_of("classify", str(tmp_path / "cut.xlsx"))[1]
    for name in ("empty.csv", "empty.xlsx"):
        code, stderr = stderr_of("classify", str(tmp_path / name))
        assert code == 2 and "the file is empty" in stderr


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 20_000_000)
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(workbook, "MAX_UNPACKED_BYTES", 10_000_000)
    with pytest.raises(InputError) as error:
        read_grids(path)
    assert "unpacks to" in error.value.message and "CSV or Parquet" in error.value.hint


def windows_1258(text: str) -> bytes:
    """Windows-1258 writes a toned vowel as a base letter (â, ơ, ư … included) plus a tone mark."""
    import unicodedata

    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            for mark in list(marks):  # fold in the marks that have a precomposed cp1258 letter (ô, ư …)
                composed = unicodedata.normalize("NFC", base + mark)
                if len(composed) == 1 and composed.encode("cp1258", errors="ignore"):
                    base = composed
                    marks.remove(mark)
            out += base.encode("cp1258") + "".join(marks).encode("cp1258")
    return out


def test_csv_encodings(tmp_path):
    text = "Mã hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng)\nH1,Phường Cầu Giấy,2,9000000\n"
    (tmp_path / "u16.csv").write_bytes(text.encode("utf-16"))
    (tmp_path / "w1258.csv").write_bytes(windows_1258(text))
    ok = run_ngheo("classify", str(tmp_path / "u16.csv"), "-o", "-", "-s", "vn-2022-2025")
    assert ok.returncode == 0
    assert pd.read_csv(io.BytesIO(ok.stdout)).loc[0, ["household_id", "classification"]].tolist() == ["H1", "not_poor"]
    code, stderr = stderr_of("classify", str(tmp_path / "w1258.csv"), "-o", "-")
    assert code == 2 and "not UTF-8" in stderr and "--encoding cp1258" in stderr
    with_option = run_ngheo("classify", str(tmp_path / "w1258.csv"), "-o", "-", "--encoding", "cp1258")
    assert with_option.returncode == 0, with_option.stderr.decode()
    assert b"Ph\xc6\xb0\xe1\xbb\x9dng C\xe1\xba\xa7u Gi\xe1\xba\xa5y" in with_option.stdout  # NFC UTF-8 again
    assert "unknown encoding" in stderr_of("classify", str(tmp_path / "w1258.csv"), "--encoding", "klingon")[1]


def test_legacy_font_headers_get_a_conversion_hint(tmp_path):
    # "Mã hộ", "Phường/Xã" … typed in TCVN3 (ABC) and read without the font
    path = write_workbook(tmp_path / "tcvn3.xlsx", {"DS": [
        ["M· hé", "Ph­êng/X·", "Sè nh©n khÈu", "Thu nhËp b×nh qu©n"],
        ["H1", "Ph­êng CÇu GiÊy", 2, 900000], ["H2", "Ph­êng NghÜa §«", 3, 900000], ["H3", "Ph­êng Yªn Hßa", 3, 900000],
    ]})
    code, stderr = stderr_of("classify", str(path))
    assert code == 2 and "legacy Vietnamese font encoding" in stderr


def test_legacy_font_data_under_unicode_headers_is_warned_about(tmp_path):
    path = write_workbook(tmp_path / "mixed.xlsx", {"DS": [
        HEADER + ["Họ tên chủ hộ"],
        *[[f"H{i}", "Phường A", 2, 9000000, "NguyÔn V¨n An"] for i in range(5)],
    ]})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert "legacy_font" in set(result.problems.to_frame()["code"])


def test_the_visible_survey_sheet_wins_over_a_hidden_copy_and_other_sheets(tmp_path):
    book = Workbook()
    notes = book.active
    notes.title = "Hướng dẫn"
    notes.append(["Hướng dẫn điền phiếu"])
    old = book.create_sheet("Bản cũ")
    for row in (HEADER, ["OLD", "Phường A", 2, 100]):
        old.append(row)
    old.sheet_state = "hidden"
    current = book.create_sheet("Bản mới")
    for row in (HEADER, ["NEW", "Phường A", 2, 9000000]):
        current.append(row)
    book.save(tmp_path / "sheets.xlsx")
    result = run_classification(read_grids(tmp_path / "sheets.xlsx"), STANDARD, "sheets.xlsx", year=2025)
    assert result.roster["household_id"].tolist() == ["NEW"]


def test_columns_in_any_order_with_blank_columns_between(tmp_path):
    path = write_workbook(tmp_path / "order.xlsx", {"S": [
        ["Thu nhập bình quân đầu người/tháng (đồng)", None, "Số nhân khẩu", "Phường/Xã", None, "Mã hộ"],
        [9000000, None, 2, "Phường A", None, "H1"],
    ]})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.roster.loc[0, ["household_id", "income_per_capita_month"]].tolist() == ["H1", 9_000_000]


def test_implausible_values_are_kept_with_a_warning(tmp_path):
    path = write_workbook(tmp_path / "big.xlsx", {"S": [HEADER, ["H1", "Phường A", 40, "2.000.000.000"]]})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    problems = result.problems.to_frame("en")
    assert problems.query("code == 'implausible_value'")["column"].tolist() == [
        "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]
    assert result.counts.rejected == 0


def test_strict_rejects_households_with_warnings(tmp_path):
    path = write_workbook(tmp_path / "s.xlsx", {
        "Hộ": [HEADER + ["Thiếu hụt: Việc làm"], ["H1", "Phường A", 5, 9000000, "x"]],
        "TV": [["Mã hộ", "Tuổi"], ["H1", 30], ["H1", 31]],
    })
    relaxed = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    strict = run_classification(read_grids(path), STANDARD, path.name, year=2025, strict=True)
    assert relaxed.roster.loc[0, "classification"] == "not_poor"
    assert strict.roster.loc[0, "classification"] == "rejected"
    assert "Số nhân khẩu" in strict.roster.loc[0, "reason"]
    assert strict.counts.rejected == 1 and strict.counts.balanced()


def test_validate_command_checks_without_classifying(tmp_path):
    path = write_workbook(tmp_path / "v.xlsx", {"S": [HEADER, ["H1", "Phường A", 2, "abc"], ["H2", "Phường A", 2, 1]]})
    result = run_ngheo("validate", str(path), "--lang", "en")
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert "Households read: 2 = valid 1 + rejected 1" in stderr
    problems = pd.read_csv(tmp_path / "v.problems.csv")
    assert problems["code"].tolist() == ["not_a_number"]
    assert not (tmp_path / "v.classified.xlsx").exists()


# --- a fuzz test: whatever an officer's file holds, a clear answer and never a traceback --------------

cell = st.one_of(
    st.none(), st.text(max_size=12), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.sampled_from(["x", "có", "Tổng cộng", "#N/A", "=1+1", "2.000.000 đ", "Phường A", "Xã B", "\u00a0",
                                    "Chủ hộ", "Vợ", "H1", "H2"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 5),
    st.lists(st.sampled_from(HEADER + ["Khu vực", "Năm sinh", "Tuổi", "Loại nhà", "Thiếu hụt: Việc làm", "Ghi chú",
                                       "Quan hệ với chủ hộ", "", None]),
             min_size=1, max_size=8),
    st.lists(st.lists(cell, min_size=0, max_size=8), max_size=12),
)
def test_no_traceback_whatever_the_cells(title_rows, header, rows):
    table = [["DANH SÁCH"]] * title_rows + [header] + rows
    width = max(len(r) for r in table)
    cells = pd.DataFrame([r + [None] * (width - len(r)) for r in table], dtype=object)
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    cells.columns = pd.RangeIndex(len(cells.columns))
    try:
        result = run_classification([Grid("S", cells)], STANDARD, "fuzz", year=2025)
    except InputError as error:
        assert error.message  # a clear refusal is a fine answer
        return
    assert result.counts.balanced()
    assert len(result.roster) == result.counts.households_read
    # no household lost without a word: each row under the header with a household id is in the
    # roster, or listed as skipped (a totals row, a group title …)
    households = find_survey([Grid("S", cells)], {}, "fuzz").households
    id_cells = cells.loc[households.header_row + 1:, households.positions["household_id"]]
    with_id = {int(row) for row, value in id_cells.items() if not is_blank(value)}
    problems = result.problems.table()
    skipped = set(problems.loc[(problems["severity"] == "info") & problems["row"].notna(), "row"].astype(int))
    assert with_id <= set(result.roster["source_row"].astype(int)) | skipped


def test_a_header_split_over_two_rows_under_merged_group_titles(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH HỘ NĂM 2025"])
    sheet.append(["Mã hộ", "Phường/Xã", "Thu nhập", None, "Thiếu hụt", None, None, "Ghi chú"])
    sheet.append([None, None, "Thu nhập bình quân đầu người/tháng (đồng)", "Số nhân khẩu",
                  "Việc làm", "Bảo hiểm y tế", "Nguồn nước sinh hoạt", None])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("C2:D2")
    sheet.merge_cells("E2:G2")
    sheet.append(["H1", "Phường A", "1.000.000", 2, "x", "x", "x", "kiểm tra"])
    path = tmp_path / "two-rows.xlsx"
    book.save(path)
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    row = result.roster.iloc[0]
    assert row["classification"] == "poor" and row["deprivation_count"] == 3
    assert row["Ghi chú"] == "kiểm tra"  # extra columns kept, by their header as written
    assert row["source_row"] == 4


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_household_right_under_the_header_is_a_household_not_part_of_the_header(tmp_path, suffix):
    """Its "Chủ hộ" under "Quan hệ với chủ hộ" names the head's-name column: read as a second
    header row, the first household was lost without a word (4 households read of 5)."""
    rows = [["STT", "Mã hộ", "Họ và tên", "Quan hệ với chủ hộ", *HEADER[1:]],
            [1, "H1", "Nguyễn Văn An", "Chủ hộ", "Phường A", 3, 1_200_000],
            [2, "H2", "Lê Văn Bình", "Chủ hộ", "Phường A", 2, 2_500_000]]
    path = tmp_path / f"heads{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(",".join(str(cell) for cell in row) for row in rows), encoding="utf-8")
    else:
        write_workbook(path, {"DS": rows})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.counts.households_read == 2 and result.counts.rejected == 0
    assert result.roster["household_id"].tolist() == ["H1", "H2"]
    assert result.roster["source_row"].tolist() == [2, 3]
    assert result.roster["income_per_capita_month"].tolist() == [1_200_000, 2_500_000]


def test_validate_strict_counts_rows_with_warnings_as_rejected(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", {
        "Hộ": [HEADER, ["H1", "Phường A", 5, 9000000], ["H2", "Phường A", 2, 9000000]],
        "TV": [["Mã hộ", "Tuổi"], ["H1", 30], ["H1", 31], ["H2", 40], ["H2", 41]],
    })
    relaxed = run_ngheo("validate", str(path))
    strict = run_ngheo("validate", str(path), "--strict", "--force")
    assert relaxed.returncode == 0 and b"valid 2 + rejected 0" in relaxed.stderr
    assert strict.returncode == 1 and b"valid 1 + rejected 1" in strict.stderr


def test_a_file_too_big_for_memory_is_refused_up_front(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(",".join(HEADER) + "\nH1,Phường A,2,9000000\n", encoding="utf-8")
    monkeypatch.setattr(memory, "available_memory", lambda: 1000)
    with pytest.raises(InputError) as error:
        read_grids(path)
    assert "needs about" in error.value.message and "--chunk-size" in error.value.hint


def test_formulas_are_read_by_their_cached_value_and_text_is_never_written_as_a_formula(tmp_path):
    import xlsxwriter
    from openpyxl import load_workbook

    path = tmp_path / "f.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER + ["Họ tên chủ hộ"])
    sheet.write_row(1, 0, ["H1", "Phường A", 2])
    sheet.write_formula(1, 3, "=1000000*2", None, 2000000)
    sheet.write_string(1, 4, "=HYPERLINK(\"http://x\")")
    book.close()
    out = tmp_path / "out.xlsx"
    code, stderr = stderr_of("classify", str(path), "-o", str(out), "-s", "vn-2022-2025")
    assert "Households read: 1" in stderr
    roster = load_workbook(out)["Phân loại"]
    headers = [c.value for c in roster[1]]
    income = roster.cell(2, headers.index("Thu nhập bình quân đầu người/tháng dùng để xét (đồng)") + 1)
    name = roster.cell(2, headers.index("Họ tên chủ hộ") + 1)
    assert income.value == 2_000_000
    assert name.data_type == "s" and name.value == "=HYPERLINK(\"http://x\")"  # text, not a formula


def test_two_extra_columns_with_the_same_header_are_both_kept():
    cells = pd.DataFrame([["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)", "Ghi chú", "Ghi chú"],
                          ["H1", "Phường Nghĩa Đô", "2", "1.000.000", "a", "b"]])
    cells.index = pd.RangeIndex(1, 3)
    result = run_classification([Grid("S", cells)], load_standard(), "x", year=2025)
    assert result.extra_columns == ["Ghi chú", "Ghi chú (2)"]
    assert result.roster[["Ghi chú", "Ghi chú (2)"]].iloc[0].tolist() == ["a", "b"]


@given(st.binary(max_size=60), st.integers(min_value=1, max_value=9))
def test_a_quote_anywhere_in_a_csv_is_found_whatever_the_block_size(data, block):
    """A quote anywhere in the file switches the reader to the slower mode that allows line
    breaks inside values; it must be found in any block of the search."""
    with io.BytesIO(data) as handle:
        assert arrow_csv._contains(handle, b'"', block=block) == (b'"' in data)


def test_a_line_break_inside_a_quoted_cell_far_down_a_csv_stays_in_its_row(tmp_path):
    header = "Mã hộ,Họ tên chủ hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng)\n"
    rows = [f"H{i},Nguyen Van {i},Phường Dịch Vọng,3,2500000\n" for i in range(3000)]  # past the first 64 KB
    rows.append('H3000,"Tran Thi\nB",Phường Dịch Vọng,2,1500000\n')
    path = tmp_path / "survey.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.counts.households_read == 3001 and result.counts.rejected == 0
    assert result.roster["head_name"].iloc[-1] == "Tran Thi B"  # one row, its line break folded


@pytest.mark.parametrize("line_end", ["\r", "\r\n"])
def test_a_csv_with_old_mac_or_windows_line_ends_reads_as_one_with_unix_ones(tmp_path, line_end):
    """Excel for Mac 2011 saved "CSV" with a bare carriage return at each line's end."""
    lines = [",".join(HEADER), "H1,Phường Cầu Giấy,2,9000000", "H2,Phường Dịch Vọng,3,8000000", ""]
    unix, other = tmp_path / "unix.csv", tmp_path / "other.csv"
    unix.write_text("\n".join(lines), encoding="utf-8")
    other.write_text(line_end.join(lines), encoding="utf-8", newline="")
    rosters = [run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025") for path in (unix, other)]
    assert [r.returncode for r in rosters] == [0, 0], rosters[1].stderr.decode()
    assert rosters[1].stdout == rosters[0].stdout
    assert pd.read_csv(io.BytesIO(rosters[1].stdout))["household_id"].tolist() == ["H1", "H2"]


def test_a_one_column_file_shows_what_it_holds_where_the_header_should_be(tmp_path):
    """Fields joined by a separator that is not a CSV's (here '|') read as one column: the error
    shows that text, so the officer sees why, instead of "no text at all"."""
    path = tmp_path / "survey.csv"
    path.write_text("Mã hộ|Phường/Xã|Số nhân khẩu\nH1|Phường A|2\n", encoding="utf-8")
    code, stderr = stderr_of("classify", str(path))
    assert code == 2
    assert "no households sheet found" in stderr and "found: 'Mã hộ|Phường/Xã|Số nhân khẩu'" in stderr


def test_dates_of_birth_count_as_birth_years(tmp_path):
    """Officers copy "Ngày tháng năm sinh" from the household register: a date cell, "15/03/2018",
    "3/2018", "2018-03-15" or the year alone. Each counts by its year, as "Năm sinh" would; a date
    that is not one (31 February) is an error in the officer's terms."""
    households = [HEADER, ["H1", "Phường A", 2, 1_500_000], ["H2", "Phường A", 2, 1_500_000], ["H3", "Phường A", 1, 1_500_000]]
    born = [dt.datetime(1990, 3, 15), "15/03/2018", "3/2015", "2010-03-15", 1950]
    members = [["H1", born[0], "x"], ["H1", born[1], ""], ["H2", born[2], "x"], ["H2", born[3], ""], ["H3", born[4], "x"]]
    by_year = [[household, year, insured] for (household, _, insured), year in zip(members, [1990, 2018, 2015, 2010, 1950])]
    rosters = {}
    for name, column, rows in (("dates", "Ngày tháng năm sinh", members), ("years", "Năm sinh", by_year)):
        path = write_workbook(tmp_path / f"{name}.xlsx", {"Hộ": households, "TV": [["Mã hộ", column, "Có thẻ BHYT"], *rows]},
                              title="DANH SÁCH HỘ NĂM 2025")
        result = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025")
        assert "Members read: 5" in result.stderr.decode(), result.stderr.decode()
        rosters[name] = pd.read_csv(io.BytesIO(result.stdout))
    pd.testing.assert_frame_equal(rosters["dates"], rosters["years"])
    assert rosters["dates"]["d_bhyt"].tolist() == [1, 1, 0]  # the uninsured aged 7 and 15 in 2025
    bad = write_workbook(tmp_path / "bad.xlsx", {"Hộ": households, "TV": [["Mã hộ", "Ngày sinh", "Có thẻ BHYT"],
                                                                         *members[:4], ["H3", "31/02/1985", "x"]]})
    problems = run_classification(read_grids(bad), STANDARD, bad.name, year=2025).problems.to_frame("en")
    error = problems[problems["code"] == "not_a_year"]
    assert error[["sheet", "row", "column", "value"]].values.tolist() == [["TV", 6, "Ngày sinh", "31/02/1985"]]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_birth_year_kept_in_two_columns_by_sex_is_read_from_either(tmp_path, suffix):
    """Registers and forms keep "Năm sinh" merged over "Nam" and "Nữ", each person's year under
    one: the women's column was not read, so every woman lacked an age and her household was
    rejected. The column holding the year also gives the sex; a year under both is an error
    showing both."""
    households = [HEADER, ["H1", "Phường A", 2, 1_500_000], ["H2", "Phường A", 3, 1_500_000],
                  ["H3", "Phường A", 1, 1_500_000]]
    members = [["Mã hộ", "Họ và tên", "Năm sinh", None, "Có thẻ BHYT"], [None, None, "Nam", "Nữ", None],
               ["H1", "An", 1980, None, "x"], ["H1", "Bình", None, 1982, "x"], ["H2", "Chi", None, 2015, ""],
               ["H2", "Dũng", 1975, None, "x"], ["H3", "Em", 1990, 1991, "x"],
               ["H2", "Giang", 1985, 1985, "x"]]  # (the same year under both: that year)
    if suffix == ".xlsx":
        path = merged(write_workbook(tmp_path / "by-sex.xlsx", {"Hộ": households, "TV": members}), "TV",
                      "C1:D1", "A1:A2", "B1:B2", "E1:E2")
        grids = read_grids(path)
    else:
        path = tmp_path / "by-sex.csv"
        path.write_text("\n".join(",".join("" if c is None else str(c) for c in row) for row in members), encoding="utf-8")
        households_csv = tmp_path / "households.csv"
        households_csv.write_text("\n".join(",".join(str(c) for c in row) for row in households), encoding="utf-8")
        grids = read_grids(households_csv) + read_grids(path, members=True)
    checked = pipeline.check_survey(grids, STANDARD, path.name, year=2025)
    members_read = checked.valid.members
    assert members_read["birth_year"].tolist()[:4] == [1980, 1982, 2015, 1975]
    assert members_read["sex"].tolist()[:4] == ["nam", "nữ", "nữ", "nam"]
    problems = checked.valid.problems.to_frame("en")
    both = problems.query("code == 'not_a_year'")
    assert both[["row", "column", "value"]].values.tolist() == [[7, "Năm sinh", "1990 (Nam) / 1991 (Nữ)"]]
    assert problems.query("code == 'age_missing' or code == 'column_not_read'").empty
    result = run_classification(grids, STANDARD, path.name, year=2025)
    assert result.roster["members_count"].tolist()[:2] == [2, 3]
    assert members_read["birth_year"].tolist()[5] == 1985 and members_read["sex"].isna().tolist()[5]
    assert result.roster["classification"].tolist()[2] == "rejected"  # H3, for its member's two years


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_category_ticked_under_its_values_is_read_as_the_value_ticked(tmp_path, suffix):
    """"Loại nhà" over "Kiên cố", "Bán kiên cố", "Thiếu kiên cố", "Đơn sơ" with an "x" under the
    household's own (and "Phân loại đầu kỳ" over "Hộ nghèo", "Hộ cận nghèo"): the first tick
    column was read as the house type, so every "x" was a bad house type and the household
    rejected. Two ticks are an error showing both; "0" is no tick."""
    rows = [[*HEADER, "Loại nhà", None, None, None, "Phân loại đầu kỳ", None],
            [None] * 4 + ["Kiên cố", "Bán kiên cố", "Thiếu kiên cố", "Đơn sơ", "Hộ nghèo", "Hộ cận nghèo"],
            ["H1", "Phường A", 2, 1_500_000, None, None, "x", None, "x", None],
            ["H2", "Phường A", 2, 1_500_000, "x", "0", None, None, None, "x"],
            ["H3", "Phường A", 2, 1_500_000, None, None, None, None, None, None],
            ["H4", "Phường A", 2, 1_500_000, "x", None, None, "x", None, None]]
    if suffix == ".xlsx":
        path = merged(write_workbook(tmp_path / "ticks.xlsx", {"Hộ": rows}), "Hộ",
                      "A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:H1", "I1:J1")
    else:
        path = tmp_path / "ticks.csv"
        path.write_text("\n".join(",".join("" if c is None else str(c) for c in row) for row in rows), encoding="utf-8")
    checked = pipeline.check_survey(read_grids(path), STANDARD, path.name, year=2025)
    households = checked.valid.households
    assert households["house_type"].tolist()[:2] == ["thiếu kiên cố", "kiên cố"]
    assert households["previous_status"].tolist()[:2] == ["poor", "near_poor"]
    assert households[["house_type", "previous_status"]].iloc[2].isna().all()  # (no tick: blank)
    problems = checked.valid.problems.to_frame("en")
    assert problems.query("severity == 'error'")[["row", "column", "value", "code"]].values.tolist() == [
        [6, "Loại nhà", "kiên cố / đơn sơ", "bad_category"]]
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.counts.households_read == 4 and result.counts.rejected == 1
    assert result.roster["d_chat_luong_nha"].tolist()[:2] == [1, 0]
    assert not {"Loại nhà: Bán kiên cố", "Phân loại đầu kỳ: Hộ cận nghèo"} & set(result.roster.columns)
    if suffix == ".csv":
        assert_read_in_chunks_as_whole(path, tmp_path, chunk_size=1)


def test_a_yes_no_answer_ticked_under_yes_and_no_is_read_as_the_answer_ticked(tmp_path):
    """"Có thẻ BHYT" over "Có" and "Không": the "Có" column alone was read, so a tick under
    "Không" was a blank, read as "no" by luck, and a tick under "Có" right; with the "Không"
    column read, a member ticked under neither is blank and under both an error."""
    members = [["Mã hộ", "Tuổi", "Có thẻ BHYT", None], [None, None, "Có", "Không"],
               ["H1", 40, "x", None], ["H1", 12, None, "x"], ["H2", 30, "x", None], ["H3", 50, "x", "x"]]
    households = [HEADER, ["H1", "Phường A", 2, 1_500_000], ["H2", "Phường A", 1, 1_500_000],
                  ["H3", "Phường A", 1, 1_500_000]]
    path = merged(write_workbook(tmp_path / "yes-no.xlsx", {"Hộ": households, "TV": members}), "TV",
                  "C1:D1", "A1:A2", "B1:B2")
    checked = pipeline.check_survey(read_grids(path), STANDARD, path.name, year=2025)
    assert checked.valid.members["health_insurance"].tolist()[:3] == [True, False, True]
    errors = checked.valid.problems.to_frame("en").query("severity == 'error' and sheet == 'TV'")
    assert errors[["row", "column", "value"]].values.tolist() == [[6, "Có thẻ BHYT", "có / không"]]


def test_lists_pasted_one_under_another_and_headers_repeated_on_each_page_are_one_list(tmp_path):
    """Each ward's list pasted under the last, with its title, its header and the form's column
    numbers; a members sheet printed with its header on every page: the header rows were read as
    households "Mã hộ" in ward "Phường/Xã" (and members of household "Mã hộ"), all rejected."""
    households = [["DANH SÁCH HỘ PHƯỜNG A"], HEADER, ["H1", "Phường A", 1, 1_500_000], ["H2", "Phường A", 2, 3_000_000],
                  [], ["DANH SÁCH HỘ PHƯỜNG B"], ["NĂM 2025"], HEADER, [1, 2, 3, 4], ["H3", "Phường B", 1, 1_500_000]]
    members = [["Mã hộ", "Tuổi"], ["H1", 40], ["H2", 30], ["Mã hộ", "Tuổi"], ["H2", 5], ["H3", 70]]
    path = write_workbook(tmp_path / "pasted.xlsx", {"Hộ": households, "TV": members})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.roster["household_id"].tolist() == ["H1", "H2", "H3"]
    assert result.counts.rejected == 0 and result.counts.members_read == 4
    skipped = result.problems.to_frame("en").query("severity == 'info'")[["sheet", "row", "code"]].values.tolist()
    assert skipped == [["Hộ", 6, "title_row"], ["Hộ", 7, "title_row"], ["Hộ", 8, "header_repeated"],
                       ["Hộ", 9, "column_numbers_row"], ["TV", 4, "header_repeated"]]

    csv = tmp_path / "pasted.csv"  # read in chunks as whole (as Excel saves it: every row four fields)
    csv.write_text("\n".join(",".join(str(c) for c in [*row, "", "", "", ""][:4]) for row in households), encoding="utf-8")
    assert_read_in_chunks_as_whole(csv, tmp_path, chunk_size=2)
    assert pd.read_csv(tmp_path / "whole" / "pasted.classified.csv")["household_id"].tolist() == ["H1", "H2", "H3"]


def test_a_members_sheet_without_ages_is_named_not_passed_over(tmp_path):
    """Without ages no member can be counted: the sheet was skipped, and every member-derived
    indicator went missing without a word."""
    path = write_workbook(tmp_path / "s.xlsx", {
        "Hộ": [HEADER, ["H1", "Phường A", 2, 1_500_000]],
        "TV": [["Mã hộ", "Họ và tên", "Quan hệ với chủ hộ", "Có thẻ BHYT"], ["H1", "A", "chủ hộ", "x"]],
    })
    code, stderr = stderr_of("classify", str(path))
    assert code == 2
    assert "sheet 'TV' looks like the members sheet" in stderr and "'Tuổi', 'Năm sinh' or 'Ngày sinh'" in stderr
    assert list(tmp_path.iterdir()) == [path]  # nothing written


def test_a_title_right_above_the_header_does_not_prefix_the_extra_columns(tmp_path):
    """A title merged across the top, the header on the next row: the title is not a group title
    over every column (an extra column stays "Ghi chú", not "DANH SÁCH …: Ghi chú")."""
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH HỘ NGHÈO, CẬN NGHÈO NĂM 2025"])
    sheet.merge_cells("A1:F1")
    sheet.append([*HEADER, "Ghi chú", "STT"])
    sheet.append(["H1", "Phường A", 2, 1_000_000, "mới tách hộ", 1])
    path = tmp_path / "titled.xlsx"
    book.save(path)
    result = run_classification(read_grids(path), STANDARD, path.name)
    assert result.review_year == 2025 and result.roster["source_row"].tolist() == [3]
    assert list(result.roster.columns[-2:]) == ["Ghi chú", "STT"]
    assert result.roster["Ghi chú"].tolist() == ["mới tách hộ"]


def test_an_extra_column_named_like_a_roster_column_is_renamed_not_mixed_up(tmp_path):
    """A survey's own "Phân loại" (an officer's proposal) or an analyst's "classification" and
    "reason" must not replace the roster's: they are kept as "… (2)"."""
    header = [*HEADER, "Phân loại", "classification", "Lý do", "reason"]
    path = write_workbook(tmp_path / "s.xlsx", {"Hộ": [header, ["H1", "Phường A", 2, 9_000_000, "nghèo", "poor", "ốm", "?"]]})
    result = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--year", "2025")
    assert result.returncode == 0, result.stderr.decode()
    roster = pd.read_csv(io.BytesIO(result.stdout))
    assert roster.loc[0, ["classification", "reason"]].tolist() == ["not_poor", "Hộ không nghèo: thu nhập 9.000.000 đ trên 3.000.000 đ"]
    assert roster.loc[0, ["Phân loại (2)", "classification (2)", "Lý do (2)", "reason (2)"]].tolist() == \
        ["nghèo", "poor", "ốm", "?"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_roster_given_back_to_classify_is_named_as_such(tmp_path, fmt):
    survey = write_workbook(tmp_path / "s.xlsx", {"Hộ": [HEADER, ["H1", "Phường A", 2, 9_000_000]]})
    assert run_ngheo("classify", str(survey), "-f", fmt, "-s", "vn-2022-2025").returncode in (0, 1)
    code, stderr = stderr_of("classify", str(tmp_path / f"s.classified.{fmt}"), "-o", "-")
    assert code == 2
    assert "is a roster written by ngheo classify, not a survey" in stderr and "ngheo review" in stderr


def test_the_signature_block_under_the_list_is_skipped_and_listed_not_rejected(tmp_path):
    """Vietnamese forms end in a date line and signatures ("Người lập biểu", "TM. UBND PHƯỜNG",
    "(Ký, ghi rõ họ tên)"): they were four rejected households and a ward named "Cầu Giấy, ngày
    15 tháng 11 năm 2025" in the summary. A row without an id among the households, or below them
    with nothing of a signature, stays an error."""
    header = ["STT", *HEADER]
    rows = [[1, "H1", "Phường A", 2, 9_000_000], [2, "", "Phường A", 2, 9_000_000], [3, "H3", "Phường A", 2, 9_000_000],
            ["Tổng cộng", "", "", 6, ""], [], ["", "", "Cầu Giấy, ngày 15 tháng 11 năm 2025"],
            ["Người lập biểu", "", "", "TM. UBND PHƯỜNG"], ["(Ký, ghi rõ họ tên)", "", "", "CHỦ TỊCH"], [],
            ["Nguyễn Văn A", "", "", "Trần Thị B"]]
    path = write_workbook(tmp_path / "s.xlsx", {"Hộ": [header, *rows]})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.counts.households_read == 3 and result.counts.rejected == 1  # H2's row: no id
    assert result.summary["ward"].tolist() == ["Phường A", "Tổng cộng"]
    problems = result.problems.to_frame("en")
    assert problems.loc[problems["code"] == "footer_row", "row"].tolist() == [7, 8, 9, 11]
    assert problems.loc[problems["code"] == "totals_row", "row"].tolist() == [5]
    plain = write_workbook(tmp_path / "p.xlsx", {"Hộ": [header, rows[0], [9, "", "Phường A", 2, 9_000_000]]})
    result = run_classification(read_grids(plain), STANDARD, plain.name, year=2025)
    assert result.counts.households_read == 2 and result.counts.rejected == 1  # a last household without its id
    added = write_workbook(tmp_path / "a.xlsx", {"Hộ": [header, rows[0], rows[3], [9, "", "Phường A", 2, 9_000_000]]})
    result = run_classification(read_grids(added), STANDARD, added.name, year=2025)
    assert result.counts.households_read == 2 and result.counts.rejected == 1  # added under the totals, with its ward


@pytest.mark.parametrize(("header", "lacking"), [
    (["STT", "Họ tên chủ hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"], "'Mã hộ'"),
    (["Mã hộ", "Họ tên chủ hộ", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"], "'Phường/Xã'"),
])
def test_a_list_without_its_id_or_ward_column_is_told_which_it_lacks(tmp_path, header, lacking):
    path = write_workbook(tmp_path / "s.xlsx", {"Danh sách": [header, ["H1"] * len(header)]})
    code, stderr = stderr_of("classify", str(path))
    assert code == 2
    assert f"sheet 'Danh sách', row 1 has the survey's columns but no {lacking} column" in stderr
    assert f"Hint: add a {lacking} column" in stderr


def test_members_columns_headed_as_officers_head_them_are_read_and_the_others_named(tmp_path):
    """"Trình độ học vấn" and "Việc làm" were passed over as the members sheet's own columns: the
    education and employment answers counted for nothing, without a word. Now they are read,
    and a column that is still not a survey column is named, with the header it looks like."""
    households = [HEADER, ["H1", "Phường A", 2, 1_500_000]]
    members = [["Mã hộ", "Họ tên", "Tuổi", "Trình độ học vấn", "Việc làm", "Nghề nghiệp", "Co the BHYTT"],
               ["H1", "An", 40, "THPT", "tự làm", "bán hàng", "x"], ["H1", "Bình", 20, "lớp 9", "thất nghiệp", "", "✓"]]
    path = write_workbook(tmp_path / "s.xlsx", {"Hộ": households, "TV": members})
    result = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--year", "2025",
                       "--errors", str(tmp_path / "problems.csv"))
    stderr = result.stderr.decode()
    assert "Note: columns of the members sheet not read (not survey columns): 'Nghề nghiệp', " \
           "'Co the BHYTT' (is it 'Có thẻ BHYT'?)" in stderr
    problems = pd.read_csv(tmp_path / "problems.csv")
    assert problems.loc[problems["code"] == "bad_category", ["row", "column", "value"]].values.tolist() == \
        [[3, "Trình độ học vấn", "lớp 9"]]  # read as the education column, against its categories
    assert problems.loc[problems["code"] == "column_not_read", ["sheet", "row", "column"]].values.tolist() == \
        [["TV", 1, "Nghề nghiệp"], ["TV", 1, "Co the BHYTT"]]


# Headers as officers' forms have them, each with the column it is (a unit or a form's column
# number in brackets, abbreviations, other words for the same thing)
OFFICERS_HEADERS = {
    "households": [
        ("Mã HGĐ", "household_id"), ("Mã số hộ", "household_id"), ("Họ và tên chủ hộ", "head_name"),
        ("Chủ hộ", "head_name"), ("Họ và tên", "head_name"), ("Xã/Phường", "ward"), ("Thôn, tổ dân phố", "hamlet"), ("Số khẩu", "members_count"),
        ("Số NK", "members_count"), ("Số thành viên", "members_count"), ("TNBQ", "income_per_capita"),
        ("Thu nhập BQ đầu người/tháng", "income_per_capita"), ("Thu nhập BQ (đồng/người/tháng)", "income_per_capita"),
        ("Thu nhập bình quân người/tháng (1.000 đồng)", "income_per_capita"),
        ("Diện tích nhà (m2)", "floor_area_m2"), ("Nguồn nước", "water_source"), ("Nhà vệ sinh", "toilet_type"),
        ("Sử dụng Internet", "internet_use"), ("Gia đình có công", "merit_family"), ("Hộ BTXH", "social_protection"),
        ("Hộ DTTS", "ethnic_minority"), ("Số nhân khẩu (5)", "members_count"),
        ("Thu nhập bình quân 1 người/tháng", "income_per_capita"), ("TNBQ/khẩu/tháng", "income_per_capita"),
        ("Tổng thu nhập của hộ/năm", "income_year"), ("Tổng điểm B1", "b1_score"),
    ],
    "members": [
        ("Có BHYT", "health_insurance"), ("Bảo hiểm y tế", "health_insurance"), ("Trình độ văn hóa", "education"),
        ("Việc làm", "employment"), ("Hưởng BTXH", "monthly_allowance"), ("Ngày tháng năm sinh", "birth_date"),
    ],
}


@pytest.mark.parametrize(("sheet", "header", "column_id"),
                         [(sheet, header, column_id) for sheet, pairs in OFFICERS_HEADERS.items() for header, column_id in pairs])
def test_headers_as_officers_write_them_name_their_column(sheet, header, column_id):
    from ngheo_cli.io.layout import header_key, spelling_table
    from ngheo_cli.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

    columns = HOUSEHOLD_COLUMNS if sheet == "households" else MEMBER_COLUMNS
    assert spelling_table(columns, {}).get(header_key(header)) == column_id


def test_no_header_spelling_names_two_columns():
    """Each spelling's key (after brackets and abbreviations) names one column of its sheet, the
    standards' answer columns included: a header can never be read as the wrong column."""
    from ngheo_cli.io.layout import header_key
    from ngheo_cli.pipeline import direct_answer_headers
    from ngheo_cli.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
    from ngheo_cli.standards.load import builtin_ids, load_standard

    answers = {column_id: spellings for standard in builtin_ids()
               for column_id, spellings in direct_answer_headers(load_standard(standard)).items()}
    for columns, extra in ((HOUSEHOLD_COLUMNS, answers), (MEMBER_COLUMNS, {})):
        named: dict[str, set] = {}
        for spec in columns:
            for spelling in spec.spellings():
                named.setdefault(header_key(spelling), set()).add(spec.id)
        for column_id, spellings in extra.items():
            for spelling in (column_id, *spellings):
                named.setdefault(header_key(spelling), set()).add(column_id)
        assert {key: ids for key, ids in named.items() if len(ids) > 1} == {}


@pytest.mark.parametrize(("header", "typed", "income", "multiplied_by"), [
    ("Thu nhập bình quân người/tháng (1.000 đồng)", "1.500", 1_500_000, "1.000"),
    ("Thu nhập BQ đầu người/tháng (nghìn đồng)", 2_500, 2_500_000, "1.000"),
    ("TNBQ (triệu đồng)", "1,8", 1_800_000, "1.000.000"),
    ("Thu nhập BQ (đồng/người/tháng)", "1.500.000", 1_500_000, None),
])
def test_incomes_headed_in_thousands_or_millions_of_dong_count_in_dong(tmp_path, header, typed, income, multiplied_by):
    """Statistical forms head money "(1.000 đồng)": read as đồng, 1.500 thousand would make a
    household earning 1,500,000 a month a poor one earning 1,500. The problems file says so."""
    path = write_workbook(tmp_path / "s.xlsx", {"Hộ": [["Mã hộ", "Phường/Xã", "Số nhân khẩu", header],
                                                      ["H1", "Phường A", 2, typed]]})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.roster.loc[0, "income_per_capita_month"] == income
    told = result.problems.to_frame("en").query("code == 'unit_from_header'")
    assert told[["column", "message"]].values.tolist() == ([] if multiplied_by is None else [[
        header, f"Amounts in this column count in the unit its header gives: each is multiplied by {multiplied_by}"]])


def test_cells_merged_down_over_rows_hold_their_value_for_each_row(tmp_path):
    """Lists type a ward or a hamlet once, merged down beside its households, and a household's
    code merged down beside its members: only the first row had the value, so the others were
    rejected for a blank ward and their members left without a household. Merges in the title
    and header rows (a title across the sheet, a group title over answer columns) stay as read."""
    book = Workbook()
    households = book.active
    households.title = "Hộ"
    households.append(["DANH SÁCH HỘ NĂM 2025"])
    households.append(["Mã hộ", "Phường/Xã", "Tổ dân phố", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"])
    for row in (["H1", "Phường A", "Tổ 1", None, 1_500_000], ["H2", None, None, None, 2_500_000],
                ["H3", None, "Tổ 2", None, 5_000_000], ["H4", "Phường B", "Tổ 5", None, 1_000_000]):
        households.append(row)
    households.merge_cells("A1:E1")
    households.merge_cells("B3:B5")
    households.merge_cells("C3:C4")
    members = book.create_sheet("Thành viên")
    members.append(["Mã hộ", "Họ và tên", "Tuổi"])
    for row in (["H1", "An", 40], [None, "Bình", 12], ["H2", "Chi", 30], ["H3", "Dũng", 50], [None, "Em", 20],
                [None, "Giang", 18], ["H4", "Hà", 70]):
        members.append(row)
    members.merge_cells("A2:A3")
    members.merge_cells("A5:A7")
    path = tmp_path / "merged.xlsx"
    book.save(path)
    result = run_classification(read_grids(path), STANDARD, path.name)
    roster = result.roster
    assert roster["ward"].tolist() == ["Phường A"] * 3 + ["Phường B"]
    assert roster["hamlet"].tolist() == ["Tổ 1", "Tổ 1", "Tổ 2", "Tổ 5"]
    assert roster["members_count"].tolist() == [2, 1, 3, 1]
    assert result.counts.rejected == 0
    assert (result.review_year, result.review_year_source) == (2025, "title row")


@pytest.mark.parametrize("numbers", [[1, 2, 3, 4, 5], ["(1)", "(2)", "(3)", "(4)", "(5)=(3)x2"], ["A", "B", "C", "D", "E"]])
def test_the_forms_row_of_column_numbers_is_skipped_not_read_as_a_household(tmp_path, numbers):
    """Official forms number their columns under the header: "1 2 3 …" was a household with id 2
    in ward 3 (classified, had it had an area), "(1) (2) …" and "A B C" rejected households."""
    members_numbers = numbers[:3]
    path = write_workbook(tmp_path / "s.xlsx", {
        "Hộ": [["STT", *HEADER], numbers, [1, "H1", "Phường A", 2, 1_500_000], [2, "H2", "Phường A", 3, 2_500_000]],
        "TV": [["Mã hộ", "Họ và tên", "Tuổi"], members_numbers, ["H1", "An", 40], ["H1", "Bình", 12]],
    })
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.roster["household_id"].tolist() == ["H1", "H2"]
    assert result.counts.members_read == 2 and result.counts.rejected == 0
    problems = result.problems.to_frame("en")
    assert problems.query("severity == 'error'").empty
    assert ["Hộ", 2] in problems.query("code == 'column_numbers_row'")[["sheet", "row"]].values.tolist()
    # (the members' "(1) (2) (3)" is read as the header's row of notes, like a row of units)


def test_group_titles_inside_the_list_are_skipped_and_listed_not_rejected(tmp_path):
    """Lists group households under "I. PHƯỜNG CẦU GIẤY" and "Tổ dân phố 5" rows, often with a
    "Cộng" row after each group: those were households without a ward, rejected. A head named
    "Tô Văn Ba" is no "Tổ"; a household whose ward cell is blank is of the ward its group's
    title names (it was rejected), and one without its id stays an error."""
    header = ["STT", "Mã hộ", "Họ tên chủ hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]
    rows = [["I", "PHƯỜNG CẦU GIẤY"], [1, "H1", "An", "Phường Cầu Giấy", 2, 1_500_000],
            [None, "Cộng phường Cầu Giấy", None, None, 2], [2, None, "Tổ dân phố 5"], [3, "H2", "Bình", "Phường Cầu Giấy", 3, 2_500_000],
            ["II.", None, "Xã Tân Lập"], [4, "H3", "Tô Văn Ba", None, 2, 900_000], [5, None, "Tô Văn Ba"]]
    path = write_workbook(tmp_path / "s.xlsx", {"Hộ": [header, *rows]})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.roster["household_id"].fillna("").tolist() == ["H1", "H2", "H3", ""]
    problems = result.problems.to_frame("en")
    assert problems.query("code == 'section_row'")[["row", "value"]].values.tolist() == \
        [[2, "PHƯỜNG CẦU GIẤY"], [5, "Tổ dân phố 5"], [7, "Xã Tân Lập"]]
    assert problems.query("code == 'required'")[["row", "column"]].values.tolist() == [[9, "Mã hộ"]]
    assert result.roster["ward"].tolist() == ["Phường Cầu Giấy", "Phường Cầu Giấy", "Xã Tân Lập", "Xã Tân Lập"]
    assert result.roster["hamlet"].fillna("").tolist() == ["", "Tổ dân phố 5", "", ""]  # (a ward's title ends a tổ)
    assert problems.query("code == 'from_group_titles'")[["row", "column", "value"]].values.tolist() == \
        [[2, "Phường/Xã", "Phường Cầu Giấy"], [5, "Tổ dân phố/Thôn", "Tổ dân phố 5"]]


def test_a_row_of_units_under_the_header_is_part_of_it(tmp_path):
    """Forms put each column's unit in a row under the header: "(người)", "(1.000 đồng)", "(m2)".
    It was a row without an id (rejected), and the income counted in đồng."""
    header = ["STT", "Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng", "Diện tích nhà ở"]
    units = [None, None, None, "(người)", "(1.000 đồng)", "(m2)"]
    path = write_workbook(tmp_path / "s.xlsx", {"Hộ": [header, units, [1, "H1", "Phường A", 2, 1_500, 40]]})
    result = run_classification(read_grids(path), STANDARD, path.name, year=2025)
    assert result.counts.households_read == 1 and result.counts.rejected == 0
    assert result.roster.loc[0, ["income_per_capita_month", "members_count"]].tolist() == [1_500_000, 2]
    assert "unit_from_header" in result.problems.to_frame("en")["code"].tolist()


def test_a_misspelt_survey_header_is_named_with_the_one_it_looks_like(tmp_path):
    """"…đầu ngừi/thág" kept as the file's own column left every household without an income, and
    the officer looking for the reason; an own column like no survey column is not mentioned."""
    header = ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu ngừi/thág", "Ghi chú"]
    path = write_workbook(tmp_path / "s.xlsx", {"Hộ": [header, ["H1", "Phường A", 2, 1_500_000, "mới chuyển đến"]]})
    result = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--year", "2025",
                       "--errors", str(tmp_path / "problems.csv"))
    assert "Note: columns kept as the file's own, not read as the survey's: 'Thu nhập bình quân đầu ngừi/thág' " \
           "(is it 'Thu nhập bình quân đầu người/tháng (đồng)'?)" in result.stderr.decode()
    problems = pd.read_csv(tmp_path / "problems.csv")
    assert problems.loc[problems["code"] == "column_looks_like", "column"].tolist() == ["Thu nhập bình quân đầu ngừi/thág"]


INDICATOR_SUBHEADERS = ["1. Việc làm", "Người phụ thuộc", "Dinh dưỡng", "BHYT", "Trình độ giáo dục người lớn",
                        "Tình trạng đi học của trẻ em", "Chất lượng nhà ở", "Diện tích nhà ở", "Nguồn nước sinh hoạt",
                        "Nhà tiêu HVS", "Dịch vụ viễn thông", "Phương tiện tiếp cận thông tin"]  # as forms shorten (and number) them


DIMENSIONS = ("Việc làm", "Y tế", "Giáo dục", "Nhà ở", "Nước sinh hoạt và vệ sinh", "Thông tin")
LACKS = {"MP1": [0, 3, 4, 6], "MP2": [], "MP3": [1, 8, 9, 10, 11]}


def list_form(by_dimension: bool) -> tuple[list[list], list[str]]:
    """The rows of the official list form (its header over two or three rows, the form's column
    numbers under it, then LACKS' households), and the ranges its header merges."""
    rows = [["UBND XÃ MINH PHÚ"], ["DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2025"],
            ["STT", "Mã hộ", "Họ và tên chủ hộ", "Số nhân khẩu", "Thu nhập BQ/người/tháng (nghìn đồng)",
             "Các chỉ số thiếu hụt dịch vụ xã hội cơ bản", *[None] * 11, "Ghi chú"]]
    merges = ["F3:Q3"]
    if by_dimension:
        rows.append([None] * 5 + [name for dimension in DIMENSIONS for name in (dimension, None)])
        merges += [f"{first}4:{last}4" for first, last in ("FG", "HI", "JK", "LM", "NO", "PQ")]
    rows.append([None] * 5 + INDICATOR_SUBHEADERS)
    merges += [f"{column}3:{column}{len(rows)}" for column in "ABCDER"]
    rows.append(list(range(1, 19)))
    for number, (household, lacking) in enumerate(LACKS.items()):
        rows.append([number + 1, household, f"Hộ {number}", 3, 1_500, *["x" if i in lacking else None for i in range(12)]])
    return rows, merges


@pytest.mark.parametrize("by_dimension", [False, True])
def test_the_list_forms_deprivation_columns_under_their_titles_are_read(tmp_path, by_dimension):
    """The official list form puts an "x" under each indicator the household lacks, the twelve
    under one title ("Các chỉ số thiếu hụt dịch vụ xã hội cơ bản"), often over a row of the six
    dimensions, with the names shortened. Those columns were not read (every household
    undetermined, or classified on the raw columns they look like: "Nguồn nước sinh hoạt")."""
    rows, merges = list_form(by_dimension)
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    path = tmp_path / "mau.xlsx"
    book.save(path)

    result = run_classification(read_grids(path), STANDARD, path.name)
    roster = result.roster.set_index("household_id")
    indicators = [f"d_{i.id}" for i in STANDARD.model.indicators]
    assert roster["indicators_missing"].fillna("").eq("").all()
    for household, lacking in LACKS.items():
        assert roster.loc[household, indicators].tolist() == [int(i in lacking) for i in range(12)], household
    assert roster["classification"].tolist() == ["poor", "near_poor", "poor"]  # 1,500,000 đ: under the line
    assert result.metadata["households_sheet"] == sheet.title and set(roster["ward"]) == {"Xã Minh Phú"}
    assert "Ghi chú" not in roster  # (blank but for the form's column number: no column of the file's own)


def test_the_list_form_as_csv_in_chunks_is_read_as_a_whole_run_reads_it(tmp_path):
    """A header over three rows with the household id on its top row: chunked runs looked for
    the id's header on the lowest row only and stopped ("could not place the household id")."""
    rows, _ = list_form(by_dimension=True)
    path = tmp_path / "mau.csv"
    width = max(len(row) for row in rows)
    pd.DataFrame([row + [None] * (width - len(row)) for row in rows]).to_csv(path, header=False, index=False)
    for folder, extra in (("whole", []), ("chunks", ["--chunk-size", "1", "--jobs", "2"])):
        (tmp_path / folder).mkdir()
        result = run_ngheo("classify", str(path), "-f", "csv", "-d", str(tmp_path / folder), "-s", "vn-2022-2025",
                           "--errors", str(tmp_path / folder / "problems.csv"), *extra)
        assert result.returncode == 0, result.stderr.decode()
    for name in ("mau.classified.csv", "mau.summary.csv", "problems.csv"):
        assert (tmp_path / "chunks" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    roster = pd.read_csv(tmp_path / "whole" / "mau.classified.csv")
    assert roster["deprivation_count"].tolist() == [len(lacking) for lacking in LACKS.values()]
