"""Classifying in chunks (--chunk-size) gives exactly what a whole-file run gives: the same
roster, row for row, the same ward summary and the same problems, for any chunk size."""

from __future__ import annotations

import csv
import math
import os
import sys

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from conftest import REPO, SAMPLE
from ngheo_cli.cli import app
from ngheo_cli.errors import InputError
from ngheo_cli.io import arrow_csv
from ngheo_cli.io.layout import find_survey
from ngheo_cli.io.workbook import read_grids
from ngheo_cli.io.writers import csv_bytes
from ngheo_cli.pipeline import run_classification
from ngheo_cli.standards.load import load_standard
from ngheo_cli.stream import classify_in_chunks

runner = CliRunner()


def sheet_to_csv(sheet: str, path, delimiter: str = ",", decimal_mark: str = "."):
    """A sheet of the bundled sample as CSV, title rows, totals row and bad rows included."""
    rows = CalamineWorkbook.from_path(str(SAMPLE)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    width = max(len(r) for r in rows)

    def text(value):
        if value is None or value == "":
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, float):
            return str(value).replace(".", decimal_mark)
        return str(value)

    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows([text(v) for v in row] + [""] * (width - len(row)) for row in rows)
    return path


@pytest.fixture(scope="module")
def sample_csv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    return sheet_to_csv("DS hộ", folder / "cau-giay-2025.csv"), sheet_to_csv("Thành viên", folder / "members.csv")


@pytest.fixture(scope="module")
def whole(sample_csv):
    households, members = sample_csv
    return run_classification(read_grids(households), load_standard(), households.name, read_grids(members))


def test_a_run_that_releases_the_raw_cells_gives_the_same_result_and_holds_none_of_them(sample_csv, whole):
    """The CLI lets a city's raw cells go once they are checked (a 1,000,000-household run then
    peaks at about 1.5 GB instead of 2.1 GB): same roster, and nothing keeps the grids alive."""
    import gc
    import weakref

    households, members = sample_csv
    grids, members_grids = read_grids(households), read_grids(members)
    alive = [weakref.ref(grid) for grid in grids + members_grids]
    released = run_classification(grids, load_standard(), households.name, members_grids, release_grids=True)
    gc.collect()
    assert grids == [] and members_grids == []
    assert all(ref() is None for ref in alive)
    assert csv_bytes(released.roster) == csv_bytes(whole.roster)
    pd.testing.assert_frame_equal(released.problems.to_frame(), whole.problems.to_frame())
    assert released.counts == whole.counts and released.metadata == whole.metadata


def test_validation_lets_go_of_each_tables_raw_cells_once_parsed(sample_csv):
    from ngheo_cli.validate import validate_survey

    households, members = sample_csv
    survey = find_survey(read_grids(households), {}, households.name, read_grids(members))
    assert len(survey.households.cells) and len(survey.members.cells)
    valid = validate_survey(survey, [], 2025)
    assert len(valid.households) > 300
    assert len(survey.households.cells) == 0 and len(survey.members.cells) == 0


@pytest.mark.parametrize(("chunk_rows", "jobs"), [(5, 1), (37, 1), (10_000, 1), (13, 2), (37, 3)])
def test_chunks_give_the_whole_file_result(sample_csv, whole, chunk_rows, jobs):
    households, members = sample_csv
    rosters = []
    streamed = classify_in_chunks(households, members, load_standard(), chunk_rows, lambda csv, n: rosters.append(csv),
                                  jobs=jobs)
    grid = read_grids(households)[0]
    # chunk_rows rows below the header each, up to the last household's (the rows below it, the
    # totals row, go with it)
    to_last_household = int(whole.roster["source_row"].max()) - find_survey([grid], {}, "x").households.header_row
    assert streamed.chunks == -(-to_last_household // chunk_rows)
    assert b"".join(rosters) == csv_bytes(whole.roster)
    pd.testing.assert_frame_equal(streamed.summary, whole.summary)
    pd.testing.assert_frame_equal(streamed.problems.to_frame(), whole.problems.to_frame())
    assert streamed.counts == whole.counts
    # the sample's traps cross chunk borders: a duplicate id 99 rows apart, an orphan member, a totals row
    codes = set(streamed.problems.to_frame()["code"])
    assert {"duplicate_household", "member_without_household", "totals_row", "member_rejected"} <= codes


def test_an_extra_column_left_empty_is_left_out_in_chunks_as_in_a_whole_run(sample_csv, tmp_path):
    """A header the contract does not name is kept as an extra column only where some row fills
    it; chunks look for data in it across the whole file, so they keep the same columns."""
    households, members = sample_csv
    lines = households.read_text(encoding="utf-8").splitlines()
    header_at = next(i for i, line in enumerate(lines) if "Mã hộ" in line)
    widened = tmp_path / "households.csv"
    widened.write_text("\n".join(
        [line + ",Ghi chú riêng" if i == header_at else line + "," for i, line in enumerate(lines)]
    ) + "\n", encoding="utf-8")
    reference = run_classification(read_grids(widened), load_standard(), widened.name, read_grids(members))
    assert "Ghi chú riêng" not in reference.roster.columns
    rosters = []
    classify_in_chunks(widened, members, load_standard(), 13, lambda csv, n: rosters.append(csv))
    assert b"".join(rosters) == csv_bytes(reference.roster)


@pytest.mark.parametrize("stray_rows", [None, 0])
def test_members_in_any_order(sample_csv, whole, tmp_path, monkeypatch, stray_rows):
    """Members out of household order are read as strays (few) or spread into scratch files (many,
    here: stray_rows 0); either way the whole run's results."""
    from ngheo_cli import stream

    if stray_rows is not None:
        monkeypatch.setattr(stream, "STRAY_ROWS", stray_rows)
    households, members = sample_csv
    lines = members.read_text(encoding="utf-8").splitlines()
    shuffled = tmp_path / "members.csv"
    shuffled.write_text("\n".join(lines[:2] + lines[2:][::-1]) + "\n", encoding="utf-8")  # title, header, then reversed
    rosters = []
    streamed = classify_in_chunks(households, shuffled, load_standard(), 40, lambda csv, n: rosters.append(csv))
    reference = run_classification(read_grids(households), load_standard(), households.name, read_grids(shuffled))
    assert b"".join(rosters) == csv_bytes(reference.roster)
    pd.testing.assert_frame_equal(streamed.summary, whole.summary)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_reading_only_some_columns_gives_the_same_cells_under_the_same_labels(sample_csv, tmp_path, suffix):
    """The ids pass of a chunked run reads only the id (and named extra) columns: each must hold
    exactly the cells the full read gives at that position, row numbers included."""
    from ngheo_cli.stream import batches

    households, _ = sample_csv
    path = households
    if suffix == ".parquet":
        path = tmp_path / "survey.parquet"
        pd.read_csv(households, dtype=str, keep_default_na=False).to_parquet(path, index=False)
    full = list(batches(path, 40, header_rows=2))
    some = list(batches(path, 40, header_rows=2, columns=[0, 3]))
    assert len(some) == len(full) > 2
    for whole, part in zip(full, some):
        assert list(part.columns) == [0, 3]
        pd.testing.assert_frame_equal(part, whole[[0, 3]])


def test_parquet_in_chunks(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    survey = tmp_path / "survey.parquet"
    generate.write(700, survey)
    members = survey.with_suffix(".members.parquet")
    rosters = []
    streamed = classify_in_chunks(survey, members, load_standard(), 90, lambda csv, n: rosters.append(csv), year=2025)
    reference = run_classification(read_grids(survey), load_standard(), survey.name, read_grids(members), year=2025)
    assert b"".join(rosters) == csv_bytes(reference.roster)
    pd.testing.assert_frame_equal(streamed.summary, reference.summary)


def test_the_command_in_chunks_writes_what_the_whole_run_writes(sample_csv, tmp_path):
    households, members = sample_csv
    args = ["classify", str(households), "--members", str(members), "-q"]
    whole = runner.invoke(app, [*args, "-o", "-"])
    chunked = runner.invoke(app, [*args, "-o", "-", "--chunk-size", "25"])
    assert whole.exit_code == chunked.exit_code == 1  # the sample's bad rows
    assert chunked.stdout == whole.stdout and chunked.stdout.startswith('"household_id"')
    for folder, extra in (("whole", []), ("chunked", ["--chunk-size", "25", "--jobs", "2"])):
        (tmp_path / folder).mkdir()
        assert runner.invoke(app, [*args, "-f", "csv", "-d", str(tmp_path / folder), *extra]).exit_code == 1
    for name in ("cau-giay-2025.classified.csv", "cau-giay-2025.summary.csv", "cau-giay-2025.problems.csv"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "chunked" / name).read_bytes(), name


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_csv_separated_by_semicolons_or_tabs_gives_what_the_comma_one_gives(sample_csv, tmp_path, delimiter):
    """Excel saves "CSV" with semicolons, and decimals with a comma ("43,2"), on a Windows set to
    Vietnamese; its "Unicode text" separates with tabs. Whole or in chunks, the outputs are the
    comma file's, byte for byte."""
    households, members = sample_csv
    (tmp_path / "other").mkdir()
    other = [sheet_to_csv(sheet, tmp_path / "other" / path.name, delimiter, decimal_mark=",")
             for sheet, path in (("DS hộ", households), ("Thành viên", members))]
    assert delimiter in other[0].read_text(encoding="utf-8").splitlines()[5]
    runs = {"comma": (households, members, []), "other": (*other, []), "other-chunked": (*other, ["--chunk-size", "40"])}
    for folder, (survey, its_members, extra) in runs.items():
        (tmp_path / folder).mkdir(exist_ok=True)
        result = runner.invoke(app, ["classify", str(survey), "--members", str(its_members), "-q", "-f", "csv",
                                     "-d", str(tmp_path / folder), "--year", "2025", *extra])
        assert result.exit_code == 1, result.output  # the sample's bad rows, and nothing else
    for name in ("cau-giay-2025.classified.csv", "cau-giay-2025.summary.csv", "cau-giay-2025.problems.csv"):
        expected = (tmp_path / "comma" / name).read_bytes()
        assert (tmp_path / "other" / name).read_bytes() == expected, name
        assert (tmp_path / "other-chunked" / name).read_bytes() == expected, name


def test_the_installed_command_in_two_worker_processes_writes_what_its_whole_run_writes(sample_csv, tmp_path):
    """The real command picks Arrow's allocator for the whole process (jemalloc where pyarrow has
    it); its forked chunk workers must still give the whole run's files, byte for byte."""
    from conftest import run_ngheo

    households, members = sample_csv
    args = ["classify", str(households), "--members", str(members), "-q", "-f", "csv", "--year", "2025"]
    for folder, extra in (("whole", []), ("chunked", ["--chunk-size", "20", "--jobs", "2"])):
        (tmp_path / folder).mkdir()
        assert run_ngheo(*args, "-d", str(tmp_path / folder), *extra).returncode == 1  # the sample's bad rows
    for name in ("cau-giay-2025.classified.csv", "cau-giay-2025.summary.csv", "cau-giay-2025.problems.csv"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "chunked" / name).read_bytes(), name


@pytest.mark.parametrize(("chunk_rows", "jobs"), [(13, 2), (37, 3), (1, 2)])
def test_workers_writing_the_roster_into_the_file_themselves_write_the_whole_runs_roster(
    sample_csv, whole, tmp_path, chunk_rows, jobs,
):
    """Each worker writes its chunk's roster straight into the output file, in chunk order
    whichever chunk is done first; the parent is handed none of them."""
    households, members = sample_csv
    handed_over = []
    with open(tmp_path / "roster.csv", "wb") as roster:
        streamed = classify_in_chunks(households, members, load_standard(), chunk_rows,
                                      lambda csv, n: handed_over.append(csv), jobs=jobs, roster_fd=roster.fileno())
    assert handed_over == []
    assert (tmp_path / "roster.csv").read_bytes() == csv_bytes(whole.roster)
    pd.testing.assert_frame_equal(streamed.summary, whole.summary)


@pytest.mark.parametrize("roster_to_file", [False, True])
def test_a_chunk_that_fails_in_a_worker_stops_the_run_with_its_error_and_nothing_waits_for_it(
    sample_csv, tmp_path, monkeypatch, roster_to_file,
):
    from ngheo_cli import stream

    households, members = sample_csv
    classify = stream._classify_chunk

    def failing_second(job, number, frame):
        if number == 1:
            raise ValueError("chunk 1 failed")
        return classify(job, number, frame)

    monkeypatch.setattr(stream, "_classify_chunk", failing_second)  # inherited by the fork
    with open(tmp_path / "roster.csv", "wb") as roster, pytest.raises(ValueError, match="chunk 1 failed"):
        classify_in_chunks(households, members, load_standard(), 40, lambda csv, n: None, jobs=2,
                           roster_fd=roster.fileno() if roster_to_file else None)


def test_members_listed_in_household_order_are_read_by_each_chunk_without_a_scratch_copy(
    sample_csv, whole, tmp_path, monkeypatch,
):
    """A country's members file (1.7 GB at 10 million households) is not copied into scratch
    files when it lists the members household by household, as survey files do, but for a few
    strays (the sample has a member added at the end and one of no household); a file in
    another order still is, and gives the same results (test_members_in_any_order)."""
    from ngheo_cli import stream

    households, members = sample_csv
    spread = []
    monkeypatch.setattr(stream, "_spread_members", lambda *args: spread.append(args))
    rosters = []
    streamed = classify_in_chunks(households, members, load_standard(), 40, lambda csv, n: rosters.append(csv))
    assert spread == []
    assert b"".join(rosters) == csv_bytes(whole.roster)
    pd.testing.assert_frame_equal(streamed.problems.to_frame(), whole.problems.to_frame())
    lines = members.read_text(encoding="utf-8").splitlines()
    shuffled = tmp_path / "members.csv"
    shuffled.write_text("\n".join(lines[:2] + lines[2:][::-1]) + "\n", encoding="utf-8")
    monkeypatch.setattr(stream, "STRAY_ROWS", 100)  # (the reversed sample has 900 strays)
    classify_in_chunks(households, shuffled, load_standard(), 40, lambda csv, n: None)
    assert len(spread) == 1


def test_the_installed_command_writes_a_roster_from_two_workers_to_stdout_as_its_whole_run_does(sample_csv):
    from conftest import run_ngheo

    households, members = sample_csv
    args = ["classify", str(households), "--members", str(members), "-q", "--year", "2025", "-o", "-"]
    whole_run, chunked = run_ngheo(*args), run_ngheo(*args, "--chunk-size", "20", "--jobs", "2")
    assert whole_run.returncode == chunked.returncode == 1  # the sample's bad rows
    assert chunked.stdout == whole_run.stdout and chunked.stdout.startswith(b'"household_id"')


@pytest.mark.parametrize("asked", [None, "system"])
def test_the_allocator_is_jemalloc_where_pyarrow_has_it_unless_the_user_chose_one(asked):
    import subprocess

    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
        available = True
    except NotImplementedError:
        available = False
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if asked:
        env["ARROW_DEFAULT_MEMORY_POOL"] = asked
    code = "from ngheo_cli.io.memory import prefer_jemalloc; print(prefer_jemalloc())"
    used = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert used == (asked or ("jemalloc" if available else pa.default_memory_pool().backend_name))


def test_chunks_need_csv_output_and_csv_or_parquet_input(sample_csv, tmp_path):
    households, members = sample_csv
    result = runner.invoke(app, ["classify", str(households), "--chunk-size", "10", "-f", "xlsx"])
    assert result.exit_code == 2 and "written as CSV" in result.output
    result = runner.invoke(app, ["classify", str(SAMPLE), "--chunk-size", "10", "-d", str(tmp_path)])
    assert result.exit_code == 2 and "reads .csv or .parquet" in result.output


def test_a_file_too_big_for_memory_is_classified_in_chunks_by_itself(sample_csv, tmp_path, monkeypatch):
    from ngheo_cli.io import memory

    households, members = sample_csv
    monkeypatch.setattr(memory, "available_memory", lambda: 1000)
    result = runner.invoke(app, ["classify", str(households), "--members", str(members), "-d", str(tmp_path)])
    assert result.exit_code == 1
    assert "too big to classify in this machine's memory at once" in result.output
    assert (tmp_path / "cau-giay-2025.classified.csv").exists()  # CSV, since chunks are written as CSV


def test_a_file_that_fits_is_classified_whole_and_read_without_a_refusal(sample_csv, tmp_path, monkeypatch):
    """The choice between whole and chunks and the refusal when reading use one estimate: with
    just the memory the survey and its members need, the run is whole and nothing is refused;
    with a byte less, it goes in chunks."""
    from ngheo_cli.io import memory

    households, members = sample_csv
    needed = memory.memory_needed(households) + memory.memory_needed(members, members=True)
    assert needed > memory.memory_needed(households) > memory.MEMORY_AT_START  # members and rows both count
    for free, chunked in ((math.ceil(needed), False), (math.ceil(needed) - 1, True)):
        monkeypatch.setattr(memory, "available_memory", lambda free=free: free)
        result = runner.invoke(app, ["classify", str(households), "--members", str(members), "-o", "-"])
        assert result.exit_code == 1, result.output  # the sample's bad rows, classified either way
        assert ("too big to classify in this machine's memory at once" in result.stderr) == chunked
        assert result.stdout.startswith('"household_id"')


def test_the_windows_memory_query_has_the_size_windows_expects():
    from ngheo_cli.io import memory

    assert memory._memory_status().dwLength == 64  # sizeof(MEMORYSTATUSEX), as GlobalMemoryStatusEx checks


def test_a_worker_that_dies_is_one_clear_error(sample_csv, monkeypatch):
    """A worker killed mid-chunk (the kernel's out-of-memory killer, say) stops the run with
    a message that says what to change, not a traceback of the process pool."""
    import os

    from ngheo_cli import stream
    from ngheo_cli.errors import NgheoError

    households, members = sample_csv
    monkeypatch.setattr(stream, "_classify_chunk", lambda job, number, frame: os._exit(9))  # inherited by the fork
    with pytest.raises(NgheoError, match="stopped unexpectedly") as stopped:
        classify_in_chunks(households, members, load_standard(), 50, lambda csv, n: None, jobs=2)
    assert "fewer --jobs" in stopped.value.hint


def test_by_default_as_many_jobs_as_cores_that_fit_in_half_the_free_memory(monkeypatch):
    from ngheo_cli import stream

    monkeypatch.setattr(stream, "usable_cores", lambda: 8)
    for free_gb, jobs in ((64, 8), (4, 2), (0.1, 1)):  # a chunk of 200,000 households needs about 1 GB
        monkeypatch.setattr(stream, "available_memory", lambda free_gb=free_gb: int(free_gb * 1024**3))
        assert stream.default_jobs(200_000) == jobs
    monkeypatch.setattr(stream, "available_memory", lambda: None)  # unknown (not Linux): the cores
    assert stream.default_jobs(200_000) == 8


def test_jobs_without_chunks_says_it_has_no_effect(sample_csv, tmp_path):
    households, members = sample_csv
    result = runner.invoke(app, ["classify", str(households), "--members", str(members), "--jobs", "2", "-o", "-"])
    assert result.exit_code == 1 and result.stdout.startswith('"household_id"')  # the roster, untouched
    assert "--jobs takes effect with --chunk-size" in result.stderr


def assert_chunks_give(whole, households, members, standard, chunk_rows: int) -> None:
    """A run in chunks of `chunk_rows` rows (review year 2025) writes the roster of the whole run
    `whole`, byte for byte, and gives its summary and problems."""
    rosters = []
    streamed = classify_in_chunks(households, members, standard, chunk_rows, lambda csv, n: rosters.append(csv),
                                  year=2025)
    assert b"".join(rosters) == csv_bytes(whole.roster)
    pd.testing.assert_frame_equal(streamed.summary, whole.summary)
    pd.testing.assert_frame_equal(streamed.problems.to_frame("vi"), whole.problems.to_frame("vi"))


MESSY_CELL = st.one_of(st.sampled_from(["", "H1", "H2", "h1 ", "x", "có", "2.000.000", "3", "Phường Cầu Giấy", '"a,b"',
                                        "=1+1", "1e400", "-0", "#REF!", "Tổng cộng", "Tổ dân phố 1", "1"]),
                        st.text(alphabet="aH1 .", max_size=4))
# a group title: the ward or hamlet of the households under it, in a row of its own
# (with its number in the cell before it, perhaps: "1 | Tổ dân phố 1", the number under Mã hộ)
GROUP_TITLE_ROW = st.builds(lambda title, number, at: [title if column == at else number if column == at - 1 else ""
                                                       for column in range(5)],
                            st.sampled_from(["Tổ dân phố 1", "2. Thôn Đông", "I. PHƯỜNG YÊN HÒA", "Xã Minh Phú"]),
                            st.sampled_from(["", "1", "I"]), st.integers(0, 4))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.permutations(["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]),
    rows=st.lists(st.one_of(st.lists(MESSY_CELL, min_size=5, max_size=5), GROUP_TITLE_ROW), max_size=8),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
    title=st.booleans(),
    chunk_rows=st.integers(2, 5),
    without_ward=st.booleans(),
)
# "Tổng cộng" typed under Mã hộ twice, a row without a ward between: that row is below the list's
# totals row (its footer) in the whole run, so it must be in the last household's chunk
@example(header=["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"],
         rows=[["H2", "", "1", "900000", "x"], ["Tổng cộng", "", "", "", ""], ["", "", "1", "5000000", ""],
               ["Tổng cộng", "", "", "", ""]], line_end="\n", title=False, chunk_rows=3, without_ward=False)
# no household id at all: the whole list is its end's (the row after the totals row is its footer)
@example(header=["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"],
         rows=[["", "", "1", "900000", "x"], ["", "", "2", "900000", ""], ["", "", "1", "5000000", ""],
               ["Tổng cộng", "", "", "", ""], ["", "", "1", "900000", ""]], line_end="\n", title=False, chunk_rows=2,
         without_ward=False)
# group titles with their number under Mã hộ, the same numbers as households': the titles' rows
# are no households (were duplicates of households "1" and "2" in chunks)
@example(header=["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"],
         rows=[["1", "", "Tổ dân phố 1", "", ""], ["1", "Phường A", "2", "900000", ""], ["2", "Phường A", "2", "900000", ""],
               ["2", "", "Tổ dân phố 2", "", ""], ["3", "Phường A", "1", "900000", ""]], line_end="\n", title=False,
         chunk_rows=2, without_ward=False)
# a ward cell of one space above the list's first ward title: kept as typed (the problem shows it),
# in the chunk without any title as in the whole run, which blanked it when it filled the others
@example(header=["Phường/Xã", "Số nhân khẩu", "Mã hộ", "Thu nhập bình quân đầu người/tháng (đồng)"],
         rows=[[" ", "", "", "", "H1"], ["", "I. PHƯỜNG YÊN HÒA", "", "", ""], ["", "", "", "", ""], ["", "", "", "", ""],
               ["", "", "H1", "", ""]], line_end="\n", title=False, chunk_rows=2, without_ward=False)
# a ward title above the first household and no ward cell anywhere: the ward column, read as it
# is typed (already NFC), must be "string" in each chunk as in the whole run
@example(header=["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"],
         rows=[["", "", "", "", ""], ["I. PHƯỜNG YÊN HÒA", "", "", "", ""], ["", "", "", "", ""], ["H1", "", "", "", ""]],
         line_end="\n", title=False, chunk_rows=2, without_ward=False)
def test_any_small_messy_csv_in_chunks_gives_the_whole_runs_roster_summary_and_problems(
    tmp_path_factory, monkeypatch, header, rows, line_end, title, chunk_rows, without_ward,
):
    """Duplicates across chunks, blank and bad cells, title rows, group titles that give a ward or
    a hamlet (with or without a ward column), every line end; the file is read in blocks of 16
    bytes, so blocks are cut inside every kind of row."""
    monkeypatch.setattr(arrow_csv, "BLOCK_BYTES", 16)
    header = [h for h in header if not (without_ward and h == "Phường/Xã")]
    rows = [r[:len(header) + 1] for r in rows]
    lines = (["DANH SÁCH HỘ NĂM 2025"] if title else []) + [",".join([*header, "Ghi chú"])] + [",".join(r) for r in rows]
    path = tmp_path_factory.mktemp("messy") / "survey.csv"
    path.write_text(line_end.join(lines) + line_end, encoding="utf-8", newline="")
    standard = load_standard("vn-2022-2025")
    try:
        whole = run_classification(read_grids(path), standard, path.name, year=2025)
    except InputError:  # (a header the layout cannot place: chunks must refuse it too)
        with pytest.raises(InputError):
            classify_in_chunks(path, None, standard, chunk_rows, lambda csv, n: None, year=2025)
        return
    assert_chunks_give(whole, path, None, standard, chunk_rows)


_IDS = st.sampled_from(["H1", "H2", "H3", "h1", " H1", "Ｈ1", "", "H4"])  # spellings that do and do not match
_HOUSEHOLD_ROW = st.tuples(_IDS, st.sampled_from(["Phường A", "Phường B", ""]), st.sampled_from(["1", "2", "0", "x", ""]),
                           st.sampled_from(["900000", "2.000.000", "5000000", "", "abc"]))
# a group title, its number (an id's spelling, perhaps) under Mã hộ and its name beside it
_TITLE_ROW = st.tuples(st.sampled_from(["", "H1", "1"]), st.sampled_from(["Tổ dân phố 1", "Thôn Đông"]), st.just(""),
                       st.just(""))
_MEMBER_ROW = st.tuples(_IDS, st.sampled_from(["5", "30", "70", "", "x"]), st.sampled_from(["x", "", "có", "?"]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(households=st.lists(st.one_of(_HOUSEHOLD_ROW, _TITLE_ROW), max_size=6), members=st.lists(_MEMBER_ROW, max_size=10),
       chunk_rows=st.integers(1, 3), in_household_order=st.booleans(), strays_allowed=st.sampled_from([100_000, 0]))
@example(households=[], members=[("H1", "5", "x")], chunk_rows=1, in_household_order=False,  # no household at all
         strays_allowed=100_000)
# a duplicate id whose members are in the other chunk:
@example(households=[("H1", "Phường A", "1", "900000"), ("H1", "Phường A", "0", "900000")],
         members=[("H1", "5", "x")], chunk_rows=1, in_household_order=False, strays_allowed=100_000)
def test_any_small_survey_with_members_in_chunks_gives_the_whole_runs_results(
    tmp_path_factory, monkeypatch, households, members, chunk_rows, in_household_order, strays_allowed,
):
    """Members of duplicated, missing or differently spelled ids, in any order, spread over chunks:
    read in place with their strays, or (no strays allowed) through scratch files; group titles
    among the households, a household's id under some of them."""
    from ngheo_cli import stream

    monkeypatch.setattr(stream, "STRAY_ROWS", strays_allowed)
    folder = tmp_path_factory.mktemp("members")
    survey, members_file = folder / "survey.csv", folder / "members.csv"
    survey.write_text("Mã hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng)\n"
                      + "".join(",".join(row) + "\n" for row in households), encoding="utf-8")
    members_file.write_text("Mã hộ,Tuổi,Có thẻ BHYT\n" + "".join(
        ",".join(row) + "\n" for row in (sorted(members) if in_household_order else members)), encoding="utf-8")
    standard = load_standard("vn-2022-2025")
    try:
        whole = run_classification(read_grids(survey), standard, survey.name, read_grids(members_file, members=True),
                                   year=2025)
    except InputError:
        with pytest.raises(InputError):
            classify_in_chunks(survey, members_file, standard, chunk_rows, lambda csv, n: None, year=2025)
        return
    assert_chunks_give(whole, survey, members_file, standard, chunk_rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=0, max_size=80),  # households' ids (small: ids used twice)
       st.lists(st.sampled_from(["next", "skip", "back", "unknown", "again"]), max_size=120),
       st.integers(1, 50), st.integers(1, 40))
def test_members_households_found_in_file_order_as_a_search_finds_them(ids, steps, batch, misses_compared):
    """The members' pass compares each run of members' ids with the next household's id and
    searches the others (a household without members, a member listed late, an unknown id, an id
    used twice): each run gets what a plain search gives, whether it was found and the chunk of
    the first row with its id, in batches of any size whatever the order."""
    import numpy as np

    from ngheo_cli.stream import _HouseholdIndex

    hashes = np.array(ids, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # (spread over the range)
    chunks = np.arange(len(ids), dtype=np.int32) // 2
    runs, at = [], 0  # member runs, mostly the households in order
    for step in steps:
        if step == "next" and at < len(ids):
            runs.append(ids[at])
            at += 1
        elif step == "skip":
            at += 1
        elif step == "back" and ids:
            runs.append(ids[min(at, len(ids) - 1) // 2])
        elif step == "unknown":
            runs.append(1000 + len(runs))
        elif step == "again" and runs:
            runs.append(runs[-1])
    wanted = np.array(runs, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    index = _HouseholdIndex.of(hashes, chunks)
    index.MISSES_COMPARED = misses_compared
    found, chunk = [], []
    for first in range(0, len(wanted), batch):
        some_found, some_chunk = index.chunks_of(wanted[first:first + batch], nowhere=-1)
        found += some_found.tolist()
        chunk += some_chunk.tolist()
    first_row = {}
    for row, value in enumerate(hashes.tolist()):
        first_row.setdefault(value, row)
    assert found == [value in first_row for value in wanted.tolist()]
    assert chunk == [int(chunks[first_row[value]]) if value in first_row else -1 for value in wanted.tolist()]


@pytest.mark.parametrize("quoted_line_break", [False, True])
def test_the_list_end_is_judged_as_in_a_whole_run_wherever_a_chunk_border_falls(tmp_path, quoted_line_break):
    """The totals row and the signature block under the last household are skipped, and a row
    without an id among the households stays an error even when its note reads like a signer
    ("Cán bộ hưu trí") and a chunk ends on it; a border inside the signature block splits
    nothing. (A quoted line break makes the file read by the streaming reader: chunks handed
    over as frames, not re-read by position.)"""
    note = '"Cán bộ\nhưu trí"' if quoted_line_break else "Cán bộ hưu trí"
    lines = ["STT,Mã hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng),Ghi chú",
             "1,H1,Phường A,2,900000,", "2,H2,Phường A,2,5000000,", f"3,,Phường A,2,5000000,{note}",
             "4,H4,Phường B,3,1500000,", "5,H5,Phường B,1,2500000,", "Tổng cộng,,,10,,", ",,,,,",
             ",,\"Hà Nội, ngày 15 tháng 11 năm 2025\",,,", "Người lập biểu,,,TM. UBND PHƯỜNG,,",
             '"(Ký, ghi rõ họ tên)",,,CHỦ TỊCH,,', "Nguyễn Văn A,,,Trần Thị B,,"]
    path = tmp_path / "survey.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    standard = load_standard("vn-2022-2025")
    whole = run_classification(read_grids(path), standard, path.name, year=2025)
    problems = whole.problems.to_frame("en")
    assert problems.loc[problems["code"] == "required", "row"].tolist() == [4]
    assert problems.loc[problems["code"] == "footer_row", "row"].tolist() == [9, 10, 11, 12]
    for chunk_rows in range(1, 8):
        rosters = []
        streamed = classify_in_chunks(path, None, standard, chunk_rows, lambda csv, n: rosters.append(csv), year=2025)
        assert b"".join(rosters) == csv_bytes(whole.roster), chunk_rows
        pd.testing.assert_frame_equal(streamed.problems.to_frame("en"), problems)
        assert streamed.counts == whole.counts
        assert streamed.chunks == -(-5 // chunk_rows)  # the rows after H5 go with H5's chunk


def test_the_forms_column_numbers_are_skipped_in_chunks_as_in_a_whole_run(tmp_path):
    """Under the header, "1,2,3,4,5" numbers the form's columns: its 2 under Mã hộ is no household,
    so a household whose id is 2 is no duplicate of it, in chunks as in a whole run."""
    households = tmp_path / "survey.csv"
    households.write_text("STT,Mã hộ,Phường/Xã,Số nhân khẩu,Thu nhập bình quân đầu người/tháng (đồng)\n1,2,3,4,5\n"
                          + "".join(f"{n},{n},Phường A,2,{n * 700_000}\n" for n in range(1, 8)), encoding="utf-8")
    members = tmp_path / "members.csv"
    members.write_text("Mã hộ,Họ và tên,Tuổi\n1,2,3\n" + "".join(f"{n},Người {n},{20 + n}\n" for n in range(1, 8)),
                       encoding="utf-8")
    standard = load_standard("vn-2022-2025")
    whole = run_classification(read_grids(households), standard, households.name, read_grids(members), year=2025)
    problems = whole.problems.to_frame("en")
    assert problems.loc[problems["severity"] == "error", "code"].tolist() == []  # (no duplicate, no orphan member)
    assert problems.loc[problems["code"] == "column_numbers_row", "row"].tolist() == [2, 2]
    for chunk_rows in (1, 2, 3, 10):
        rosters = []
        streamed = classify_in_chunks(households, members, standard, chunk_rows, lambda csv, n: rosters.append(csv),
                                      year=2025)
        assert b"".join(rosters) == csv_bytes(whole.roster), chunk_rows
        pd.testing.assert_frame_equal(streamed.problems.to_frame("en"), problems)


@pytest.mark.parametrize("fails_in", ["_chunk_run", "_classify_chunk"])
def test_a_chunk_that_fails_before_passing_its_group_titles_down_stops_the_run_and_none_waits_for_them(
    tmp_path, monkeypatch, fails_in,
):
    """Chunk 1 of a district's list fails (inside the chunk's run, or around it): chunk 2, in the
    other worker, waits for chunk 1's group titles; it is told that chunk 1 stopped, and the run
    ends with chunk 1's error (not waiting for ever: an alarm ends the test if it would)."""
    import signal

    from ngheo_cli import stream
    from test_ward_names import DISTRICT_LIST_CSV

    path = tmp_path / "quan.csv"
    path.write_text(DISTRICT_LIST_CSV, encoding="utf-8")
    original = getattr(stream, fails_in)

    def failing_second(job, number, frame, *rest):
        if number == 1:
            raise ValueError("chunk 1 failed")
        return original(job, number, frame, *rest)

    def waited_too_long(signum, frame):
        raise TimeoutError("the run waited for ever")

    monkeypatch.setattr(stream, fails_in, failing_second)  # inherited by the fork
    previous = signal.signal(signal.SIGALRM, waited_too_long)
    signal.alarm(60)
    try:
        with pytest.raises(ValueError, match="chunk 1 failed"):
            classify_in_chunks(path, None, load_standard("vn-2022-2025"), 2, lambda csv, n: None, year=2025, jobs=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("chunk_rows", [1, 2, 3])
def test_group_titles_numbered_under_ma_ho_like_the_households_are_no_households_in_chunks(tmp_path, chunk_rows):
    """The STT typed as Mã hộ, and each group title's number in the same column ("1 | Tổ dân phố 1"):
    a whole run reads the titles as titles; chunks read household 1 as household 1 too (not a
    duplicate of the title's "1") and give it its own members (not to the title's chunk)."""
    households = tmp_path / "ds.csv"
    households.write_text("Mã hộ,Họ tên chủ hộ,Phường/Xã,Thu nhập bình quân đầu người/tháng (đồng)\n"
                          "1,Tổ dân phố 1,,\n1,An,Phường A,900000\n2,Bình,Phường A,3000000\n"
                          "2,Tổ dân phố 2,,\n3,Cúc,Phường A,900000\n4,Dung,Phường A,900000\n", encoding="utf-8")
    members = tmp_path / "tv.csv"
    members.write_text("Mã hộ,Tuổi\n1,40\n1,12\n2,35\n3,70\n3,68\n4,30\n", encoding="utf-8")
    standard = load_standard("vn-2022-2025")
    whole = run_classification(read_grids(households), standard, households.name, read_grids(members, members=True),
                               year=2025)
    assert_chunks_give(whole, households, members, standard, chunk_rows)
    assert whole.roster["members_count"].tolist() == [2, 1, 2, 1]
    assert whole.roster["hamlet"].tolist() == ["Tổ dân phố 1", "Tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 2"]
