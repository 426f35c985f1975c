"""One ward, one row of the summary: which spellings of a ward's name count as one."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_ngheo, write_workbook
from ngheo_cli.io.workbook import read_grids
from ngheo_cli.pipeline import run_classification
from ngheo_cli.schema import area_from_ward_name
from ngheo_cli.summary import finish_summary, ward_counts
from ngheo_cli.standards.load import load_standard
from ngheo_cli.ward_names import ward_in_title, ward_spellings

STANDARD = load_standard("vn-2022-2025")


def merged(*spellings: str, rows: list[int] | None = None) -> dict[str, str]:
    return ward_spellings(dict(zip(spellings, rows or [1] * len(spellings))))


def test_case_spaces_abbreviations_and_tone_positions_are_one_name():
    assert merged("Phường Cầu Giấy", "phường cầu giấy", "PHƯỜNG CẦU GIẤY", "P. Cầu Giấy", "P.Cầu Giấy") == {
        "phường cầu giấy": "Phường Cầu Giấy", "PHƯỜNG CẦU GIẤY": "Phường Cầu Giấy",
        "P. Cầu Giấy": "Phường Cầu Giấy", "P.Cầu Giấy": "Phường Cầu Giấy"}
    assert merged("Xã Hoà Bình", "Xã Hòa Bình", rows=[1, 3]) == {"Xã Hoà Bình": "Xã Hòa Bình"}  # old and new tone place
    assert merged("TT. Sóc Sơn", "Thị trấn Sóc Sơn") == {"TT. Sóc Sơn": "Thị trấn Sóc Sơn"}


def test_other_diacritics_are_another_name():
    assert merged("Phường Tân Định", "Phường Tân Đình") == {}
    assert merged("Xã Tân An", "Xã Tân Ân") == {}


def test_a_name_without_its_unit_or_its_marks_joins_the_one_full_name_it_fits():
    assert merged("Phường Cầu Giấy", "Cầu Giấy", "Phuong Cau Giay", "cau giay") == {
        "Cầu Giấy": "Phường Cầu Giấy", "Phuong Cau Giay": "Phường Cầu Giấy", "cau giay": "Phường Cầu Giấy"}
    # two full names fit it: it stays as typed
    assert merged("Phường Tân Định", "Phường Tân Đình", "Phuong Tan Dinh") == {}
    assert merged("Phường Đông Anh", "Xã Đông Anh", "Đông Anh") == {}
    # nothing full to join: spellings of the same partial name still count as one
    assert merged("cầu giấy", "Cầu Giấy") == {"cầu giấy": "Cầu Giấy"}


def test_the_name_kept_is_full_capitalised_unabbreviated_then_the_most_used():
    assert merged("phường cầu giấy", "Phường Cầu Giấy", rows=[9, 1]) == {"phường cầu giấy": "Phường Cầu Giấy"}
    assert merged("P. Cầu Giấy", "Phường Cầu Giấy", rows=[9, 1]) == {"P. Cầu Giấy": "Phường Cầu Giấy"}
    assert merged("Phường Cầu giấy", "Phường Cầu Giấy", rows=[1, 5]) == {"Phường Cầu giấy": "Phường Cầu Giấy"}


@pytest.mark.parametrize(("ward", "area"), [("Phường A", "urban"), ("P. Dịch Vọng", "urban"), ("TT. Sóc Sơn", "urban"),
                                            ("Xã B", "rural"), ("X. Minh Phú", "rural"), ("Xa La", "rural"),
                                            ("Cầu Giấy", None), ("Xuân Đỉnh", None)])
def test_the_area_a_name_tells(ward, area):
    assert area_from_ward_name(ward) == area


NAMES = ["Phường Cầu Giấy", "phường cầu giấy", "P. Cầu Giấy", "Cầu Giấy", "Phuong Cau Giay", "Xã Hoà Bình",
         "Xã Hòa Bình", "Phường Tân Định", "Phường Tân Đình", "Phuong Tan Dinh", None]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["poor", "not_poor", "rejected"])), min_size=1,
                max_size=30))
def test_merging_moves_households_between_rows_and_loses_none(rows):
    rows = [(ward, "rejected" if ward is None else status) for ward, status in rows]  # (a ward is required)
    roster = pd.DataFrame({"ward": pd.Series([w for w, _ in rows], dtype="string"),
                           "classification": pd.Series([c for _, c in rows], dtype="string"),
                           "members_count": pd.Series([1] * len(rows), dtype="Int64")})
    table, rejected = ward_counts(roster, [])
    summary = finish_summary(table, rejected)
    total = summary.iloc[-1]
    assert total["households"] == sum(c != "rejected" for _, c in rows)
    assert total["rejected"] == rejected == sum(c == "rejected" for _, c in rows)
    assert summary["households"].iloc[:-1].sum() == total["households"]
    renamed = ward_spellings(dict(zip(table.index, table["households"] + table["rejected"])))
    assert set(summary["ward"].iloc[:-1]) == {renamed.get(w, w) for w in table.index}
    assert not set(renamed.values()) & set(renamed)  # a name counted under is not itself counted under another


def test_the_summary_of_a_survey_counts_a_ward_once_and_says_what_it_merged(tmp_path):
    header = ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]
    rows = [[f"H{i}", ward, 2, 9_000_000] for i, ward in
            enumerate(["Phường Cầu Giấy", "phường cầu giấy", "P. Cầu Giấy", "Phường Nghĩa Đô", "Phuong Cau Giay"])]
    path = write_workbook(tmp_path / "s.xlsx", {"Hộ": [header, *rows]})
    result = run_ngheo("classify", str(path), "-f", "csv", "-s", "vn-2022-2025", "--year", "2025")
    assert result.returncode == 0, result.stderr.decode()
    summary = pd.read_csv(tmp_path / "s.summary.csv")
    assert summary[["ward", "households"]].values.tolist() == [["Phường Cầu Giấy", 4], ["Phường Nghĩa Đô", 1],
                                                                ["Tổng cộng", 5]]
    note = "'Phường Cầu Giấy' ← 'phường cầu giấy', 'P. Cầu Giấy', 'Phuong Cau Giay'"
    assert note in result.stderr.decode()
    roster = pd.read_csv(tmp_path / "s.classified.csv")
    assert roster["ward"].tolist() == [r[1] for r in rows]  # the roster keeps each ward as typed
    as_json = run_ngheo("classify", str(path), "-f", "json", "-o", "-", "-s", "vn-2022-2025", "--year", "2025")
    assert pd.read_json(io.BytesIO(as_json.stdout), typ="series")["metadata"]["wards_merged"] == note


def test_in_chunks_the_whole_files_spellings_are_merged_as_in_a_whole_run(tmp_path):
    """Each chunk sees only some spellings ("Phuong Cau Giay" alone in a chunk joins nothing):
    the merge is made once the chunks' counts are added, so the summary is the whole run's."""
    header = "Mã hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng)\n"
    wards = ["Phuong Cau Giay", "Phường Cầu Giấy", "phường cầu giấy", "Xã Hoà Bình", "Xã Hòa Bình", "Cầu Giấy"] * 3
    path = tmp_path / "s.csv"
    path.write_text(header + "".join(f"H{i},{w},2,9000000\n" for i, w in enumerate(wards)), encoding="utf-8")
    for folder, extra in (("whole", []), ("chunks", ["--chunk-size", "2", "--jobs", "2"])):
        (tmp_path / folder).mkdir()
        result = run_ngheo("classify", str(path), "-f", "csv", "-d", str(tmp_path / folder), "-s", "vn-2022-2025",
                           "--year", "2025", *extra)
        assert result.returncode == 1, result.stderr.decode()  # "Cầu Giấy" tells no area: its rows are rejected
    whole = (tmp_path / "whole" / "s.summary.csv").read_bytes()
    assert (tmp_path / "chunks" / "s.summary.csv").read_bytes() == whole
    assert pd.read_csv(io.BytesIO(whole))["ward"].tolist() == ["Phường Cầu Giấy", "Xã Hoà Bình", "Tổng cộng"]  # (ties: the first typed)


def test_the_review_counts_a_ward_once_too(tmp_path):
    header = ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)", "Thiếu hụt: Việc làm"]
    spelled = ["Phường Cầu Giấy", "phường cầu giấy", "P. Cầu Giấy", "Phuong Cau Giay"]
    last = write_workbook(tmp_path / "ds-2024.xlsx", {"Hộ": [header, *[[f"H{i}", "Phường Cầu Giấy", 2, 9_000_000, ""]
                                                                        for i in range(4)]]})
    this = write_workbook(tmp_path / "ds-2025.xlsx", {"Hộ": [header, *[[f"H{i}", ward, 2, 9_000_000, ""]
                                                                        for i, ward in enumerate(spelled)]]})
    result = run_ngheo("review", str(last), str(this), "-s", "vn-2022-2025", "-f", "csv", "-d", str(tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    table = pd.read_csv(tmp_path / "ds-2025.review.transitions.csv")
    wards = table[table["level"] == "ward"]
    assert wards[["ward", "households_start", "households_end"]].values.tolist() == [["Phường Cầu Giấy", 4, 4]]
    assert "'Phường Cầu Giấy' ← 'phường cầu giấy', 'P. Cầu Giấy', 'Phuong Cau Giay'" in result.stderr.decode()


# --- a ward's own list: the ward named in its title rows only ------------------------------------


@pytest.mark.parametrize(("title", "ward"), [
    (["UBND PHƯỜNG NGHĨA ĐÔ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"], "Phường Nghĩa Đô"),
    (["UBND QUẬN CẦU GIẤY", "UBND PHƯỜNG NGHĨA ĐÔ", "Độc lập - Tự do - Hạnh phúc"], "Phường Nghĩa Đô"),
    (["DANH SÁCH HỘ NGHÈO TRÊN ĐỊA BÀN XÃ MINH PHÚ, HUYỆN SÓC SƠN NĂM 2025"], "Xã Minh Phú"),
    (["UBND THỊ TRẤN ĐÔNG ANH"], "Thị trấn Đông Anh"),
    (["Phường 5, Quận 3"], "Phường 5"),
    (["Phường/Xã: Nghĩa Đô"], "Nghĩa Đô"),  # a form's field: which unit it is, it does not say
    (["Phường Nghĩa Đô", "DANH SÁCH HỘ NGHÈO PHƯỜNG NGHĨA ĐÔ NĂM 2025"], "Phường Nghĩa Đô"),
    (["THỊ XÃ SƠN TÂY"], None),  # a town, above the wards
    (["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Hộ bảo trợ xã hội"], None),
    (["DANH SÁCH HỘ NGHÈO CỦA PHƯỜNG NĂM 2025"], None),
    (["UBND PHƯỜNG CẦU GIẤY", "DANH SÁCH HỘ NGHÈO PHƯỜNG YÊN HÒA"], None),  # two wards: which one is not guessed
])
def test_the_ward_a_lists_title_names(title, ward):
    assert ward_in_title(title) == ward


def test_a_wards_own_list_without_a_ward_column_takes_the_ward_of_its_title(tmp_path):
    """A ward's list names its ward once, in the form's title ("UBND PHƯỜNG NGHĨA ĐÔ", beside
    "CỘNG HÒA XÃ HỘI …"), and has no Phường/Xã column: it was refused. Every household is now of
    that ward (urban, as a phường is), the run says so, and the problems file names the title
    row; a list whose title names no ward is still refused, with where the ward can be given."""
    header = ["STT", "Mã hộ", "Họ tên chủ hộ", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]
    rows = [[1, "ND1", "An", 2, 1_000_000], [2, "ND2", "Bình", 3, 9_000_000]]
    path = write_workbook(tmp_path / "nghia-do.xlsx", {"DS": [
        ["UBND QUẬN CẦU GIẤY", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["UBND PHƯỜNG NGHĨA ĐÔ", None, None, "Độc lập - Tự do - Hạnh phúc"], [], header,
        ["I", "Tổ dân phố 1"], rows[0], ["II", "Tổ dân phố 2"], rows[1], [None, "Cộng", None, 5]]})
    result = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--year", "2025",
                       "--errors", str(tmp_path / "problems.csv"))
    assert result.returncode in (0, 1), result.stderr.decode()
    roster = pd.read_csv(io.BytesIO(result.stdout))
    assert roster[["household_id", "ward", "area"]].values.tolist() == [["ND1", "Phường Nghĩa Đô", "urban"],
                                                                      ["ND2", "Phường Nghĩa Đô", "urban"]]
    assert "every household is of 'Phường Nghĩa Đô', as its title says ('UBND PHƯỜNG NGHĨA ĐÔ')" in result.stderr.decode()
    problems = pd.read_csv(tmp_path / "problems.csv")
    noted = problems[problems["code"] == "ward_from_title"]
    assert noted[["sheet", "row", "column", "value"]].values.tolist() == [["DS", 2, "UBND PHƯỜNG NGHĨA ĐÔ", "Phường Nghĩa Đô"]]
    # its groups' titles and its totals row, written under Mã hộ, are no households (no ward column tells them)
    skipped = problems[problems["code"].isin(["section_row", "totals_row"])]
    assert skipped[["row", "code"]].values.tolist() == [[5, "section_row"], [7, "section_row"], [9, "totals_row"]]

    untitled = write_workbook(tmp_path / "untitled.xlsx", {"DS": [["DANH SÁCH HỘ NGHÈO NĂM 2025"], header, *rows]})
    refused = run_ngheo("classify", str(untitled), "-o", "-", "--year", "2025")
    assert refused.returncode == 2
    assert "row 2 has the survey's columns but no 'Phường/Xã' column" in refused.stderr.decode()
    assert "title row" in refused.stderr.decode()


def test_a_titled_csv_in_chunks_takes_its_ward_as_a_whole_run_does(tmp_path):
    """Each chunk is read under the file's title rows: every chunk finds the same ward."""
    path = tmp_path / "xa.csv"
    path.write_text("UBND XÃ MINH PHÚ,,,\nDANH SÁCH NĂM 2025,,,\nMã hộ,Họ tên chủ hộ,Số nhân khẩu,Thu nhập bình quân đầu người/tháng\n"
                    + "".join(("Thôn Đông,,,\n" if i == 4 else "") + f"H{i},Hộ {i},2,{1_000_000 + i * 300_000}\n"
                              for i in range(9)) + "Tổng cộng,,18,\n", encoding="utf-8")
    for folder, extra in (("whole", []), ("chunks", ["--chunk-size", "2", "--jobs", "2"])):
        (tmp_path / folder).mkdir()
        run_ngheo("classify", str(path), "-f", "csv", "-d", str(tmp_path / folder), "-s", "vn-2022-2025",
                  "--errors", str(tmp_path / folder / "problems.csv"))
    for name in ("xa.classified.csv", "xa.summary.csv", "problems.csv"):
        assert (tmp_path / "chunks" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert pd.read_csv(tmp_path / "whole" / "xa.summary.csv")["ward"].tolist() == ["Xã Minh Phú", "Tổng cộng"]
    assert len(pd.read_csv(tmp_path / "whole" / "xa.classified.csv")) == 9  # not the group title, not the totals


def test_a_sheet_per_ward_each_titled_with_its_ward_gives_each_household_its_sheets_ward(tmp_path):
    header = ["Mã hộ", "Họ tên chủ hộ", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]
    path = write_workbook(tmp_path / "quan.xlsx", {
        "CG": [["UBND PHƯỜNG CẦU GIẤY"], header, ["A1", "An", 2, 1_000_000], ["A2", "Ba", 2, 1_000_000]],
        "YH": [["UBND PHƯỜNG YÊN HÒA"], header, ["B1", "Bình", 2, 1_000_000]],
        "Mẫu": [["DANH SÁCH HỘ"], header],  # a blank form, no ward in its title: not a list, not in the way
    })
    roster = run_classification(read_grids(path), STANDARD, path.name, year=2025).roster
    assert roster[["household_id", "ward", "source_sheet"]].values.tolist() == [
        ["A1", "Phường Cầu Giấy", "CG"], ["A2", "Phường Cầu Giấy", "CG"], ["B1", "Phường Yên Hòa", "YH"]]


def test_a_district_list_gives_each_household_the_ward_and_hamlet_of_the_group_titles_above_it(tmp_path):
    """A district's list (its title names the quận, no ward or hamlet column) groups households
    under "I. PHƯỜNG CẦU GIẤY" and "Tổ dân phố 1": it was refused for want of a ward column. Each
    household now takes the ward and hamlet of the titles above it (a ward's title starts its
    hamlets afresh), the problems file says which column came from the titles, the run says so."""
    header = ["STT", "Mã hộ", "Họ tên chủ hộ", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]
    path = write_workbook(tmp_path / "quan.xlsx", {"DS": [
        ["UBND QUẬN CẦU GIẤY"], ["DANH SÁCH HỘ NGHÈO NĂM 2025"], header,
        ["I", "PHƯỜNG CẦU GIẤY"], ["1", "Tổ dân phố 1"], [1, "A1", "An", 2, 1_000_000], [2, "A2", "Ba", 3, 1_000_000],
        ["2", "Tổ dân phố 2"], [3, "A3", "Cúc", 2, 9_000_000],
        ["II", "PHƯỜNG YÊN HÒA"], [4, "B1", "Dung", 2, 1_000_000], [None, "Tổ 7"], [5, "B2", "Em", 2, 1_000_000],
        [None, "Tổng cộng", None, 11]]})
    result = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--errors", str(tmp_path / "problems.csv"))
    assert result.returncode in (0, 1), result.stderr.decode()
    roster = pd.read_csv(io.BytesIO(result.stdout), keep_default_na=False)
    assert roster[["household_id", "ward", "hamlet", "area"]].values.tolist() == [
        ["A1", "Phường Cầu Giấy", "Tổ dân phố 1", "urban"], ["A2", "Phường Cầu Giấy", "Tổ dân phố 1", "urban"],
        ["A3", "Phường Cầu Giấy", "Tổ dân phố 2", "urban"], ["B1", "Phường Yên Hòa", "", "urban"],
        ["B2", "Phường Yên Hòa", "Tổ 7", "urban"]]
    stderr = result.stderr.decode()
    assert "'Phường/Xã': each household that does not give it is of the group title above it ('Phường Cầu Giấy', …)" in stderr
    problems = pd.read_csv(tmp_path / "problems.csv")
    filled = problems[problems["code"] == "from_group_titles"]
    assert filled[["row", "column", "value"]].values.tolist() == [[4, "Phường/Xã", "Phường Cầu Giấy"],
                                                                 [5, "Tổ dân phố/Thôn", "Tổ dân phố 1"]]
    assert (problems["code"] == "section_row").sum() == 5 and (problems["code"] == "totals_row").sum() == 1


# A district's list as a CSV: no ward column, its wards and hamlets given by group titles, the
# STT in the first column (the titles' numbers there), a totals row at its end
DISTRICT_LIST_CSV = "UBND QUẬN CẦU GIẤY,,,,\nDANH SÁCH HỘ NGHÈO NĂM 2025,,,,\n" \
    "STT,Mã hộ,Họ tên chủ hộ,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng)\n" \
    "I,PHƯỜNG CẦU GIẤY,,,\n1,Tổ dân phố 1,,,\n1,A1,An,2,1000000\n2,A2,Ba,3,1000000\n3,A3,Cúc,2,1500000\n" \
    "2,Tổ dân phố 2,,,\n4,A4,Dung,2,9000000\n5,A5,Em,1,1000000\n" \
    "II,PHƯỜNG YÊN HÒA,,,\n6,B1,Giang,2,1000000\n7,B2,Hà,2,1000000\n,Tổ 7,,,\n8,B3,Khánh,4,1200000\n" \
    "9,B4,Lan,2,1000000\n,Tổng cộng,,17,\n"


@pytest.mark.parametrize(("chunk_size", "jobs", "members"), [(1, 1, False), (2, 1, False), (3, 2, False), (4, 2, False),
                                                             (1, 2, False), (2, 2, True), (3, 1, True)])
def test_a_district_list_in_chunks_gives_each_household_the_group_titles_above_it_as_a_whole_run_does(
    tmp_path, chunk_size, jobs, members,
):
    """A chunk cannot see the titles above its first household: each chunk passes its own down
    (io/list_rows.TitlesAbove), so that every household, in whichever chunk, is of the ward and
    hamlet it is listed under; roster, summary and problems as the whole run writes them. Chunks
    of one household each, in one process and in two at once; with a members file too."""
    path = tmp_path / "quan.csv"
    path.write_text(DISTRICT_LIST_CSV, encoding="utf-8")
    given = []
    if members:
        (tmp_path / "tv.csv").write_text("Mã hộ,Tuổi\n" + "".join(f"{h},{40 + n}\n" for n, h in enumerate(
            ["A1", "A1", "A2", "A2", "A2", "A3", "A3", "A4", "A4", "A5", "B1", "B1", "B2", "B2", "B3", "B3", "B3", "B3",
             "B4", "B4"])), encoding="utf-8")
        given = ["--members", str(tmp_path / "tv.csv")]
    for folder, extra in (("whole", given), ("chunks", [*given, "--chunk-size", str(chunk_size), "--jobs", str(jobs)])):
        (tmp_path / folder).mkdir()
        result = run_ngheo("classify", str(path), "-f", "csv", "-d", str(tmp_path / folder), "-s", "vn-2022-2025",
                           "--errors", str(tmp_path / folder / "problems.csv"), *extra)
        assert result.returncode == 1, result.stderr.decode()  # (no answers given: every household undetermined)
    for name in ("quan.classified.csv", "quan.summary.csv", "problems.csv"):
        assert (tmp_path / "chunks" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    roster = pd.read_csv(tmp_path / "chunks" / "quan.classified.csv", keep_default_na=False)
    assert roster[["household_id", "ward", "hamlet"]].values.tolist() == [
        ["A1", "Phường Cầu Giấy", "Tổ dân phố 1"], ["A2", "Phường Cầu Giấy", "Tổ dân phố 1"],
        ["A3", "Phường Cầu Giấy", "Tổ dân phố 1"], ["A4", "Phường Cầu Giấy", "Tổ dân phố 2"],
        ["A5", "Phường Cầu Giấy", "Tổ dân phố 2"], ["B1", "Phường Yên Hòa", ""], ["B2", "Phường Yên Hòa", ""],
        ["B3", "Phường Yên Hòa", "Tổ 7"], ["B4", "Phường Yên Hòa", "Tổ 7"]]
    summary = pd.read_csv(tmp_path / "chunks" / "quan.summary.csv")
    assert summary["ward"].tolist() == ["Phường Cầu Giấy", "Phường Yên Hòa", "Tổng cộng"]


def test_hamlet_titles_over_a_list_with_a_ward_column_are_followed_in_chunks(tmp_path):
    """The households' hamlets come from "Tổ dân phố" titles, the ward from its column: in chunks
    of 3 rows the households under the second title's chunk boundary keep their title's hamlet
    (this was refused in chunks before: 'read the list whole')."""
    path = tmp_path / "s.csv"
    path.write_text("Mã hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng\nTổ dân phố 1,,,\n"
                    + "".join(f"H{i},Phường A,2,9000000\n" for i in range(6)) + "Tổ dân phố 2,,,\nH9,Phường A,2,9000000\n",
                    encoding="utf-8")
    whole = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--year", "2025")
    chunked = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--year", "2025", "--chunk-size", "3")
    assert chunked.returncode == whole.returncode == 0, chunked.stderr.decode()
    assert chunked.stdout == whole.stdout
    roster = pd.read_csv(io.BytesIO(chunked.stdout))
    assert roster["hamlet"].tolist() == ["Tổ dân phố 1"] * 6 + ["Tổ dân phố 2"]
