"""`ngheo review` as users run it: the bundled two years, rosters read back, every output
format, exit codes, and the installed command."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from conftest import GOLDEN, REPO, run_ngheo, write_workbook
from ngheo_cli.cli import app
from ngheo_cli.review.movements import INFLOWS, OUTFLOWS

SAMPLES = REPO / "samples"
LAST, THIS, WARD_MAP = SAMPLES / "cau-giay-2024.xlsx", SAMPLES / "cau-giay-2025.xlsx", SAMPLES / "cau-giay-ward-map.csv"
UNPLACED = "(Chưa xác định phường)"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def csv_review(tmp_path_factory):
    """The sample review as CSV files (codes, stable column names)."""
    folder = tmp_path_factory.mktemp("review")
    result = invoke("review", str(LAST), str(THIS), "--ward-map", str(WARD_MAP), "-f", "csv", "-d", str(folder))
    assert result.exit_code == 0, result.output
    read = lambda kind: pd.read_csv(folder / f"cau-giay-2025.review.{kind}.csv", keep_default_na=False, na_values=[""])  # noqa: E731
    return read("transitions"), read("targets"), read("households")


def test_every_number_of_the_table_is_a_count_of_listed_households(csv_review):
    table, _, households = csv_review
    last, this = households["status_last"], households["status_this"]
    ethnic = households["ethnic_minority"].astype(bool)
    predicates = {"households_start": last != "absent", "households_end": this != "absent"}
    for cls in ("poor", "near_poor"):
        predicates[f"{cls}_start"], predicates[f"{cls}_end"] = last == cls, this == cls
        predicates[f"{cls}_start_ethnic"], predicates[f"{cls}_end_ethnic"] = (last == cls) & ethnic, (this == cls) & ethnic
        for move in (*OUTFLOWS, *INFLOWS):
            predicates[f"{cls}_{move}"] = households[f"{cls}_movement"] == move
    ward = households["ward_review"].fillna(UNPLACED)
    checked = 0
    for row in table.itertuples(index=False):
        if row.level == "ward":
            in_row = (ward == row.ward) & (households["area_review"] == row.area)
        elif row.level == "area":
            in_row = households["area_review"] == row.area
        else:
            in_row = pd.Series(True, index=households.index)
        for column, predicate in predicates.items():
            assert getattr(row, column) == int((predicate & in_row).sum()), (row.ward, column)
            checked += 1
    assert checked > 100


def test_the_sample_shows_every_kind_of_movement(csv_review):
    table, _, households = csv_review
    total = table[table["level"] == "total"].iloc[0]
    for move in ("escaped", "to_other_class", "left", "returned", "new", "from_other_class", "joined"):
        assert total[f"poor_{move}"] + total[f"near_poor_{move}"] > 0, move
    assert total["households_start"] == 300 and total["households_end"] == 310  # 311 rows, one id used twice
    notes = households["presence_note"].fillna("")
    assert notes.str.contains("tách từ hộ").sum() == 2
    assert (households["presence"] == "last_only").sum() == 7
    undecided = households[households["ward_review"].isna() & (households["presence"] == "last_only")]
    assert set(undecided["household_id"]) == {"ND-0904", "ND-0905"}  # Mai Dịch tổ 6; Dịch Vọng tổ 6 (split)
    assert households.set_index("household_id").loc["ND-0906", "ward_review"] == "Phường Tây Hồ"


def test_targets_of_the_sample(csv_review):
    _, targets, _ = csv_review
    total = targets[targets["level"] == "total"].set_index("target")
    assert total.loc["merit_families_poor", "result"] == "fail"
    assert total.loc["merit_families_poor", "households"] == "ND-0201"
    assert total.loc["poor_households", "result"] == "fail"
    assert set(targets["result"]) <= {"pass", "fail", "not_checked", "listed"}
    wards = set(targets[targets["level"] == "ward"]["ward"])
    assert {"Phường Cầu Giấy", "Phường Nghĩa Đô", "Phường Yên Hòa"} <= wards


@pytest.mark.parametrize("kind", ["transitions", "targets"])
def test_sample_review_matches_golden(csv_review, tmp_path, kind):
    frame = {"transitions": csv_review[0], "targets": csv_review[1]}[kind]
    produced = frame.to_csv(index=False)
    golden = GOLDEN / f"review-cau-giay-2024-2025.{kind}.csv"
    if os.environ.get("NGHEO_UPDATE_GOLDEN"):
        golden.write_text(produced, encoding="utf-8")
    assert produced == golden.read_text(encoding="utf-8")


def test_the_workbook_has_the_table_the_targets_and_one_sheet_per_list(tmp_path):
    result = invoke("review", str(LAST), str(THIS), "--ward-map", str(WARD_MAP), "-d", str(tmp_path))
    assert result.exit_code == 0, result.output
    workbook = CalamineWorkbook.from_path(str(tmp_path / "cau-giay-2025.review.xlsx"))
    assert workbook.sheet_names == ["Biến động", "Chỉ tiêu", "Thoát nghèo, cận nghèo", "Tái nghèo, tái cận nghèo",
                                    "Phát sinh", "NCC còn nghèo", "Không khớp", "Từng hộ", "Định nghĩa",
                                    "Danh sách đầu vào", "Thông tin"]
    table = workbook.get_sheet_by_name("Biến động").to_python()
    assert table[0][3] == "Tổng số hộ đầu năm (2024)" and table[1][2] == "I. Khu vực thành thị"
    merit = workbook.get_sheet_by_name("NCC còn nghèo").to_python()
    assert [row[0] for row in merit[1:]] == ["ND-0201"]
    definitions = workbook.get_sheet_by_name("Định nghĩa").to_python()
    assert any("tái nghèo" in str(row[0]) for row in definitions)
    info = dict((r[0], r[1]) for r in workbook.get_sheet_by_name("Thông tin").to_python())
    assert info["last_year"] == "2024" and info["this_year"] == "2025"
    assert "Biến động trong năm" in result.output or "2024 → 2025" in result.output


def test_rosters_give_the_same_review_as_the_surveys(tmp_path, csv_review):
    for survey in (LAST, THIS):
        for fmt in ("csv", "xlsx", "parquet"):
            out = tmp_path / f"{survey.stem}.{fmt}"
            assert invoke("classify", str(survey), "-o", str(out), "-d", str(tmp_path), "--force").exit_code == 1
    for fmt in ("csv", "xlsx", "parquet"):
        folder = tmp_path / f"out-{fmt}"
        folder.mkdir()
        result = invoke("review", str(tmp_path / f"cau-giay-2024.{fmt}"), str(tmp_path / f"cau-giay-2025.{fmt}"),
                        "--ward-map", str(WARD_MAP), "-f", "csv", "-d", str(folder))
        assert result.exit_code == 0, result.output
        table = pd.read_csv(folder / "cau-giay-2025.review.transitions.csv", keep_default_na=False, na_values=[""])
        pd.testing.assert_frame_equal(table, csv_review[0])


def test_one_file_uses_the_previous_status_column(tmp_path):
    result = invoke("review", str(THIS), "-f", "json", "-d", str(tmp_path))
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "cau-giay-2025.review.json").read_text(encoding="utf-8"))
    assert set(document) == {"metadata", "transitions", "targets", "households"}
    assert document["metadata"]["last_year"] == "2024"
    assert "Phân loại đầu kỳ" in document["metadata"]["notes"]
    total = [r for r in document["transitions"] if r["level"] == "total"][0]
    assert total["households_start"] == total["households_end"] == 310  # the same households both years


def test_a_household_rejected_this_year_keeps_last_years_status_and_rows_without_id_name_their_sheet(tmp_path):
    """One survey kept as a sheet per ward, reviewed alone (its 'Phân loại đầu kỳ' column is last
    year's list). A1 has an income typed wrong this year: it was poor last year all the same and
    counts among the poor at the start (it was dropped from them: its rejected row had lost the
    column). Rows without an id are set aside by sheet and row: a row number alone finds nothing
    in a workbook of several lists."""
    header = ["Mã hộ", "Họ tên chủ hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
              "Phân loại đầu kỳ", "Hộ người có công"]
    survey = write_workbook(tmp_path / "ds-2025.xlsx", {
        "Cầu Giấy": [header, ["A1", "An", "Phường Cầu Giấy", 2, "hai triệu", "Hộ nghèo", "x"],
                     ["A2", "Bình", "Phường Cầu Giấy", 2, 5_000_000, "Hộ cận nghèo", ""],
                     [None, "Cường", "Phường Cầu Giấy", 1, 5_000_000, "", ""]],
        "Yên Hòa": [header, ["B1", "Dung", "Phường Yên Hòa", 3, 5_000_000, "", ""],
                    [None, "Em", "Phường Yên Hòa", 1, 5_000_000, "Hộ nghèo", ""]],
    })
    result = invoke("review", str(survey), "--year", "2025", "-f", "csv", "-d", str(tmp_path), "-q")
    assert result.exit_code == 0, result.output
    read = lambda kind: pd.read_csv(tmp_path / f"ds-2025.review.{kind}.csv", keep_default_na=False, na_values=[""])  # noqa: E731
    total = read("transitions").query("level == 'total'").iloc[0]
    assert (total["poor_start"], total["poor_unknown_after"], total["near_poor_start"]) == (1, 1, 1)
    rejected = read("households").set_index("household_id").loc["A1"]
    assert (rejected["status_last"], rejected["class_this"], bool(rejected["merit_family"])) == ("poor", "rejected", True)

    assert invoke("review", str(survey), "--year", "2025", "-d", str(tmp_path), "-q").exit_code == 0
    workbook = CalamineWorkbook.from_path(str(tmp_path / "ds-2025.review.xlsx"))
    set_aside = workbook.get_sheet_by_name("Dòng không có mã hộ").to_python()
    assert set_aside[0][:3] == ["Sheet trong tệp", "Dòng trong tệp", "Họ tên chủ hộ"]
    assert [row[:3] for row in set_aside[1:]] == [["Cầu Giấy", 4, "Cường"], ["Yên Hòa", 3, "Em"]]
    assert {row[5] for row in set_aside[1:]} == {"không có mã hộ"}


def test_stdout_gets_the_table_as_csv(tmp_path):
    result = runner.invoke(app, ["review", str(LAST), str(THIS), "--ward-map", str(WARD_MAP), "-o", "-", "-q"])
    assert result.exit_code == 0
    assert result.stdout.startswith('"level","area","ward","households_start"')
    assert not list(tmp_path.iterdir())


def test_stdout_as_json_is_the_whole_review_document(tmp_path):
    piped = invoke("review", str(LAST), str(THIS), "--ward-map", str(WARD_MAP), "-f", "json", "-o", "-", "-q")
    assert piped.exit_code == 0
    assert invoke("review", str(LAST), str(THIS), "--ward-map", str(WARD_MAP), "-o", str(tmp_path / "review.json"),
                  "-q").exit_code == 0
    assert json.loads(piped.stdout) == json.loads((tmp_path / "review.json").read_text(encoding="utf-8"))


def test_a_workbook_to_stdout_is_refused(tmp_path):
    result = invoke("review", str(LAST), str(THIS), "-f", "xlsx", "-o", "-")
    assert result.exit_code == 2
    assert "-o - writes CSV or JSON to standard output, not xlsx" in result.output


def test_fail_on_target_gives_exit_1_and_a_missed_target_alone_does_not(tmp_path):
    args = ["review", str(LAST), str(THIS), "--ward-map", str(WARD_MAP), "-d", str(tmp_path), "-q"]
    assert invoke(*args).exit_code == 0
    result = invoke(*args, "--fail-on-target", "--force")
    assert result.exit_code == 1
    assert "missed: Không có hộ nghèo thuộc diện chính sách người có công" in result.output


def test_history_years_from_file_names(tmp_path):
    roster_2023 = tmp_path / "ds-2023.csv"
    roster_2023.write_text('"household_id","ward","classification"\n"ND-0080","Phường Nghĩa Đô","poor"\n', encoding="utf-8")
    result = invoke("review", str(LAST), str(THIS), "--history", str(roster_2023), "-f", "csv", "-d", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "2023 (year from file name): ds-2023.csv" in result.output
    households = pd.read_csv(tmp_path / "cau-giay-2025.review.households.csv", keep_default_na=False, na_values=[""])
    row = households.set_index("household_id").loc["ND-0080"]
    assert row["poor_movement"] == "returned" and row["poor_earlier_years"] == 2023


@pytest.mark.parametrize(("args", "message"), [
    (["a.xlsx", "b.xlsx", "c.xlsx"], "give one or two lists"),
    ([str(THIS), str(LAST)], "is not older than"),
    ([str(LAST), str(THIS), "--ward-map", "missing.csv"], "no such file"),
    ([str(LAST), str(THIS), "--targets", "nowhere"], "unknown targets"),
])
def test_errors_are_one_line_and_exit_2(args, message):
    result = runner.invoke(app, ["review", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_the_installed_command_reviews_the_samples_without_touching_them(tmp_path):
    copies = [shutil.copy(p, tmp_path / p.name) for p in (LAST, THIS, WARD_MAP)]
    before = [hashlib.sha256(open(p, "rb").read()).hexdigest() for p in copies]
    result = run_ngheo("review", *map(str, copies[:2]), "--ward-map", str(copies[2]))
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "cau-giay-2025.review.xlsx").exists()
    assert result.stdout == b""  # stdout is for data only
    assert [hashlib.sha256(open(p, "rb").read()).hexdigest() for p in copies] == before
    again = run_ngheo("review", *map(str, copies[:2]), "--ward-map", str(copies[2]))
    assert again.returncode == 2 and b"--force" in again.stderr  # an output is never overwritten silently


def test_english_workbook(tmp_path):
    result = invoke("review", str(LAST), str(THIS), "--ward-map", str(WARD_MAP), "-d", str(tmp_path), "--lang", "en")
    assert result.exit_code == 0, result.output
    workbook = CalamineWorkbook.from_path(str(tmp_path / "cau-giay-2025.review.xlsx"))
    assert workbook.sheet_names[:3] == ["Transitions", "Targets", "Escaped"]
    rows = workbook.get_sheet_by_name("Households").to_python()
    assert rows[0][:3] == ["Household ID", "Head of household", "Ward (now)"]
    moves = {row[11] for row in rows[1:]}
    assert {"escaped poor", "re-entered poor", "newly poor", "poor to near-poor"} <= moves
    assert "No poor household among merit families" in result.output


@pytest.mark.parametrize("quiet", [False, True])
def test_each_survey_classified_for_the_review_reports_its_progress(monkeypatch, tmp_path, quiet):
    """Both years' surveys are classified before the review: each gets the classify progress
    bar (shown on a terminal only, never with --quiet), with its rows and phases in order."""
    from contextlib import contextmanager

    from ngheo_cli import report

    bars = []

    @contextmanager
    def recording_bar(console, rows, lang, enabled):
        reports = []
        bars.append((rows, enabled, reports))
        yield lambda phase, fraction: reports.append((phase, fraction))

    monkeypatch.setattr(report, "progress_bar", recording_bar)
    args = ["review", str(LAST), str(THIS), "--ward-map", str(WARD_MAP), "-f", "csv", "-d", str(tmp_path)]
    assert invoke(*args, *(["-q"] if quiet else [])).exit_code == 0
    assert len(bars) == 2
    for rows, enabled, reports in bars:
        assert rows > 100 and enabled is not quiet
        fractions = [fraction for _, fraction in reports]
        assert fractions == sorted(fractions) and reports[-1][0] == "write"
        assert {"validate", "classify"} <= {phase for phase, _ in reports}
