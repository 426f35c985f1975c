"""`ngheo classify` as users run it: through Typer's runner, and as the installed command."""

from __future__ import annotations

import errno
import io
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SAMPLE, ngheo_executable, run_ngheo, write_workbook
from ngheo_cli.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def small_survey(tmp_path: Path, rows=None) -> Path:
    rows = rows or [["H1", "Phường A", 2, "1.000.000", "x", "x", "x"], ["H2", "Phường A", 3, "9.000.000", "", "", ""]]
    header = ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
              "Thiếu hụt: Việc làm", "Thiếu hụt: Bảo hiểm y tế", "Thiếu hụt: Nguồn nước sinh hoạt"]
    return write_workbook(tmp_path / "survey.xlsx", {"Hộ": [header, *rows]}, title="DANH SÁCH NĂM 2025")


def test_help_works_with_h_and_shows_an_example_and_the_exit_codes():
    for args in (["-h"], ["classify", "--help"]):
        result = invoke(*args)
        assert result.exit_code == 0
    assert "Example: ngheo classify samples/cau-giay-2025.xlsx" in result.output
    assert "Exit codes: 0" in result.output


def test_classify_writes_roster_and_summary_beside_the_survey(tmp_path):
    survey = small_survey(tmp_path)
    result = invoke("classify", str(survey), "--standard", "vn-2022-2025")
    assert result.exit_code == 0, result.output
    roster = pd.read_excel(tmp_path / "survey.classified.xlsx", sheet_name=None, engine="calamine")
    assert list(roster) == ["Phân loại", "Lỗi", "Thông tin"]
    assert roster["Phân loại"]["Phân loại"].tolist() == ["Hộ nghèo", "Hộ không nghèo"]
    assert "Mã hộ" in roster["Phân loại"].columns and "Lý do" in roster["Phân loại"].columns
    summary = pd.read_excel(tmp_path / "survey.summary.xlsx", engine="calamine")
    assert summary["Phường/Xã"].tolist() == ["Phường A", "Tổng cộng"]
    assert summary["Hộ nghèo"].tolist() == [1, 1]


def test_roster_to_stdout_is_csv_with_ids_and_nothing_else(tmp_path):
    survey = small_survey(tmp_path)
    result = run_ngheo("classify", str(survey), "-o", "-", "-s", "vn-2022-2025")
    assert result.returncode == 0, result.stderr.decode()
    roster = pd.read_csv(io.BytesIO(result.stdout))
    assert roster["classification"].tolist() == ["poor", "not_poor"]
    assert roster["income_per_capita_month"].tolist() == [1_000_000, 9_000_000]
    assert "Households read: 2" in result.stderr.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.xlsx"]  # nothing else written


def test_roster_to_stdout_as_json_is_what_a_json_file_holds(tmp_path):
    """`-f json -o - | jq`: JSON, not CSV, and byte for byte the document a .json roster holds."""
    survey = small_survey(tmp_path)
    piped = run_ngheo("classify", str(survey), "-f", "json", "-o", "-", "-s", "vn-2022-2025")
    assert piped.returncode == 0, piped.stderr.decode()
    document = json.loads(piped.stdout)
    assert [row["classification"] for row in document["rows"]] == ["poor", "not_poor"]
    assert document["metadata"]["standard"] == "vn-2022-2025"
    assert run_ngheo("classify", str(survey), "-o", str(tmp_path / "roster.json"), "-s", "vn-2022-2025").returncode == 0
    assert piped.stdout == (tmp_path / "roster.json").read_bytes()


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_a_binary_format_to_stdout_is_refused_before_the_work(tmp_path, fmt):
    survey = small_survey(tmp_path)
    result = run_ngheo("classify", str(survey), "-f", fmt, "-o", "-")
    assert result.returncode == 2
    assert result.stdout == b""
    message = result.stderr.decode()
    assert f"-o - writes CSV or JSON to standard output, not {fmt}" in message and f"-o name.{fmt}" in message
    assert "Households read" not in message  # refused before reading
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.xlsx"]


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_other_formats_carry_ids_and_the_standard_used(tmp_path, fmt):
    survey = small_survey(tmp_path)
    result = invoke("classify", str(survey), "-f", fmt, "-s", "vn-2022-2025")
    assert result.exit_code == 0, result.output
    path = tmp_path / f"survey.classified.{fmt}"
    if fmt == "csv":
        assert pd.read_csv(path)["classification"].tolist() == ["poor", "not_poor"]
        assert (tmp_path / "survey.problems.csv").exists()
    elif fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["metadata"]["standard"] == "vn-2022-2025"
        assert [r["classification"] for r in data["rows"]] == ["poor", "not_poor"]
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        assert json.loads(table.schema.metadata[b"ngheo"])["standard"] == "vn-2022-2025"
        assert table.column("classification").to_pylist() == ["poor", "not_poor"]


def test_parquet_roster_keeps_category_columns_as_plain_text(tmp_path):
    """Category answers are coded internally (one byte per row); an analyst reading the Parquet
    roster still gets text columns, not dictionaries that pandas would turn into categoricals."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    result = invoke("classify", str(SAMPLE), "-f", "parquet", "--out-dir", str(tmp_path), "-s", "ha-noi-2022-2025",
                    "--year", "2025")
    assert result.exit_code == 1, result.output  # the sample's bad rows
    table = pq.read_table(tmp_path / "cau-giay-2025.classified.parquet")
    for column in ("area", "previous_status", "classification", "ward"):
        assert pa.types.is_large_string(table.schema.field(column).type) or pa.types.is_string(table.schema.field(column).type), column
    assert set(table.column("area").drop_null().to_pylist()) == {"urban"}
    assert {"poor", "near_poor"} <= set(table.column("previous_status").drop_null().to_pylist())


def test_rejected_rows_give_exit_1_and_are_listed_with_outputs_still_written(tmp_path):
    survey = small_survey(tmp_path, [["H1", "Phường A", 2, "1.000.000", "x", "x", "x"], ["H2", "Phường A", 3, "nhiều", "", "", ""]])
    result = invoke("classify", str(survey), "-s", "vn-2022-2025", "--lang", "en")
    assert result.exit_code == 1
    assert "Households read: 2 = classified 1 + undetermined 0 + rejected 1" in result.output
    assert "not_a_number sheet 'Hộ', row 5, column 'Thu nhập bình quân đầu người/tháng (đồng)' 'nhiều'" in result.output
    problems = pd.read_excel(tmp_path / "survey.classified.xlsx", sheet_name="Problems", engine="calamine")
    assert problems.loc[problems["Severity"] == "error", "Code"].tolist() == ["not_a_number"]
    assert problems.loc[problems["Severity"] == "warning", "Code"].tolist() == ["indicator_missing"]


def test_provisional_standard_is_announced(tmp_path):
    result = invoke("classify", str(small_survey(tmp_path)))
    assert "standard ha-noi-2022-2025 is provisional" in result.output


def test_never_overwrites_an_input_or_an_existing_output_without_force(tmp_path):
    survey = small_survey(tmp_path)
    before = survey.read_bytes()
    result = invoke("classify", str(survey), "-o", str(survey))
    assert result.exit_code == 2 and "refusing to write over an input file" in result.output
    assert invoke("classify", str(survey)).exit_code == 0
    again = invoke("classify", str(survey))
    assert again.exit_code == 2 and "already exists" in again.output and "--force" in again.output
    assert invoke("classify", str(survey), "--force").exit_code == 0
    assert survey.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_folder_where_no_file_can_be_made_is_refused_before_the_work(tmp_path, monkeypatch):
    """A read-only disk, a folder without permission (the check tries to make a file: the
    administrator passes any permission check but still cannot write on a read-only disk)."""
    import ngheo_cli.io.targets as targets

    survey = small_survey(tmp_path)

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(targets.tempfile, "TemporaryFile", refused)
    result = invoke("classify", str(survey), "-s", "vn-2022-2025")
    assert result.exit_code == 2
    assert f"{tmp_path}: cannot write here (Permission denied)" in result.output and "--out-dir" in result.output
    assert "Households read" not in result.output  # refused before any work
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.xlsx"]


def test_a_disk_that_fills_up_while_writing_is_an_output_error_and_leaves_no_part_file(tmp_path):
    from ngheo_cli.errors import OutputError
    from ngheo_cli.io.targets import atomic_file

    target = tmp_path / "roster.csv"
    with pytest.raises(OutputError, match=r"roster.csv: cannot be written \(No space left on device\)"):
        with atomic_file(target, set(), force=False) as handle:
            handle.write(b"half a roster")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []  # neither the roster nor its temporary file
    with pytest.raises(OSError, match="an input"):  # an error that is not the disk's passes as it is
        with atomic_file(target, set(), force=False):
            raise OSError(errno.EACCES, "an input", str(tmp_path / "survey.csv"))
    assert list(tmp_path.iterdir()) == []


def test_an_output_named_like_a_folder_is_refused(tmp_path):
    survey = small_survey(tmp_path)
    (tmp_path / "out").mkdir()
    for extra in ([], ["--force"]):
        result = run_ngheo("classify", str(survey), "-o", str(tmp_path / "out"), *extra)
        assert result.returncode == 2 and f"{tmp_path / 'out'}: is a folder" in result.stderr.decode()
        assert b"Traceback" not in result.stderr and list((tmp_path / "out").iterdir()) == []


def test_a_survey_with_a_header_and_no_households_is_written_empty_with_a_warning(tmp_path):
    survey = tmp_path / "export.csv"
    survey.write_text("Mã hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng)\n", encoding="utf-8")
    result = run_ngheo("classify", str(survey), "-s", "vn-2022-2025", "-f", "csv", "--year", "2025")
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "Households read: 0 = classified 0" in stderr and "no household rows below the survey's header" in stderr
    assert pd.read_csv(tmp_path / "export.classified.csv").empty
    checked = run_ngheo("validate", str(survey), "--force")  # (over the problems file classify wrote)
    assert checked.returncode == 0 and b"no household rows below the survey's header" in checked.stderr
    full = tmp_path / "full.csv"
    full.write_text(survey.read_text(encoding="utf-8") + "H1,Phường Dịch Vọng,2,1000000\n", encoding="utf-8")
    assert b"no household rows" not in run_ngheo("classify", str(full), "-o", "-", "--year", "2025").stderr


def test_user_errors_are_one_line_and_exit_2_never_a_traceback(tmp_path):
    cases = [
        (["classify", str(tmp_path / "missing.xlsx")], "no such file"),
        (["classify", str(small_survey(tmp_path)), "-s", "vn-2099"], "unknown standard 'vn-2099'"),
        (["classify", str(tmp_path)], "is a folder"),
    ]
    (tmp_path / "notes.txt").write_text("hello")
    cases.append((["classify", str(tmp_path / "notes.txt")], "unsupported file type"))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    cases.append((["classify", str(broken)], "is damaged or not really a .xlsx file"))
    for args, fragment in cases:
        result = run_ngheo(*args)
        stderr = result.stderr.decode()
        assert result.returncode == 2, (args, stderr)
        assert fragment in stderr and "Traceback" not in stderr
        assert result.stdout == b""


def test_usage_errors_exit_2():
    result = run_ngheo("classify")
    assert result.returncode == 2 and b"Traceback" not in result.stderr


def test_the_installed_command_classifies_the_bundled_sample(tmp_path):
    result = run_ngheo("classify", str(SAMPLE), "--out-dir", str(tmp_path))
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr  # the sample has deliberately bad rows
    assert "Households read: 311 = classified 304 + undetermined 1 + rejected 6" in stderr
    assert (tmp_path / "cau-giay-2025.classified.xlsx").exists()
    assert (tmp_path / "cau-giay-2025.summary.xlsx").exists()


def test_csv_survey_with_a_members_file(tmp_path):
    households = tmp_path / "hh.csv"
    households.write_text("Mã hộ,Phường/Xã,Thu nhập bình quân đầu người/tháng (đồng)\nH1,Xã B,\"1.000.000\"\n", encoding="utf-8-sig")
    members = tmp_path / "tv.csv"
    members.write_text("Mã hộ,Tuổi,Có thẻ BHYT\nH1,40,x\nH1,10,\n", encoding="utf-8")
    result = invoke("classify", str(households), "--members", str(members), "-o", str(tmp_path / "out.csv"), "-s", "vn-2022-2025")
    roster = pd.read_csv(tmp_path / "out.csv")
    assert roster.loc[0, "members_count"] == 2 and roster.loc[0, "d_bhyt"] == 1
    assert result.exit_code == 1  # indicators with no data leave it undetermined, and it says so
    assert roster.loc[0, "classification"] == "undetermined"


def test_formula_like_text_is_escaped_in_csv(tmp_path):
    survey = tmp_path / "s.csv"
    survey.write_text('Mã hộ,Họ tên chủ hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng)\n'
                      'H1,"=HYPERLINK(""http://x"")",Phường A,2,9000000\n', encoding="utf-8")
    result = run_ngheo("classify", str(survey), "-o", "-", "-s", "vn-2022-2025")
    roster = pd.read_csv(io.BytesIO(result.stdout))
    assert roster.loc[0, "head_name"] == "'=HYPERLINK(\"http://x\")"


def test_parquet_survey_and_csv_with_bom_read_like_xlsx(tmp_path):
    frame = pd.DataFrame({"Mã hộ": ["H1", "H2"], "Phường/Xã": ["Xã B", "Phường A"], "Số nhân khẩu": [2, 3],
                          "Thu nhập bình quân đầu người/tháng (đồng)": ["1.000.000", "9.000.000"],
                          "Thiếu hụt: Việc làm": ["x", ""], "Thiếu hụt: Bảo hiểm y tế": ["x", ""],
                          "Thiếu hụt: Nguồn nước sinh hoạt": ["x", ""]})
    frame.to_parquet(tmp_path / "s.parquet", index=False)
    (tmp_path / "s.csv").write_text(frame.to_csv(index=False), encoding="utf-8-sig")
    for name in ("s.parquet", "s.csv"):
        result = run_ngheo("classify", str(tmp_path / name), "-o", "-", "-s", "vn-2022-2025")
        roster = pd.read_csv(io.BytesIO(result.stdout))
        assert roster["classification"].tolist() == ["poor", "not_poor"], name
        assert roster["area"].tolist() == ["rural", "urban"], name


def test_built_in_standards_are_found_from_any_folder(tmp_path):
    survey = small_survey(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_ngheo("classify", str(survey), "-o", "-", "-s", "vn-2022-2025", cwd=elsewhere)
    assert result.returncode == 0, result.stderr.decode()


def test_review_year_from_the_title_row_or_the_option(tmp_path):
    header = ["Mã hộ", "Phường/Xã", "Thu nhập bình quân đầu người/tháng (đồng)"]
    path = write_workbook(tmp_path / "y.xlsx", {
        "Hộ": [["DANH SÁCH HỘ NĂM 2024"], header, ["H1", "Phường A", 9000000]],
        "TV": [["Mã hộ", "Năm sinh", "Có thẻ BHYT"], ["H1", 1990, "x"], ["H1", 2018, ""]],
    })
    from_title = invoke("classify", str(path), "-o", "-", "-s", "vn-2022-2025")
    assert "review year 2024 (from title row)" in from_title.output
    # born 2018: 6 in 2024 -> counted for health insurance; 5 in 2023 -> not
    rows = {}
    for year in ("2024", "2023"):
        out = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--year", year)
        rows[year] = pd.read_csv(io.BytesIO(out.stdout)).loc[0, "d_bhyt"]
    assert rows == {"2024": 1, "2023": 0}


def test_a_year_outside_the_standard_is_warned_about(tmp_path):
    survey = small_survey(tmp_path)
    inside = invoke("classify", str(survey), "-o", "-", "-s", "vn-2022-2025", "--year", "2026")
    assert "outside" not in inside.output
    outside = invoke("classify", str(survey), "-o", "-", "-s", "vn-2016-2020", "--year", "2025")
    assert "review year 2025 is outside the years standard vn-2016-2020 applies to (2016–2021)" in outside.output
    assert "the built-in standards for 2025: dong-nai-2022-2025, ha-noi-2022-2025, vn-2022-2025 (--standard ID)" in outside.output
    # this year's review (2026) under the default, Hà Nội's 2022–2025: the national one was extended through 2026
    default = invoke("classify", str(survey), "-o", "-", "--year", "2026")
    assert "review year 2026 is outside the years standard ha-noi-2022-2025" in default.output
    assert "the built-in standards for 2026: vn-2022-2025 (--standard ID)" in default.output
    assert outside.exit_code == 1  # H1 has 2 of the 2016–2020 indicators answered: undetermined, not guessed


@pytest.mark.parametrize("command", [["classify"], ["validate"], ["standards", "list"], ["standards", "show"], ["standards", "check"]])
def test_every_command_has_help_with_an_example(command):
    result = invoke(*command, "-h")
    assert result.exit_code == 0
    assert "Example: ngheo " + " ".join(command) in result.output


def test_version():
    from ngheo_cli import __version__

    assert invoke("--version").output.strip() == f"ngheo-cli {__version__}"


def test_a_roster_too_long_for_excel_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    from ngheo_cli.io import writers

    survey = small_survey(tmp_path)
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 2)  # a header and one row: the 2-household roster does not fit
    (tmp_path / "out").mkdir()
    result = runner.invoke(app, ["classify", str(survey), "-d", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Excel sheet holds at most 1 under its header" in result.output
    assert "--format csv" in result.output
    assert not list((tmp_path / "out").iterdir())
    assert runner.invoke(app, ["classify", str(survey), "-d", str(tmp_path / "out"), "-f", "csv"]).exit_code == 0


def test_progress_is_reported_in_order_up_to_the_end(tmp_path):
    from ngheo_cli.io.workbook import read_grids
    from ngheo_cli.pipeline import run_classification
    from ngheo_cli.standards.load import load_standard

    seen = []
    run_classification(read_grids(SAMPLE), load_standard(), SAMPLE.name, report=lambda phase, f: seen.append((phase, f)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and 0 < fractions[0] and fractions[-1] >= 0.95
    assert [p for p, _ in seen][:2] == ["layout", "validate"] and "classify" in dict(seen)


def test_the_progress_bar_shows_on_a_terminal_only(tmp_path):
    from rich.console import Console

    from ngheo_cli.report import progress_bar

    terminal = Console(file=io.StringIO(), force_terminal=True, width=100)
    with progress_bar(terminal, 100_000, "vi", enabled=True) as report:
        report("validate", 0.5)
    assert "hộ/s" in terminal.file.getvalue()
    piped = Console(file=io.StringIO(), force_terminal=False)
    with progress_bar(piped, 100_000, "vi", enabled=True) as report:
        report("validate", 0.5)
    assert piped.file.getvalue() == ""
    small = Console(file=io.StringIO(), force_terminal=True)
    with progress_bar(small, 300, "vi", enabled=True) as report:
        report("validate", 0.5)
    assert small.file.getvalue() == ""  # a short run gets no bar


def test_a_reader_that_stops_early_ends_the_run_quietly_with_its_exit_code(tmp_path):
    """`ngheo classify big.csv -o - | head`: the roster (1 MB, more than a pipe holds) meets a
    closed pipe; the run still ends with the code of what it found, and no traceback."""
    survey = tmp_path / "survey.csv"
    rows = [f"H{i},Phường {i % 7},{1 + i % 5},{1_000_000 + 37 * i},x,,x" for i in range(5_000)]
    survey.write_text("Mã hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng),"
                      "Thiếu hụt: Việc làm,Thiếu hụt: Bảo hiểm y tế,Thiếu hụt: Nguồn nước sinh hoạt\n"
                      + "\n".join(rows) + "\n", encoding="utf-8")
    whole = run_ngheo("classify", str(survey), "-o", "-", "-s", "vn-2022-2025", "--year", "2025")
    assert whole.returncode == 1 and len(whole.stdout) > 1_000_000 and whole.stdout.endswith(b"\n")
    process = subprocess.Popen([ngheo_executable(), "classify", str(survey), "-o", "-", "-s", "vn-2022-2025",
                                "--year", "2025"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first_line = process.stdout.readline()
    process.stdout.close()  # like `head -1`
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1, stderr  # (households with indicators not asked: undetermined)
    assert first_line.startswith(b'"household_id"')
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert stderr == whole.stderr.decode()  # the same report, counts and problems
    assert "Households read: 5000 = classified 0 + undetermined 5000 + rejected 0" in stderr
