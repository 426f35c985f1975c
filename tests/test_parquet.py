"""Parquet surveys: typed columns (numbers, booleans, categories, missing values, a stored pandas
index) read as the same values typed into a workbook, whole or in chunks."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pyarrow as pa
import pytest

from conftest import run_ngheo, write_workbook
from ngheo_cli.io.parquet import as_text
from ngheo_cli.io.workbook import read_grids
from ngheo_cli.io.writers import csv_bytes
from ngheo_cli.pipeline import run_classification
from ngheo_cli.standards.load import load_standard
from ngheo_cli.stream import classify_in_chunks

HEADERS = ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
           "Diện tích nhà ở (m²)", "Thiếu hụt: Việc làm", "Thiếu hụt: Bảo hiểm y tế", "Thiếu hụt: Nguồn nước sinh hoạt"]
# ids as numbers, a missing count, a missing income, an area of 0.5 m², yes/no as booleans with a blank
ROWS = [
    [101, "Phường A", 2, 1_500_000.0, 30.5, True, True, True],
    [102, "Phường A", 3, 9_000_000.0, 60.0, False, False, False],
    [103, "Xã B", None, 2_000_000.0, 40.0, None, False, False],
    [104, "Phường A", 1, None, 12.0, True, False, False],
    [105, "Xã B", 4, 1_200_000.0, 0.5, True, None, True],
    [106, "Phường A", 2, 2_500_000.0, 25.0, False, True, False],
]


def typed_parquet(path):
    """ROWS as typed Parquet columns: int ids, a categorical ward, nullable ints and booleans,
    floats with NaN for missing; stored with a (non-default) pandas index, as `to_parquet` does."""
    columns = list(zip(*ROWS))
    frame = pd.DataFrame({
        HEADERS[0]: pd.array(columns[0], dtype="int64"),
        HEADERS[1]: pd.Categorical(columns[1]),
        HEADERS[2]: pd.array(columns[2], dtype="Int64"),
        HEADERS[3]: [float("nan") if v is None else v for v in columns[3]],
        HEADERS[4]: pd.array(columns[4], dtype="float64"),
        **{h: pd.array(c, dtype="boolean") for h, c in zip(HEADERS[5:], columns[5:])},
    }, index=pd.Index(range(10, 10 + len(ROWS)), name="stt"))
    frame.to_parquet(path, index=True)
    return path


def test_a_typed_parquet_survey_reads_as_the_same_workbook(tmp_path):
    for folder in ("parquet", "xlsx"):  # the same file name in two folders: the same sheet name in problems
        (tmp_path / folder).mkdir()
    parquet = typed_parquet(tmp_path / "parquet" / "survey.parquet")
    workbook = write_workbook(tmp_path / "xlsx" / "survey.xlsx", {"Hộ": [HEADERS, *ROWS]})
    outputs = {}
    for path in (parquet, workbook):
        problems = path.with_suffix(".problems.csv")
        result = run_ngheo("classify", str(path), "-o", "-", "-s", "vn-2022-2025", "--year", "2025",
                           "--errors", str(problems))
        assert result.returncode == 1, result.stderr.decode()  # the rows with a missing count or income
        listed = pd.read_csv(problems).drop(columns=["Sheet", "sheet"], errors="ignore")
        outputs[path.suffix] = (result.stdout, listed)
    assert outputs[".parquet"][0] == outputs[".xlsx"][0]
    pd.testing.assert_frame_equal(outputs[".parquet"][1], outputs[".xlsx"][1])
    roster = pd.read_csv(io.BytesIO(outputs[".parquet"][0]), dtype={"household_id": str})
    assert roster["household_id"].tolist() == ["101", "102", "103", "104", "105", "106"]
    assert "stt" not in roster.columns and "__index_level_0__" not in roster.columns
    assert len(outputs[".parquet"][1]) >= 2  # the missing count and the missing income are both reported


def test_a_typed_parquet_survey_in_chunks_gives_the_whole_run(tmp_path):
    survey = typed_parquet(tmp_path / "survey.parquet")
    rosters = []
    streamed = classify_in_chunks(survey, None, load_standard(), 2, lambda csv, n: rosters.append(csv), year=2025)
    whole = run_classification(read_grids(survey), load_standard(), survey.name, year=2025)
    assert b"".join(rosters) == csv_bytes(whole.roster)
    pd.testing.assert_frame_equal(streamed.summary, whole.summary)
    assert streamed.problems.to_frame("en").equals(whole.problems.to_frame("en"))


@pytest.mark.parametrize(("values", "kind", "text"), [
    ([101.0, 1e16, -0.0, 8.5, float("nan"), float("inf"), None],
     pa.float64(), ["101", "10000000000000000", "0", "8.5", None, "inf", None]),
    ([1, None, 2**60], pa.int64(), ["1", None, str(2**60)]),
    ([True, False, None], pa.bool_(), ["true", "false", None]),
    ([dt.date(2025, 1, 2), None], pa.date32(), ["2025-01-02", None]),
    ([dt.datetime(2025, 1, 2, 3, 4), None], pa.timestamp("us"), ["2025-01-02T03:04:00", None]),
    (["Phường A", None, "Phường A"], pa.dictionary(pa.int8(), pa.string()), ["Phường A", None, "Phường A"]),
    ([[1, 2], None], pa.list_(pa.int64()), ["[1, 2]", None]),
])
def test_each_parquet_type_reads_as_the_text_a_sheet_shows(values, kind, text):
    column = pa.array(values, type=kind) if not pa.types.is_dictionary(kind) else pa.array(values).dictionary_encode()
    converted = as_text(column)
    assert converted.type == pa.large_string()
    assert converted.to_pylist() == text
    assert as_text(pa.chunked_array([column, column])).to_pylist() == text + text
