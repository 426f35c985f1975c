"""The problem log: problems added one by one and by whole columns come out as one problems
file, sorted by sheet and row, in the order found within a row, with the cell as the officer
typed it and the message of its code."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ngheo_cli.issues import CODES, Problem, ProblemLog

# a cell, and the text the problems file shows for it
CELLS = [(None, ""), ("x", "x"), ("Phường A", "Phường A"), (3.0, "3"), (3.5, "3.5"), (7, "7"), (pd.NA, ""),
         (float("nan"), ""), ("", "")]
SHEETS = ["Hộ", "Thành viên"]
CODES_USED = ["required", "not_a_number", "indicator_missing", "undetermined", "members_count_differs"]

single = st.tuples(st.just("one"), st.sampled_from(SHEETS), st.one_of(st.none(), st.integers(1, 9)),
                   st.sampled_from(CELLS), st.sampled_from(CODES_USED), st.sampled_from(["", "5", "a, b"]))
many = st.tuples(st.just("many"), st.sampled_from(SHEETS), st.lists(st.integers(1, 9), min_size=0, max_size=6),
                 st.sampled_from(CODES_USED), st.booleans(), st.booleans())


def _message(code: str, expected: str) -> str:
    return CODES[code][2].format(expected=expected)


def _apply(operations) -> tuple[ProblemLog, list[tuple]]:
    """The operations on a log, and the problems they should give as plain records."""
    log, records = ProblemLog(), []
    for operation in operations:
        if operation[0] == "one":
            _, sheet, row, (cell, text), code, expected = operation
            log.add(Problem(sheet, row, "Cột", cell, code, expected))
            records.append((sheet, row, "Cột", text, code, expected))
        else:
            _, sheet, rows, code, as_text_column, per_row_detail = operation
            cells = [CELLS[r % len(CELLS)] for r in rows]
            values = (pd.Series([t for _, t in cells], dtype="string") if as_text_column
                      else pd.Series([c for c, _ in cells], dtype=object))
            details = [f"d{r}" for r in rows] if per_row_detail else "chung"
            log.add_many(sheet, pd.Series(rows, dtype="int64"), "Cột B", values, code,
                         pd.Series(details, dtype="string") if per_row_detail else details)
            for i, row in enumerate(rows):
                detail = details[i] if per_row_detail else details
                records.append((sheet, row, "Cột B", cells[i][1], code, detail))
    return log, records


@given(st.lists(st.one_of(single, many), max_size=12))
def test_problems_come_out_sorted_by_sheet_and_row_in_the_order_found(operations):
    log, records = _apply(operations)
    ordered = sorted(records, key=lambda r: (r[0], r[1] or 0))  # (stable: the order found within a row)
    frame = log.to_frame("en")
    assert list(frame.columns) == ["sheet", "row", "column", "value", "code", "severity", "message"]
    assert frame["sheet"].tolist() == [r[0] for r in ordered]
    assert [None if pd.isna(r) else int(r) for r in frame["row"]] == [r[1] for r in ordered]
    assert frame["value"].tolist() == [r[3] for r in ordered]
    assert frame["code"].tolist() == [r[4] for r in ordered]
    assert frame["severity"].tolist() == [CODES[r[4]][0] for r in ordered]
    assert frame["message"].tolist() == [_message(r[4], r[5]) for r in ordered]
    assert log.count("error") + log.count("warning") == len(records)


@given(st.lists(st.one_of(single, many), max_size=12))
def test_strict_promotion_makes_the_chosen_warnings_errors_and_nothing_else(operations):
    log, records = _apply(operations)
    table = log.table()
    chosen = (table["sheet"] == "Hộ") & (table["severity"] == "warning")
    promoted = log.promote(chosen)
    assert len(promoted) == sum(1 for r in records if r[0] == "Hộ" and CODES[r[4]][0] == "warning")
    assert log.count("warning") == sum(1 for r in records if r[0] != "Hộ" and CODES[r[4]][0] == "warning")
    assert log.count("error") == len(records) - log.count("warning")


def test_a_chunked_runs_logs_join_in_order_and_repeated_header_problems_are_kept_once():
    first, second = ProblemLog(), ProblemLog()
    for log, rows in ((first, [2, 3]), (second, [4])):
        log.add(Problem("Hộ", 1, "Khu vực", None, "required"))  # a header-level problem: in every chunk
        log.add_many("Hộ", pd.Series(rows), "Mã hộ", pd.Series([f"H{r}" for r in rows], dtype="string"), "undetermined")
    joined = ProblemLog()
    joined.add_log(first)
    joined.add_log(second)
    joined.drop_repeats()
    frame = joined.to_frame("en")
    assert frame["row"].tolist() == [1, 2, 3, 4]
    assert frame["value"].tolist() == ["", "H2", "H3", "H4"]


def test_an_empty_log_gives_an_empty_problems_file_with_its_columns():
    frame = ProblemLog().to_frame("vi")
    assert frame.empty and list(frame.columns) == ["sheet", "row", "column", "value", "code", "severity", "message"]
    assert ProblemLog().count("error") == 0
