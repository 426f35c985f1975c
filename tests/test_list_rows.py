"""The rows of a list that have no ward are told apart in bulk (io/cell_looks.py): a list's title,
a totals row, a group's title. They are most rows of a persons list (its members' rows) and of a
list whose ward column was left blank, so they are read once per distinct cell, not row by row;
each must still be read as the rule for its own row says, with a workbook's cells (text, whole
and other numbers) and a CSV's (Arrow text) alike."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ngheo_cli.io.list_rows import RowsWithoutWard
from ngheo_cli.text import fold

CELLS = [None, "", "   ", "Tổng cộng", "Cộng", "  cộng tổ 5", "I. PHƯỜNG CẦU GIẤY", "Tổ dân phố 5", "2. Thôn Đông",
         "Tô Văn Ba", "I", "1", "a)", 1, 2.0, 3.5, 12, "DANH SÁCH HỘ NGHÈO NĂM 2025", "NĂM 2025", "TỔNG HỢP HỘ CẬN NGHÈO",
         "Con", "Vợ/chồng", "x", "Nguyễn Văn A", "Người lập biểu"]

# the rules, one row at a time (docs/survey-format.md, "Rows that are not households")
UNIT = re.compile(r"(?:[ivxlc]+|\d{1,2}|[a-z])?[.)/:-]?\s*(phường|xã|thị trấn|tổ dân phố|tổ|thôn|khu phố|ấp|bản|"
                  r"khu dân cư|cụm dân cư)\s+\S.*")
GROUP_NUMBER = re.compile(r"(?:[ivxlc]+|\d{1,2}|[a-z])[.)]?")
LIST_TITLE = re.compile(r"danhsach|dsho|bang(tonghop|ke|danhsach)|tonghop|kemtheo|phuluc|mauso|nam\d{4}$")


def blank(cell) -> bool:
    return cell is None or (isinstance(cell, float) and cell != cell) or (isinstance(cell, str) and not cell.strip())


def spelled(cell) -> str:
    text = str(int(cell) if isinstance(cell, float) and cell.is_integer() else cell)
    return " ".join(text.split())


def is_list_title(row: list) -> bool:
    texts = [cell for cell in row if not blank(cell)]
    return len(texts) == 1 and isinstance(texts[0], str) and bool(LIST_TITLE.match(fold(texts[0])))


def is_totals(row: list) -> bool:
    first_text = next((cell for cell in row if isinstance(cell, str) and cell.strip()), "")
    return fold(first_text).startswith(("tong", "cong")) and not is_list_title(row)


def group_title(row: list) -> str | None:
    texts = [spelled(cell) for cell in row if not blank(cell)]
    named = [text for text in texts if not GROUP_NUMBER.fullmatch(text.lower())]
    return named[0] if len(texts) <= 2 and len(named) == 1 and UNIT.fullmatch(named[0].lower()) else None


@settings(max_examples=150)
@given(rows=st.lists(st.lists(st.sampled_from(CELLS), min_size=4, max_size=4), min_size=1, max_size=12),
       without_ward=st.data(), as_csv=st.booleans())
def test_rows_without_a_ward_read_in_bulk_as_each_row_alone(rows, without_ward, as_csv):
    unnamed = without_ward.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)), label="no ward")
    if as_csv:  # every cell text, as a CSV's are (a number as it would be written)
        rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
    labels = [5 + 2 * at for at in range(len(rows))]  # (rows are the spreadsheet's row numbers, not positions)
    cells = pd.DataFrame(rows, index=labels, columns=["household_id", "head_name", "ward", "hamlet"],
                         dtype="str" if as_csv else object)
    found = RowsWithoutWard.of(cells, pd.Series(unnamed, index=labels))

    considered = [(label, row) for label, row, no_ward in zip(labels, rows, unnamed) if no_ward]
    assert found.list_titles == [label for label, row in considered if is_list_title(row)]
    assert list(found.totals) == [label for label, row in considered if is_totals(row)]
    assert found.group_titles == {label: title for label, row in considered if (title := group_title(row))}


def test_a_list_without_rows_missing_a_ward_has_none_to_skip():
    cells = pd.DataFrame({"household_id": ["H1", "Tổng cộng"], "ward": ["Phường A", "Phường A"]}, index=[3, 4])
    found = RowsWithoutWard.of(cells, pd.Series([False, False], index=[3, 4]))
    assert (found.list_titles, found.totals, found.group_titles) == ([], {}, {})
    assert np.array_equal(cells.index, [3, 4])
