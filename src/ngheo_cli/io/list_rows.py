"""Which rows under a list's header are records: a list's own rows that are not households or
members (a totals row, a group's title, the form's column numbers, the signature block under
it) are skipped and listed, and a cell merged down over several rows is given to each of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from ngheo_cli.frames import filled, is_blank
from ngheo_cli.io.cell_looks import CellLooks
from ngheo_cli.io.workbook import Grid
from ngheo_cli.issues import Problem
from ngheo_cli.text import fold, nfc
from ngheo_cli.ward_names import ward_in_title

_TOTALS = ("tong", "cong")


def records_only(
    grid: Grid, cells: pd.DataFrame, headers: dict[str, str], no_id: pd.Series | None, ids_all_filled: bool,
    group_titles: bool = False,
) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of `cells` (a list's body, its columns by id) that are records, and the skipped
    ones as info problems. `headers`: each column id's header as written; `no_id`: the rows with
    a blank ward (households; without a ward column, no income) or household id (members);
    `ids_all_filled`: whether every row has a household id (then nothing below the list can be
    its footer); `group_titles`: a list of households, whose groups may have titles."""
    if "household_id" not in cells or "household_id" not in headers:
        no_id = None  # (nothing to skip without an id column: its rows are the records' own)
    unnamed = RowsWithoutWard.of(cells, no_id)
    cells, skipped = _drop_repeated_headers(grid, cells, headers, unnamed.list_titles)
    cells, totals = _drop_rows(grid.name, cells, unnamed.totals, headers.get("household_id", ""), "totals_row")
    skipped += totals
    if not ids_all_filled and not grid.list_continues:
        cells, footer = _drop_footer(grid.name, cells, headers["household_id"], totals)
        skipped += footer
    if group_titles and no_id is not None:
        cells, sections = _drop_rows(grid.name, cells, unnamed.group_titles, headers["household_id"], "section_row")
        skipped += sections
        cells, filled_in = _from_group_titles(grid, cells, sections, headers)
        skipped += filled_in
    if not cells.empty and numbers_columns(grid.cells.loc[cells.index[0]]):
        skipped.append(Problem(grid.name, int(cells.index[0]), headers["household_id"], None, "column_numbers_row"))
        cells = cells.iloc[1:]
    return cells, skipped


@dataclass
class RowsWithoutWard:
    """What a list's rows without a ward (`no_id`: without a household id, in a members list) may
    be instead of records, each told by its own row's cells (looked at in bulk, io/cell_looks.py):
    a list's title ("DANH SÁCH HỘ NGHÈO PHƯỜNG B": one text, as titles start), a totals row (its
    first text says "Tổng"/"Cộng"), a group's title ("I. PHƯỜNG CẦU GIẤY", "Tổ dân phố 5": one text
    naming a ward or a hamlet, its number beside it at most). Rows by label; a title of a list is
    not also a totals row ("TỔNG HỢP …")."""

    list_titles: list[int] = field(default_factory=list)
    totals: dict[int, None] = field(default_factory=dict)
    group_titles: dict[int, str] = field(default_factory=dict)  # row -> the title as written

    @classmethod
    def of(cls, cells: pd.DataFrame, no_id: pd.Series | None) -> RowsWithoutWard:
        if no_id is None or not no_id.any():
            return cls()
        looks = CellLooks(cells, np.flatnonzero(no_id.to_numpy(dtype=bool)))
        labels = cells.index.to_numpy()[looks.rows]
        first, second = looks.first_two_filled()
        one_cell = looks.count == 1
        list_title = looks.says(one_cell, first, _is_list_title)
        first_text = looks.first_text()
        totals = looks.says(first_text >= 0, first_text, _says_total) & ~list_title
        # a group's title: one or two cells, exactly one of them not the group's number, naming a unit
        few = (looks.count >= 1) & (looks.count <= 2)
        named_first = few & ~looks.says(few, first, _is_marker)
        named_second = (looks.count == 2) & ~looks.says(looks.count == 2, second, _is_marker)
        title_column = np.where(named_first, first, second)
        group_title = (named_first ^ named_second) & looks.says(named_first ^ named_second, title_column, _names_unit)
        return cls(
            list_titles=[int(row) for row in labels[list_title]],
            totals=dict.fromkeys(int(row) for row in labels[totals]),
            group_titles={int(labels[at]): _spelled(cells.iat[looks.rows[at], title_column[at]])
                          for at in np.flatnonzero(group_title)},
        )


def _spelled(cell: object) -> str:
    """A cell's text as a group title shows it (a whole number typed as one: "5", not "5.0")."""
    return cell_text(int(cell) if isinstance(cell, float) and cell.is_integer() else cell)


def _is_marker(cell: object) -> bool:
    return bool(_MARKER.fullmatch(_spelled(cell).lower()))


def _names_unit(cell: object) -> bool:
    return bool(_SECTION.fullmatch(_spelled(cell).lower()))


def _says_total(cell: object) -> bool:
    return fold(cell).startswith(_TOTALS)


def _is_list_title(cell: object) -> bool:
    return isinstance(cell, str) and bool(_LIST_TITLE.match(fold(cell)))


def merges_filled_down(body: pd.DataFrame, merged: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    """A cell merged down over several rows of the list (a ward or a hamlet typed once beside its
    households) holds its value for each of them: in the file only the first row has it, and the
    others were rejected for a blank ward. Merges in the title and header rows are left alone."""
    below = [(top, left, bottom) for top, left, bottom, _ in merged
             if top >= body.index[0] and left in body.columns] if len(body) else []
    if not below:
        return body
    body = body.copy()
    for position in {left for _, left, _ in below}:
        column = body[position].to_numpy(dtype=object, copy=True)
        for top, left, bottom in below:
            if left == position:
                start, stop = top - body.index[0], min(bottom, body.index[-1]) - body.index[0] + 1
                column[start + 1:stop] = column[start]
        body[position] = column
    return body


# A group title inside a list: "I. PHƯỜNG CẦU GIẤY", "Tổ dân phố 5", "2. Thôn Đông" (with its
# diacritics: "Tô Văn Ba", a head's name, is not "Tổ …")
_SECTION = re.compile(r"(?:[ivxlc]+|\d{1,2}|[a-z])?[.)/:-]?\s*(phường|xã|thị trấn|tổ dân phố|tổ|thôn|khu phố|ấp|bản|"
                      r"khu dân cư|cụm dân cư)\s+\S.*")
_MARKER = re.compile(r"(?:[ivxlc]+|\d{1,2}|[a-z])[.)]?")  # the group's number, in a cell of its own


def _drop_rows(sheet: str, cells: pd.DataFrame, rows: dict[int, str | None], id_header: str,
               code: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows found to be of one kind (`rows`: row -> the value to show), skipped and listed
    under `code`; those dropped already as another kind are not listed again."""
    rows = {row: value for row, value in rows.items() if row in cells.index}
    if not rows:
        return cells, []
    return cells.drop(index=list(rows)), [Problem(sheet, row, id_header, value, code) for row, value in rows.items()]


# a group title's unit -> the column it gives the households under it, where the list has none
_TITLE_GIVES = {"phường": "ward", "xã": "ward", "thị trấn": "ward"}  # the other units: hamlets
GROUP_TITLE_HEADERS = {"ward": "Phường/Xã", "hamlet": "Tổ dân phố/Thôn"}


class TitlesAbove(Protocol):
    """A chunk's way to the group titles of the rows above it, in the chunks before it (stream.py).
    Titles are (row, the title as written)."""

    def publish(self, titles: list[tuple[int, str]]) -> None:
        """This chunk's own group titles that the chunks below it may need (title_ends)."""

    def above(self) -> list[tuple[int, str]]:
        """What the chunks above this one published, in row order (waiting for them if need be)."""


def title_ends(titles: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Of group titles in row order, those that rows below them may be given or named by: the
    first and last title of each column they give (the last: the group a row under them is in;
    the first: the one the problems file names, as a whole run names it)."""
    ends: dict[str, list[tuple[int, str]]] = {}
    for title in titles:
        ends.setdefault(_title_gives(title[1])[0], []).append(title)
    return sorted({kept for given in ends.values() for kept in (given[0], given[-1])})


def _title_gives(title: str) -> tuple[str, re.Match]:
    """The column a group title gives ("ward" or "hamlet"), and its match of _SECTION."""
    unit = _SECTION.fullmatch(title.lower())
    return _TITLE_GIVES.get(unit[1], "hamlet"), unit


def _from_group_titles(
    grid: Grid, cells: pd.DataFrame, sections: list[Problem], headers: dict[str, str],
) -> tuple[pd.DataFrame, list[Problem]]:
    """Households listed in groups under titles naming their ward ("I. PHƯỜNG CẦU GIẤY") or
    hamlet ("Tổ dân phố 5"), in a list without that column or with the household's cell blank:
    each is of the group it is listed under (none above the first title); a value typed in the
    row wins. The problems say which column was filled so. A chunk of a list (grid.titles_above)
    passes its own titles down and, where a row of it lacks a ward or hamlet, is given the
    titles above its first row, so that it reads its rows as a whole run does."""
    titles = [(section.row, section.value) for section in sections]
    if not titles and grid.titles_above is None:  # (most lists: no group titles, nothing to look at)
        return cells, []
    blank = {column: _blank(cells, column) for column in GROUP_TITLE_HEADERS}  # (the columns titles give)
    if grid.titles_above is not None:
        grid.titles_above.publish(title_ends(titles))
        if any(rows.any() for rows in blank.values()):  # (a household lacks a ward or a hamlet)
            titles = title_ends(grid.titles_above.above()) + titles
    by_column: dict[str, list[tuple[int, str]]] = {}
    ward_titles = []
    for row, title in titles:
        column, unit = _title_gives(title)
        if column == "ward":
            ward_titles.append(row)
        # (the title from its unit on: "I. PHƯỜNG CẦU GIẤY" is Phường Cầu Giấy)
        name = ward_in_title([title]) if column == "ward" else title[unit.start(1):]
        by_column.setdefault(column, []).append((row, name or title))
    rows_of_cells = cells.index.to_numpy()
    ward_title_above = _last_above(np.array(ward_titles, dtype=np.int64), rows_of_cells)
    fills = {}
    for column, given_titles in by_column.items():
        rows = np.array([row for row, _ in given_titles])
        group = np.searchsorted(rows, rows_of_cells, side="right") - 1  # the last title above each row
        if column == "hamlet":  # (a ward's title starts its hamlets afresh: none until its first)
            group[ward_title_above > _last_above(rows, rows_of_cells)] = -1
        given = np.array([None, *(name for _, name in given_titles)], dtype=object)[group + 1]
        titled = blank[column] & (group >= 0)  # (a blank cell above the first title stays as typed)
        if titled.any():
            fills[column] = (given, titled, given_titles[0])
    if not fills:
        return cells, []
    cells = cells.copy()
    notes = []
    for column, (given, titled, (row, name)) in fills.items():
        if column in cells:
            values = cells[column].to_numpy(dtype=object, copy=True)
            values[titled] = given[titled]
            cells[column] = values
        else:
            cells[column] = pd.array(given, dtype="str")
            headers[column] = GROUP_TITLE_HEADERS[column]
        notes.append(Problem(grid.name, int(row), headers[column], name, "from_group_titles"))
    return cells, notes


def _blank(cells: pd.DataFrame, column: str) -> np.ndarray:
    """Each row's cell of `column` is blank (a column the list lacks: on every row)."""
    return ~filled(cells[[column]])[column].to_numpy() if column in cells else np.ones(len(cells), dtype=bool)


def _last_above(titles: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each row, the row of the last of `titles` (sorted) above it; -1 where none is."""
    found = np.searchsorted(titles, rows, side="right") - 1
    return np.where(found >= 0, titles[np.maximum(found, 0)] if len(titles) else -1, -1)


_COLUMN_NUMBER = re.compile(r"\(?(\d{1,3})\)?(?:\s*=.*)?|\(?([A-Za-z])\)?")


def numbers_columns(row: pd.Series) -> bool:
    """Whether a row (the first under the header) numbers the form's columns: "1 2 3 …", "(1) (2)
    (3)=(1)+(2)", "A B C …", one after another. Read as a household it was one with id 2 in ward 4."""
    numbers = []
    for cell in row:
        if is_blank(cell):
            continue
        if isinstance(cell, (int, float)) and not isinstance(cell, bool) and float(cell).is_integer():
            numbers.append(int(cell))
            continue
        match = _COLUMN_NUMBER.fullmatch(str(cell).strip())
        if match is None:
            return False
        numbers.append(int(match[1]) if match[1] else ord(match[2].upper()) - ord("A") + 1)
    return len(numbers) >= 3 and all(later == earlier + 1 for earlier, later in zip(numbers, numbers[1:]))


def _drop_repeated_headers(
    grid: Grid, cells: pd.DataFrame, headers: dict[str, str], list_titles: list[int],
) -> tuple[pd.DataFrame, list[Problem]]:
    """The header again inside the list, and the titles of the lists pasted under it: each ward's
    list pasted under the last with its title ("DANH SÁCH HỘ NGHÈO PHƯỜNG B", "NĂM 2025"), its header
    and the form's column numbers, or a printout's header repeated on every page. Read as
    households, the header was one with id "Mã hộ" in ward "Phường/Xã", rejected. A row is the
    header again when its household id cell and another survey column's cell hold their headers'
    words; a list's title is a row with no ward (`no_id`: no household id in a members list) that
    holds one text only, starting as list titles start (`list_titles`, RowsWithoutWard). Skipped
    and listed (`header_repeated`, `title_row`, and `column_numbers_row` right under a repeated
    header), not rejected. (Each is told by its own row, so that a run in chunks finds them as a
    whole run does.)"""
    if "household_id" not in cells or "household_id" not in headers:
        return cells, []
    drop: dict[int, str] = dict.fromkeys(list_titles, "title_row")
    candidates = np.flatnonzero((cells["household_id"] == headers["household_id"]).fillna(False).to_numpy(dtype=bool))
    others = [column for column in headers if column != "household_id" and column in cells]
    for at in candidates:
        row = cells.iloc[at]
        if not any(isinstance(row[c], str) and nfc(row[c]) == headers[c] for c in others):
            continue
        drop[int(cells.index[at])] = "header_repeated"
        if at + 1 < len(cells) and numbers_columns(grid.cells.loc[cells.index[at + 1]]):
            drop.setdefault(int(cells.index[at + 1]), "column_numbers_row")
    if not drop:
        return cells, []
    return cells.drop(index=list(drop)), [Problem(grid.name, row, headers["household_id"], None, code)
                                         for row, code in sorted(drop.items())]


# How a list's title starts (folded): "DANH SÁCH …", "DS HỘ …", "BẢNG TỔNG HỢP …", "TỔNG HỢP …",
# "(Kèm theo …)", "PHỤ LỤC …", "Mẫu số …"; or "NĂM 2025" alone. (Not a name: "Kỳ Anh", "Bảo".)
_LIST_TITLE = re.compile(r"danhsach|dsho|bang(tonghop|ke|danhsach)|tonghop|kemtheo|phuluc|mauso|nam\d{4}$")


def _drop_footer(sheet: str, cells: pd.DataFrame, id_header: str, totals: list[Problem]) -> tuple[pd.DataFrame, list[Problem]]:
    """The block under the last household: rows with no household id and no ward below a totals
    row, or that read as the form's signature block ("Người lập biểu", "(Ký, ghi rõ họ tên)",
    "TM. UBND", "…, ngày 15 tháng 11 năm 2025"). Listed as skipped (`footer_row`), not rejected as
    households without an id; a row with no id among the households, or with a ward, stays an error."""
    has_id = filled(cells[["household_id"]])["household_id"].to_numpy()
    last = int(np.flatnonzero(has_id)[-1]) + 1 if has_id.any() else 0
    below = cells.iloc[last:]
    if below.empty:
        return cells, []
    last_household = int(cells.index[last - 1]) if last else 0
    # the totals row of the list, below its last household (a group's "Cộng" row above it is not)
    totals_row = next((problem.row for problem in totals if problem.row > last_household), None)
    no_ward = ~filled(below[["ward"]])["ward"].to_numpy() if "ward" in below else np.ones(len(below), dtype=bool)
    after_totals = below.index.to_numpy() > totals_row if totals_row is not None else np.zeros(len(below), dtype=bool)
    signs = CellLooks(cells, np.arange(last, len(cells))).any_cell_says(_signs)
    footer = [int(row) for row in below.index[(after_totals & no_ward) | signs]]
    # (a ward and no id: a household, an error)
    if not footer:
        return cells, []
    return cells.drop(index=footer), [Problem(sheet, row, id_header, None, "footer_row") for row in footer]


# Words of a form's signature block, folded: who drew it up, signs, confirms, for whom, the date line
_SIGNATURE = re.compile(r"nguoilap|lapbieu|ghirohoten|kyten|xacnhan|chutich|^tm|^t/m|thutruong|canbo|ketoan|"
                        r"ngay\d*thang\d*nam\d*")


def _signs(cell: object) -> bool:
    return isinstance(cell, str) and bool(_SIGNATURE.search(fold(cell)))


def cell_text(cell: object) -> str:
    return "" if is_blank(cell) else nfc(str(cell))
