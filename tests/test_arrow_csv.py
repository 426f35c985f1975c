"""Reading a CSV with Arrow: a block at a time (chunked runs) gives exactly the rows of reading
it whole, wherever the blocks are cut; reading ahead in a thread keeps order and errors; a read
started before the engine loads (classify) gives what a plain read gives."""

from __future__ import annotations

import sys
import threading
import time

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from ngheo_cli import stream
from ngheo_cli.io import arrow_csv
from ngheo_cli.io.arrow_csv import csv_arrow_options, csv_blocks, csv_tables, read_rows
from ngheo_cli.io.workbook import read_grids
from ngheo_cli.io.writers import csv_bytes
from ngheo_cli.parallel import read_ahead
from ngheo_cli.pipeline import run_classification
from ngheo_cli.standards.load import load_standard
from ngheo_cli.stream import classify_in_chunks

sys.path.insert(0, str(REPO / "bench"))
import generate  # noqa: E402  (the benchmark's survey generator)

sys.path.pop(0)

# cells without separators or quotes (a quoted file goes to the one-thread reader), with
# Vietnamese letters: a cut never falls inside a character
CELL = st.text(alphabet=st.sampled_from(list("ab 1.-xĐđếệ\t")), max_size=6)


def read_whole(path):
    return pacsv.read_csv(path, *csv_arrow_options(path)).to_pylist()


def read_in_blocks(path, block_bytes):
    tables = list(csv_tables(path, csv_arrow_options(path), block_bytes))
    return pa.concat_tables(tables).to_pylist() if tables else []


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=12),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    last_line_ended=st.booleans(),
    block_bytes=st.integers(1, 40),
)
def test_blocks_cut_anywhere_give_the_rows_of_the_whole_file(tmp_path_factory, rows, line_end, bom, last_line_ended,
                                                             block_bytes):
    path = tmp_path_factory.mktemp("blocks") / "s.csv"
    text = line_end.join(",".join(row) for row in rows) + (line_end if last_line_ended else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    assert read_in_blocks(path, block_bytes) == read_whole(path)


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(CELL, min_size=1, max_size=15), block_bytes=st.integers(1, 20))
def test_a_one_column_file_with_blank_lines_keeps_them_as_rows(tmp_path_factory, cells, block_bytes):
    path = tmp_path_factory.mktemp("blocks") / "s.csv"
    path.write_text("\n".join(["Mã hộ", *cells, ""]), encoding="utf-8")
    assert read_in_blocks(path, block_bytes) == read_whole(path)


QUOTED_CELL = st.sampled_from(['"two\nlines"', '"a, b"', '""', '"say ""x"""'])


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(st.one_of(CELL, QUOTED_CELL), min_size=3, max_size=3), min_size=1, max_size=12),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
    block_bytes=st.integers(1, 40),
)
def test_quotes_in_any_block_hand_the_rest_to_the_streaming_reader_with_the_same_rows(
    tmp_path_factory, rows, line_end, block_bytes,
):
    """A chunked run does not scan the whole file for quotes first: blocks are cut at line ends
    until a quoted value holds a line break (or a cut falls inside one), the rest is read by the
    streaming reader; the rows are the whole read's, and each block before reads again from its
    bytes alone."""
    path = tmp_path_factory.mktemp("quotes") / "s.csv"
    path.write_text(line_end.join(",".join(row) for row in rows) + line_end, encoding="utf-8", newline="")
    options = csv_arrow_options(path, scan_for_quotes=False)
    blocks = list(csv_blocks(path, options, block_bytes))
    assert pa.concat_tables([table for table, _ in blocks]).to_pylist() == read_whole(path)
    spans = [span for _, span in blocks]
    first_streamed = spans.index(None) if None in spans else len(spans)
    assert all(span is None for span in spans[first_streamed:])
    for table, span in blocks[:first_streamed]:
        assert read_rows(path, options, *span).to_pylist() == table.to_pylist()
        assert not any("\n" in cell or "\r" in cell for row in table.to_pylist() for cell in row.values())
    if not any('"two' in cell for row in rows for cell in row):  # (no value with a line break)
        assert first_streamed == len(spans)


def test_a_file_with_quotes_is_read_by_the_streaming_reader_line_breaks_in_values_kept(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('id,note\nH1,"two\nlines"\nH2,"a, b"\n' * 50, encoding="utf-8")
    assert csv_arrow_options(path)[1].newlines_in_values
    assert read_in_blocks(path, 7) == read_whole(path)
    assert read_whole(path)[1] == {"c0": "H1", "c1": "two\nlines"}


def test_a_ragged_row_is_an_error_whichever_block_it_is_in(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("a,b\n" * 100 + "c\n" + "a,b\n" * 100, encoding="utf-8")
    with pytest.raises(pa.ArrowInvalid):
        read_in_blocks(path, 64)


@pytest.mark.parametrize("jobs", [1, 2])
def test_chunks_read_in_small_blocks_give_the_whole_file_result(monkeypatch, tmp_path, jobs):
    """The chunked run's reads (ids, members, each chunk's rows where it is classified) with
    blocks cut every 2 KB; with two workers, each writing its roster into the file itself."""
    survey = tmp_path / "survey.csv"
    generate.write(600, survey)
    members = survey.with_suffix(".members.csv")
    assert b'"' not in survey.read_bytes() + members.read_bytes()  # (so the blocks are cut)
    monkeypatch.setattr(arrow_csv, "BLOCK_BYTES", 2048)
    rosters = []
    with open(tmp_path / "roster.csv", "wb") as roster:
        streamed = classify_in_chunks(survey, members, load_standard(), 70, lambda csv, n: rosters.append(csv), year=2025,
                                      jobs=jobs, roster_fd=roster.fileno())
    reference = run_classification(read_grids(survey), load_standard(), survey.name, read_grids(members), year=2025)
    assert b"".join(rosters) + (tmp_path / "roster.csv").read_bytes() == csv_bytes(reference.roster)
    assert not rosters if jobs > 1 else rosters
    pd.testing.assert_frame_equal(streamed.summary, reference.summary)
    assert streamed.problems.to_frame("vi").equals(reference.problems.to_frame("vi"))


def test_a_parquet_file_in_chunks_is_read_one_batch_at_a_time(tmp_path, monkeypatch):
    """Bounded memory: the first chunk comes before the rest of the file is read."""
    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"id": [f"H{i}" for i in range(1000)]}), path, row_group_size=50)
    made, convert = [], stream.text_table
    monkeypatch.setattr(stream, "text_table", lambda table: made.append(len(table)) or convert(table))
    first = next(stream.batches(path, 50))
    assert len(first) == 50 and len(made) <= 2


def test_reading_ahead_keeps_the_order_and_runs_beside_the_consumer():
    given_out = []

    def slow_items():
        for i in range(5):
            given_out.append(i)
            yield i

    seen = []
    for item in read_ahead(slow_items()):
        deadline = time.monotonic() + 5
        while item < 4 and len(given_out) < item + 2 and time.monotonic() < deadline:
            time.sleep(0.001)  # the next item is made while this one is held
        assert item == 4 or len(given_out) >= item + 2
        seen.append(item)
    assert seen == [0, 1, 2, 3, 4]


def test_reading_ahead_raises_the_error_where_its_item_would_be_and_stops_when_left():
    def failing():
        yield 1
        yield 2
        raise ValueError("bad block")

    got = []
    with pytest.raises(ValueError, match="bad block"):
        for item in read_ahead(failing()):
            got.append(item)
    assert got == [1, 2]

    before = threading.active_count()
    items = read_ahead(iter(range(1000)))
    assert next(items) == 0
    items.close()  # leaving early: the thread stops
    assert threading.active_count() == before


def _survey_files(folder):
    """A clean CSV, a ragged one (pandas explains it), a UTF-16 one, a Parquet file and a damaged one."""
    header = "Mã hộ,Phường/Xã,Số nhân khẩu\n"
    files = {
        "clean.csv": (header + "H1,Phường Cầu Giấy,3\nH2,Phường Dịch Vọng,2\n").encode(),
        "ragged.csv": (header + "H1,Phường Cầu Giấy,3,extra\n").encode(),
        "utf16.csv": (header + "H1,Phường Cầu Giấy,3\n").encode("utf-16"),
        "damaged.parquet": b"PAR1" + b"\0" * 40,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    pq.write_table(pa.table({"Mã hộ": ["H1", "H2"], "Số nhân khẩu": [3, 2]}), folder / "survey.parquet")
    return [folder / name for name in [*files, "survey.parquet"]]


def test_a_read_started_early_gives_what_reading_then_gives_errors_included(tmp_path):
    """classify starts reading a CSV or Parquet survey before the engine loads (io/early.py):
    the grids, and the error of a file that cannot be read, are those of a plain read."""
    from ngheo_cli.errors import InputError
    from ngheo_cli.io.early import EarlyRead

    paths = _survey_files(tmp_path)
    early = EarlyRead(paths)
    errors = []
    for path in paths:
        try:
            plain = read_grids(path)
        except InputError as exc:
            with pytest.raises(InputError) as raised:
                read_grids(path, early=early)
            assert str(raised.value) == str(exc)
            errors.append(path.name)
            continue
        started = read_grids(path, early=early)
        assert [g.name for g in started] == [g.name for g in plain]
        for got, expected in zip(started, plain):
            pd.testing.assert_frame_equal(got.cells, expected.cells)
    assert errors == ["ragged.csv", "damaged.parquet"]
    assert early.take(paths[0]) is None  # each file's result is handed over once


def test_the_command_line_answers_help_without_loading_the_engine():
    """`ngheo --help` and option errors answer in a fraction of a second: pandas, pyarrow and
    the pydantic models load only when a command runs."""
    import subprocess

    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, ngheo_cli.cli; print(sorted({'pandas', 'pyarrow', 'pydantic'} & set(sys.modules)))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert loaded == "[]"


@pytest.mark.parametrize(("lines", "expected"), [
    # a title row, then the header and rows; a note holding semicolons in a comma file
    (['DANH SÁCH HỘ NĂM 2025,,,', 'Mã hộ,Phường/Xã,Số nhân khẩu,Ghi chú', 'H1,Phường A,2,"ốm; nằm viện"',
      'H2,Phường A,3,mới chuyển đến; chưa có sổ; thuê nhà'], ","),
    # Excel on a Windows set to Vietnamese: semicolons, and decimal commas left unquoted
    (['DANH SÁCH HỘ NĂM 2025;;;', 'Mã hộ;Phường/Xã;Diện tích nhà ở (m²);Ghi chú', 'H1;Phường A;43,2;"ốm, nằm viện"',
      'H2;Phường A;8,5;'], ";"),
    (['Mã hộ\tPhường/Xã\tDiện tích nhà ở (m²)', 'H1\tPhường A\t43,2'], "\t"),
    (['Mã hộ', 'H1'], ","),  # one column: nothing to tell, a comma
    (['Mã hộ', '\t', 'H1;'], ","),  # a stray tab or semicolon in one cell splits one line, not all
    (['Mã hộ,Phường/Xã', '"H1\nH2",x', 'H3,y'], ","),  # a line break inside a quoted value
    ([''], ","),
])
def test_the_separator_is_the_one_that_splits_every_line_into_the_same_most_fields(lines, expected):
    assert arrow_csv.sniff_delimiter("\n".join(lines)) == expected
