"""Finding the survey inside grids: which sheet holds households and which members, where the
header row is below the title rows, which header is which column, and where the data ends
(which rows under the header are records: io/list_rows.py).

Sheets are recognised by their headers, never by their names.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ngheo_cli.errors import InputError
from ngheo_cli.frames import filled, text_from_codes
from ngheo_cli.io.legacy import HINT as LEGACY_HINT
from ngheo_cli.io.legacy import looks_legacy
from ngheo_cli.io.list_rows import (
    cell_text,
    merges_filled_down,
    numbers_columns,
    records_only,
)
from ngheo_cli.io.persons import person_rows
from ngheo_cli.io.relations import relation_position
from ngheo_cli.io.split_columns import read, split_columns
from ngheo_cli.io.workbook import Grid
from ngheo_cli.issues import Problem
from ngheo_cli.labels import (
    DEPRIVATION_GROUP,
    ROSTER_ONLY,
    roster_columns_of,
    roster_output_names,
)
from ngheo_cli.parallel import at_once
from ngheo_cli.schema import (
    AGE_COLUMNS,
    HOUSEHOLD_COLUMNS,
    INCOME_SOURCES,
    MEMBER_COLUMNS,
    ColumnSpec,
)
from ngheo_cli.sheets import STRIDE, SheetSet
from ngheo_cli.text import BRACKETED_END, fold, nfc, strip_diacritics
from ngheo_cli.ward_names import ward_in_title

HEADER_SEARCH_ROWS = 30
_REVIEW_YEAR = re.compile(r"nam(20\d\d)")


@dataclass
class Table:
    """One recognised list: raw cells under contract ids, indexed by spreadsheet row (by row
    key when the list is kept on several sheets: sheets.py)."""

    sheet: str  # the sheet's name; the names of all of them, joined, for a list on several sheets
    header_row: int
    headers: dict[str, str]  # column id -> header as the user wrote it
    cells: pd.DataFrame  # columns are ids (contract) or the user's header (extra columns)
    extra_columns: list[str] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    sheets: SheetSet | None = None  # a list kept on several sheets (a sheet per ward)
    positions: dict[str, int] = field(default_factory=dict)  # column id -> its column in the (first) sheet
    # a persons list's members: the row of the household each is listed under (-1: none), by
    # member's row. They belong to it, not to the first household with its id (one used twice).
    household_rows: pd.Series | None = None

    @property
    def sheet_names(self) -> tuple[str, ...]:
        return self.sheets.names if self.sheets is not None else (self.sheet,)

    def rows_text(self, keys: list[int]) -> list[str]:
        """Row numbers (keys) as an officer finds them."""
        return self.sheets.rows_text(keys) if self.sheets is not None else [str(key) for key in keys]


@dataclass
class Survey:
    households: Table
    members: Table | None
    review_year: int | None  # from a title row such as "… NĂM 2025", if any


# Officers' abbreviations in headers, spelled out (folded words)
_ABBREVIATIONS = {"bq": "binh quan", "tn": "thu nhap", "tnbq": "thu nhap binh quan", "hgd": "ho gia dinh",
                  "nk": "nhan khau", "tdp": "to dan pho", "btxh": "bao tro xa hoi", "dtts": "dan toc thieu so",
                  "ncc": "nguoi co cong"}


@functools.lru_cache(maxsize=8192)  # (the header search tries each cell of the top rows in up to three headers)
def header_words(text: str) -> tuple[str, ...]:
    """A header's words, folded (no case or diacritics) after a note in brackets at its end is
    dropped, abbreviations spelled out: "Thu nhập BQ (đồng)" -> thu, nhap, binh, quan."""
    text = nfc(str(text))
    words = re.findall(r"[0-9a-z]+", strip_diacritics(BRACKETED_END.sub("", text) or text).lower())
    return tuple(part for word in words for part in _ABBREVIATIONS.get(word, word).split())


def header_key(text: str) -> str:
    """The matching key of a header: its words (header_words) without spaces or punctuation:
    "Thu nhập BQ đầu người/tháng (đồng)" and "Thu nhập bình quân đầu người/tháng" have the same key."""
    return "".join(header_words(text))


class Spellings(dict):
    """Header key (header_key) of each spelling -> column id; and, for the answer columns of the
    standard's indicators ("Thiếu hụt: <name>"), the words of each name (_answer_named_in_part)."""

    answer_names: list[tuple[str, tuple[str, ...]]]


_DEPRIVED_WORDS = header_words(DEPRIVATION_GROUP)
_DEPRIVED_KEY = "".join(_DEPRIVED_WORDS)
# in the shortened names of indicators under a deprivations title
_INDICATOR_ABBREVIATIONS = {"bhyt": "bao hiem y te", "hvs": "hop ve sinh", "gd": "giao duc", "gddt": "giao duc dao tao"}


def spelling_table(columns: tuple[ColumnSpec, ...], extra: dict[str, tuple[str, ...]]) -> Spellings:
    table = Spellings()
    for spec in columns:
        for spelling in spec.spellings():
            table.setdefault(header_key(spelling), spec.id)
    table.answer_names = []
    for column_id, spellings in extra.items():
        for spelling in (column_id, *spellings):
            table.setdefault(header_key(spelling), column_id)
            words = header_words(spelling)
            if words[:len(_DEPRIVED_WORDS)] == _DEPRIVED_WORDS:
                table.answer_names.append((column_id, words[len(_DEPRIVED_WORDS):]))
    return table


def find_survey(
    grids: list[Grid],
    direct_answer_headers: dict[str, tuple[str, ...]],
    source: str,
    members_grids: list[Grid] | None = None,
) -> Survey:
    household_spellings = spelling_table(HOUSEHOLD_COLUMNS, direct_answer_headers)
    member_spellings = spelling_table(MEMBER_COLUMNS, {})

    households_found = _headers_found(grids, household_spellings, required={"household_id", "ward"})
    tried_as_persons = None  # (the header a persons list was looked for under already)
    if len(grids) == 1 and not members_grids and grids[0].name in households_found:
        # one sheet (a CSV): a persons list is looked for first, not after its members' rows have
        # been looked at one by one as households without a ward (millions, in a city's list)
        tried_as_persons = households_found[grids[0].name]
        persons = _persons_list(tried_as_persons, household_spellings, member_spellings)
        if persons is not None:
            households, members = persons
            _refuse_a_roster(households_found[grids[0].name][1], source)
            return Survey(households, members, _review_year(households.title))
    households = _list_table(households_found, household_spellings, source, "households")
    if households is None:  # a ward's own list, its ward named in the title rows only
        households_found = _one_ward_lists(grids, household_spellings, member_spellings)
        households = _list_table(households_found, household_spellings, source, "households", ward_from_title=True)
    taken = households.sheet_names if households is not None else ()
    member_candidates = [g for g in (members_grids or grids) if g.name not in taken]
    members_found = _headers_found(member_candidates, member_spellings, required={"household_id"},
                                   any_of=AGE_COLUMNS, forbidden={"ward"})
    members = _list_table(members_found, member_spellings, source, "members")
    if members is None and not members_grids and households is not None and households.sheets is None \
            and households_found[households.sheet] is not tried_as_persons:
        persons = _persons_list(households_found[households.sheet], household_spellings, member_spellings)
        if persons is not None:
            households, members = persons
    if households is None:
        _refuse_a_list_without(grids, household_spellings, source)
        found = _headers_seen(grids)
        legacy = looks_legacy(c for g in grids for c in g.cells.head(HEADER_SEARCH_ROWS).to_numpy().ravel())
        raise InputError(
            f"{source}: no households sheet found. Expected a header row with at least "
            f"'Mã hộ' and 'Phường/Xã'; found: {', '.join(found) if found else 'no text at all'}",
            LEGACY_HINT if legacy else "put the survey's header row within the first 30 rows of a sheet",
        )
    if members_grids and members is None:
        raise InputError(
            f"members file: no members header found (expected 'Mã hộ' and 'Tuổi', 'Năm sinh' or 'Ngày sinh'); "
            f"found: {', '.join(_headers_seen(members_grids))}"
        )
    if members is None:
        _refuse_members_without_ages(member_candidates, member_spellings)
    _refuse_a_roster(households_found[households.sheet_names[0]][1], source)
    return Survey(households, members, _review_year(households.title))


# what each of the two columns a list of households needs is, for the officer who lacks it
_REQUIRED_HEADERS = {
    "household_id": ("Mã hộ", "each household's code (its number in the household register; the STT if there is none)"),
    "ward": ("Phường/Xã", "each household's ward or commune (a ward's own list may name its ward in a title row "
                          "above the header instead: 'UBND PHƯỜNG NGHĨA ĐÔ')"),
}


def _refuse_a_list_without(grids: list[Grid], spellings: Spellings, source: str) -> None:
    """A header row with three or more of the survey's columns but without one of the two a
    list needs is named with what it lacks (the generic "no households sheet" would send the
    officer looking for a header row that is there)."""
    partial = {}
    for column_id in _REQUIRED_HEADERS:
        for name, header in _headers_found(grids, spellings, {column_id}).items():
            if len(header[3]) >= 3:
                partial.setdefault(name, header)
    if not partial:
        return
    _, grid, header_row, matched, _ = max(partial.values(), key=lambda header: header[0])
    lacking = [(header, what) for column_id, (header, what) in _REQUIRED_HEADERS.items()
               if column_id not in matched.values()]
    raise InputError(
        f"{source}: sheet '{grid.name}', row {header_row} has the survey's columns but no "
        f"{' or '.join(repr(header) for header, _ in lacking)} column",
        "add " + "; and ".join(f"a '{header}' column: {what}" for header, what in lacking),
    )


def _refuse_a_roster(sheet: Grid, source: str) -> None:
    """A roster written by `ngheo classify` given back to it (the file beside the survey, picked
    by mistake) would have every household rejected for want of the survey's own columns."""
    first_row = sheet.cells.iloc[0] if not sheet.cells.empty else pd.Series(dtype=object)
    ids = roster_columns_of(first_row) or {}
    own = {column_id: first_row[column] for column, column_id in ids.items() if column_id in ROSTER_ONLY}
    if len(own) >= 3:  # (a survey may have a "Phân loại" or "Lý do" column of its own)
        raise InputError(
            f"{source}: sheet '{sheet.name}' is a roster written by ngheo classify, not a survey "
            f"(its header has the roster's own columns: {', '.join(repr(header) for header in list(own.values())[:4])})",
            "classify the survey it was made from; a roster goes to `ngheo review` as it is",
        )


MEMBERS_ONLY = {"sex", "health_insurance", "education", "studying", "school_level_ok", "employment",
                "monthly_allowance", "malnourished"}  # member columns no other list of households has


def _refuse_members_without_ages(grids: list[Grid], spellings: Spellings) -> None:
    """A members sheet the survey cannot use (no age, birth year or date of birth) would leave
    every member-derived indicator missing without a word: it is named instead."""
    found = _headers_found(grids, spellings, required={"household_id"}, any_of=MEMBERS_ONLY, forbidden={"ward"})
    if found:
        _, grid, header_row, matched, texts = max(found.values(), key=lambda header: header[0])
        headers = [texts[position][0] for position in sorted(matched)]
        raise InputError(
            f"sheet '{grid.name}' looks like the members sheet (its header, row {header_row}: "
            f"{', '.join(repr(h) for h in headers[:6])}) but has no column of ages: "
            "'Tuổi', 'Năm sinh' or 'Ngày sinh'",
            "add the members' ages, birth years or dates of birth under one of these headers",
        )


def _headers_found(
    grids: list[Grid],
    spellings: Spellings,
    required: set[str],
    any_of: set[str] | None = None,
    forbidden: set[str] | None = None,
) -> dict[str, tuple]:
    """Sheet name -> its best header of the kind asked for: (rank, grid, header row, matched
    columns, texts), for each sheet that has one, in sheet order."""
    found: dict[str, tuple] = {}
    for grid in grids:
        top = grid.cells.head(1 if grid.has_header_row else HEADER_SEARCH_ROWS)
        rows = list(top.iterrows())
        cell_texts = [{int(p): cell_text(c) for p, c in row.items()} for _, row in rows]  # (each once)
        for index, (row_number, row) in enumerate(rows):
            candidates = [(int(row_number), _texts(row), False)]
            # a header split over two rows (a merged group title above, or units below) or three
            # (the deprivations over their dimensions over the indicators)
            for below in (1, 2):
                # (rows of one header follow each other: a chunk's first rows come after its header, not under it)
                if index + below >= len(rows) or int(rows[index + below][0]) != int(row_number) + below \
                        or _is_title_above(rows[index + below - 1][1], rows[index + below][1]) \
                        or _has_a_number(rows[index + below][1]):
                    break
                units_below = below == 1 and _is_units_row(rows[index + 1][1])
                candidates.append((int(row_number) + below, _stacked_texts(cell_texts[index:index + below + 1]),
                                   units_below))
            for header_row, texts, units_below in candidates:
                matched = _match_texts(texts, spellings)
                ids = set(matched.values())
                if not required <= ids or (any_of and not any_of & ids) or (forbidden and forbidden & ids):
                    continue
                # A visible sheet wins over a hidden one (officers hide old versions), then more
                # matches (a column kept as several under a title counting once more), then a header with
                # its row of units ("(người)", "(1.000 đồng)") under it.
                rank = (not grid.hidden, len(ids) + len(split_columns(matched, texts)), units_below)
                if grid.name not in found or rank > found[grid.name][0]:
                    found[grid.name] = (rank, grid, header_row, matched, texts)
    return found


def _list_table(
    found: dict[str, tuple], spellings: Spellings, source: str, what: str, ward_from_title: bool = False
) -> Table | None:
    """The table under the best header found (the first sheet's, of equals). When several
    visible sheets hold rows under such a header (a workbook kept as a sheet per ward), all of
    them, in workbook order, as one list: read on its best sheet alone, the others' households
    would be lost without a word. Hidden sheets (old copies) and sheets with a header and no
    household ids under it (templates) are left out. `ward_from_title`: headers without a ward
    column, each table's ward taken from its title rows (None if one's title names none)."""
    if not found:
        return None

    def table(header: tuple) -> Table | None:
        _, grid, header_row, matched, texts = header
        built = _table_from(grid, header_row, matched, texts, spellings)
        return _with_ward_of_title(built, grid) if ward_from_title else built

    visible = [header for header in found.values() if not header[1].hidden]
    best = max(found.values(), key=lambda header: header[0])
    if len(visible) > 1:
        tables = [table(header) for header in visible]
        if None in tables:
            return None
        listing = [table for table in tables if _has_households(table)]
        if len(listing) > 1:
            _refuse_copies(listing, source, what)
            return _joined(listing)
        # the one with households, before a fuller header over no rows (a template); else the best
        chosen = listing[0] if listing else next(table for header, table in zip(visible, tables) if header is best)
    else:
        chosen = table(best)
    return None if chosen is None or (ward_from_title and "ward" not in chosen.cells) else chosen


def _has_households(table: Table) -> bool:
    return "household_id" in table.cells and bool(filled(table.cells[["household_id"]])["household_id"].any())


def _one_ward_lists(grids: list[Grid], spellings: Spellings, member_spellings: Spellings) -> dict[str, tuple]:
    """Headers of lists of households without a ward column (a ward's own list: the ward is in
    its title): a household id and two more survey columns, and no members' ages."""
    members = _headers_found(grids, member_spellings, required={"household_id"}, any_of=AGE_COLUMNS)
    return {name: header for name, header in _headers_found(grids, spellings, required={"household_id"}).items()
            if name not in members and len(set(header[3].values())) >= 3}


def _with_ward_of_title(table: Table, grid: Grid) -> Table | None:
    """A ward's own list with that ward, named once in its title rows ("UBND PHƯỜNG NGHĨA ĐÔ"),
    in a ward column of every household (an info problem says so); None when the title names
    no ward, or several, unless the sheet lists no household (a blank form: left as it is)."""
    title = [(int(row), cell_text(cell)) for row, cells in grid.cells.loc[: table.header_row - 1].iterrows()
             for cell in cells if cell_text(cell)]
    ward = ward_in_title([cell for _, cell in title])
    by_groups = "ward" in table.cells  # (its group titles name the wards: io/list_rows.py)
    if ward is None and not by_groups and grid.laid_out:
        # a chunk of a list that was laid out from the file's first rows (stream.py), whose wards
        # are named by group titles in other chunks: its rows above the first such title have
        # none, as in a whole run, which rejects them for it
        table.cells["ward"] = text_from_codes([], np.full(len(table.cells), -1, dtype=np.int8), table.cells.index)
        return table
    if ward is None:
        return table if by_groups or not _has_households(table) else None
    row, cell = next((row, cell) for row, cell in title if ward_in_title([cell]) == ward)
    every = text_from_codes([ward], np.zeros(len(table.cells), dtype=np.int8), table.cells.index)
    table.cells["ward"] = table.cells["ward"].fillna(every) if by_groups else every  # (above the first group)
    table.headers.setdefault("ward", cell)
    table.skipped.append(Problem(table.sheet, row, cell, ward, "ward_from_title"))
    return table


def _refuse_copies(tables: list[Table], source: str, what: str) -> None:
    """A visible copy of a list (a backup "DS hộ (2)") read with it would list every household
    twice (all rejected as duplicates) or, for members, count each member twice without a word:
    a sheet whose every row is on an earlier sheet, cell for cell, is named instead."""
    seen: list[tuple[Table, set]] = []
    for table in tables:
        rows = set(table.cells.astype(str).itertuples(index=False))
        for earlier, earlier_rows in seen:
            if list(earlier.cells.columns) == list(table.cells.columns) and rows <= earlier_rows:
                raise InputError(
                    f"{source}: sheet '{table.sheet}' repeats sheet '{earlier.sheet}' (each of its {len(table.cells):,} "
                    f"rows is there too); read with it, its {what} would count twice",
                    "delete the copy, or hide it (hidden sheets are not read)",
                )
        seen.append((table, rows))


def _joined(tables: list[Table]) -> Table:
    """Tables of several sheets as one, each row keyed by its sheet and row (sheets.py). A
    column one sheet lacks is blank on its rows; the headers are named as the first sheet that
    has each wrote them."""
    sheets = SheetSet(tuple(table.sheet for table in tables))
    parts = [table.cells.set_axis(table.cells.index + number * STRIDE) for number, table in enumerate(tables)]
    headers: dict[str, str] = {}
    for table in tables:
        for column_id, written in table.headers.items():
            headers.setdefault(column_id, written)
    return Table(
        sheet=sheets.label,
        header_row=tables[0].header_row,
        headers=headers,
        cells=pd.concat(parts),
        extra_columns=list(dict.fromkeys(column for table in tables for column in table.extra_columns)),
        title=tables[0].title,
        skipped=[problem for table in tables for problem in table.skipped],
        sheets=sheets,
        positions=tables[0].positions,
    )


def _texts(row: pd.Series) -> dict[int, list[str]]:
    """Position -> the header text of one row (as a one-item list of spellings to try)."""
    return {int(p): [cell_text(c)] for p, c in row.items() if isinstance(c, str) and c.strip()}


def _is_units_row(row: pd.Series) -> bool:
    """A row under a header with each column's unit or number in brackets ("(người)", "(1.000 đồng)",
    "(m2)", "(5)"): part of the header, never a record."""
    texts = [cell_text(cell) for cell in row if isinstance(cell, str) and cell.strip()]
    return bool(texts) and all(BRACKETED_END.fullmatch(text) for text in texts)


def _has_a_number(row: pd.Series) -> bool:
    """Whether a row has a cell that is a number ("1", 1970, "1.200.000"): a record (a household's
    row under a one-row header: its "Chủ hộ" in a "Quan hệ với chủ hộ" column read as the head's
    name column made it part of the header, and its household was lost), or the form's column
    numbers, never a header's words. Units are in brackets ("(1.000 đồng)", "(5)")."""
    for cell in row:
        if isinstance(cell, (int, float, np.number)) and not isinstance(cell, bool):
            if cell == cell:  # (not NaN: a blank)
                return True
        elif isinstance(cell, str) and _NUMBER_CELL.fullmatch(cell.strip()):
            return True
    return False


_NUMBER_CELL = re.compile(r"[+-]?\d[\d.,\s]*")


def _is_title_above(top: pd.Series, bottom: pd.Series) -> bool:
    """Whether the upper row is a title over the lower one ("DANH SÁCH HỘ NĂM 2025" merged across
    the sheet): one text, left of or above the lower row's first. Read as a group title it would
    be carried over every column, and name each extra column "DANH SÁCH …: Ghi chú"."""
    upper = [p for p, c in top.items() if cell_text(c)]
    lower = [p for p, c in bottom.items() if cell_text(c)]
    return len(upper) == 1 and (not lower or upper[0] <= lower[0])


def _stacked_texts(rows: list[dict[int, str]]) -> dict[int, list[str]]:
    """Spellings to try for each column of a header over two or three rows (each row's cell texts
    by position): the group titles
    above joined to the lowest cell ("Thiếu hụt" over "Nguồn nước sinh hoạt" is the answer column
    "Thiếu hụt: Nguồn nước sinh hoạt", not the raw water-source column); under a title that
    speaks of deprivations ("Các chỉ số thiếu hụt dịch vụ xã hội cơ bản", over the indicators or
    over their dimensions "Y tế", "Giáo dục" …) the answer column of the lowest cell too; then the
    nearest group joined to it; then each cell alone, lowest first (a title merged down over the
    rows). A merged title is read only in its first cell, so it is carried right over the blank
    cells that follow it while the rows below it have text, and a title starting above ends the
    groups under the one before."""
    texts: dict[int, list[str]] = {}
    groups = [""] * (len(rows) - 1)
    for position in rows[0]:
        cells = [row.get(position, "") for row in rows]
        for level in range(len(groups)):
            carried = any(cells[level + 1:]) and not any(cells[:level])
            groups[level] = cells[level] or (groups[level] if carried else "")
        leaf, above = cells[-1], [group for group in groups if group]
        tries = []
        if leaf and above:
            tries.append(": ".join([*above, leaf]))
            if any(_DEPRIVED_KEY in header_key(group) for group in above):  # (header_key: cached words)
                tries.append(f"{DEPRIVATION_GROUP}: {leaf}")
            tries.append(f"{above[-1]}: {leaf}")
        tries.extend(cell for cell in reversed(cells) if cell)
        if tries:
            texts[int(position)] = list(dict.fromkeys(tries))
    return texts


def _match_texts(texts: dict[int, list[str]], spellings: Spellings) -> dict[int, str]:
    """Position -> column id, from the first spelling of each header cell that names a column."""
    matched = {}
    for position, tries in texts.items():
        for text in tries:
            column_id = spellings.get(header_key(text)) or _answer_named_in_part(text, spellings)
            if column_id is not None:
                matched[position] = column_id
                break
    return matched


def _answer_named_in_part(text: str, spellings: Spellings) -> str | None:
    """"Thiếu hụt: <part of an indicator's name>", as forms shorten the names under a
    deprivations title ("Người phụ thuộc" for "Người phụ thuộc trong hộ gia đình", "Trình độ
    giáo dục người lớn", "Viễn thông", "BHYT"): the answer column of the one indicator whose name
    has those words in that order, if only one has."""
    words = header_words(text)
    if words[:len(_DEPRIVED_WORDS)] != _DEPRIVED_WORDS:
        return None
    part = tuple(expanded for word in words[len(_DEPRIVED_WORDS):] if not word.isdigit()  # ("1. Việc làm": numbered)
                 for expanded in _INDICATOR_ABBREVIATIONS.get(word, word).split())
    if len("".join(part)) < 4:
        return None
    named = {column_id for column_id, name in spellings.answer_names if _in_order(part, name)}
    return named.pop() if len(named) == 1 else None


def _in_order(part: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Whether each of `part` is among `words`, in the same order (others may come between)."""
    rest = iter(words)
    return all(word in rest for word in part)


def _persons_list(header: tuple, household_spellings: Spellings, member_spellings: Spellings) -> tuple[Table, Table] | None:
    """A list of persons under their households (io/persons.py) as its two lists: each household's
    row, and every member's (the head's own row too, where it has a member's data), with the
    household's id; None for a list of households. The header's member columns (age, health
    insurance …) are the members'; its name column names each household's head."""
    _, grid, header_row, matched, texts = header
    relation = relation_position(texts)
    if relation is None or grid.persons_list is False:  # (a list of households: no header search for the members' columns)
        return None
    members_header = _headers_found([grid], member_spellings, required={"household_id"}, any_of=AGE_COLUMNS).get(grid.name)
    if members_header is None or members_header[2] not in (header_row, header_row + 1):
        return None
    if members_header[2] == header_row + 1:  # the members' columns have a row of their own under it ("Nam", "Nữ")
        _, _, header_row, _, texts = members_header
        matched = _match_texts(texts, household_spellings)
    member_matched = _match_texts(texts, member_spellings)
    member_ids = set(member_matched.values())
    if "household_id" not in member_ids or not AGE_COLUMNS & member_ids:
        return None
    position_of = {column_id: p for p, column_id in matched.items()}
    member_only = {p for p, column_id in member_matched.items() if p not in matched and column_id != "member_name"}
    member_only |= {p for split in split_columns(member_matched, texts) for p in split.positions}  # ("Nữ" beside "Nam")
    body = merges_filled_down(grid.cells.loc[header_row + 1:], grid.merged)
    rows = person_rows(body, position_of["household_id"], relation,
                       [position_of[c] for c in INCOME_SOURCES if c in position_of], sorted(member_only),
                       sorted(p for p in texts if p not in member_only), grid.persons_list is True)
    if rows is None:
        return None
    top = grid.cells.loc[:header_row]

    def every_row(cells: pd.DataFrame) -> Grid:
        """The sheet with these rows under its header (Arrow columns: their chunks, not a copy).
        Each list is built from its own rows of it (_table_from's `rows`), the others' rows left
        in place so that a row's whole width can still be looked at (the form's column numbers)."""
        return replace(grid, cells=pd.concat([top, cells]), merged=[])  # (merges filled down already)

    with_household_ids = body.copy(deep=False)  # (each member's row with its household's Mã hộ)
    with_household_ids[position_of["household_id"]] = pd.Series(rows.household_ids(np.arange(len(body))), index=body.index)
    name = next((p for p, column_id in member_matched.items() if column_id == "member_name"), None)
    household_matched = matched if name is None or "head_name" in matched.values() else {**matched, name: "head_name"}
    households, members = at_once(  # (the two lists' rows copied out side by side: each reads the sheet only)
        lambda: _table_from(every_row(body), header_row, household_matched,
                            {p: t for p, t in texts.items() if p not in member_only}, household_spellings, ~rows.persons),
        lambda: _table_from(every_row(with_household_ids), header_row, member_matched,
                            {p: t for p, t in texts.items() if p in member_matched or p in member_only}, member_spellings,
                            rows.members))
    members.household_rows = pd.Series(rows.household_rows[rows.members], index=body.index[rows.members])
    households.skipped.append(Problem(grid.name, header_row, texts[relation][0], None, "persons_list",
                                      f"{int(rows.persons.sum()):,}".replace(",", ".")))
    return households, members


def _table_from(
    grid: Grid, header_row: int, matched: dict[int, str], texts: dict[int, list[str]], spellings: Spellings,
    rows: np.ndarray | None = None,
) -> Table:
    """The list under `header_row`; `rows`: which rows below the header are its own (a persons
    list's households or members), else all. Only its columns of its rows are copied."""
    def written(position: int) -> str:
        """The header as the user wrote it: the spelling that matched, else the first one."""
        tries = texts.get(position, [""])
        column_id = matched.get(position)
        return next((t for t in tries if column_id and column_id in (spellings.get(header_key(t)),
                                                                     _answer_named_in_part(t, spellings))), tries[0])

    header_cells = grid.cells.loc[header_row]
    seen: dict[str, int] = {}
    for position, column_id in matched.items():
        if column_id in seen:
            first, second = written(seen[column_id]), written(position)
            raise InputError(
                f"sheet '{grid.name}', row {header_row}: the column '{column_id}' appears twice "
                f"('{first}' in column {_letter(seen[column_id])} and '{second}' in column {_letter(position)})",
                "delete or rename one of them",
            )
        seen[column_id] = position

    body = merges_filled_down(grid.cells.loc[header_row + 1 :], grid.merged)
    splits = split_columns(matched, texts)
    parts_of_splits = {p for split in splits for p in split.positions}
    named = [p for p in header_cells.index if int(p) not in matched and written(int(p)) and int(p) not in parts_of_splits]
    # (the form's row of column numbers under the header fills every column: not a column's data)
    numbering = [row for row in (body.index if rows is None else body.index[rows])[:2] if numbers_columns(body.loc[row])]
    if rows is not None:
        body = body[sorted({*matched, *named, *parts_of_splits})][rows]
    named_filled = filled(body[named].drop(index=numbering) if numbering else body[named])
    extra: dict[int, str] = {}
    taken = set(matched.values()) | roster_output_names()
    for position in named:
        if named_filled[position].any():
            text = written(int(position))
            name, copy = text, 1
            while name in taken:  # the same header twice, or a roster column's name: "Ghi chú (2)"
                copy += 1
                name = f"{text} ({copy})"
            extra[int(position)] = name
            taken.add(name)
    columns = dict(sorted({**matched, **extra}.items()))  # sheet order, for totals-row detection
    cells = body[list(columns)] if rows is not None else body[list(columns)].copy()  # (with rows: a copy already)
    cells.columns = [columns[p] for p in columns]
    sex_header = None  # (a sex read off the columns of a birth year by sex: named by their header)
    for split in splits:
        cells[split.column_id], sex = read(split, body)
        if sex is not None and "sex" not in matched.values():
            cells["sex"], sex_header = sex, split.header

    # Blank rows are dropped. A row with a household id holds something; only when some rows
    # have none are the other cells checked (each column scanned is a pass over every cell).
    position_of = {column_id: p for p, column_id in matched.items()}
    key = [position_of[c] for c in ("household_id", "ward") if c in position_of]
    key_filled = filled(body[key])
    non_blank = key_filled[key[0]] if key else pd.Series(False, index=body.index)
    if not non_blank.all():
        non_blank = filled(body[list(columns)]).any(axis=1)
        cells = cells[non_blank]  # (a mask that keeps every row would still copy every cell)
    # The rows that cannot be records: no ward; in a list of households without a ward column (a
    # ward's own list: its title names it) no income, as a group title or totals row there has
    # (its text may be under Mã hộ); in a members list, no household id.
    incomes = [position_of[c] for c in INCOME_SOURCES if c in position_of]
    households_without_wards = "ward" not in position_of and bool(incomes)
    if households_without_wards:
        missing = ~filled(body[incomes]).any(axis=1).to_numpy()
    else:
        missing = ~key_filled[key[-1]].to_numpy() if key else None
    no_id = None if missing is None else pd.Series(missing[non_blank.to_numpy()], index=cells.index)
    ids_all_filled = "household_id" not in position_of or bool(key_filled[position_of["household_id"]].all())
    headers = {column_id: written(p) for p, column_id in matched.items()}
    if sex_header:
        headers["sex"] = sex_header
    cells, skipped = records_only(grid, cells, headers, no_id, ids_all_filled,  # (may add a column: headers too)
                                  group_titles="ward" in position_of or households_without_wards)

    title = [
        " ".join(cell_text(c) for c in grid.cells.loc[r] if cell_text(c))
        for r in grid.cells.loc[: header_row - 1].index  # (rows are numbered in order: a slice, not a scan)
    ]
    return Table(
        sheet=grid.name,
        header_row=header_row,
        headers=headers,
        cells=cells,
        extra_columns=list(extra.values()),
        title=[t for t in title if t],
        skipped=skipped,
        positions=position_of,
    )


def closest_column(header: str, spellings: Spellings) -> str | None:
    """The survey column (id) whose header one the survey does not know looks most like ("Trinh
    do hoc vann": education; "Thu nhập … ngừi/thág": income per capita), if any is close.
    `spellings`: spelling_table of the sheet's columns."""
    close = difflib.get_close_matches(header_key(header), list(spellings), n=1, cutoff=0.75)
    return spellings[close[0]] if close else None


def _review_year(title: list[str]) -> int | None:
    for line in title:
        match = _REVIEW_YEAR.search(fold(line))
        if match:
            return int(match.group(1))
    return None


def _headers_seen(grids: list[Grid]) -> list[str]:
    """What each sheet has where its header should be: its first row of two or more texts, else
    its first text (a one-column file: a title only, or fields joined by a separator not read)."""
    seen: list[str] = []
    for grid in grids:
        rows = [texts for texts in ([cell_text(c) for c in row if isinstance(c, str) and c.strip()]
                                    for _, row in grid.cells.head(HEADER_SEARCH_ROWS).iterrows()) if texts]
        header = next((texts for texts in rows if len(texts) >= 2), rows[0] if rows else [])
        seen.extend(f"'{t}'" for t in header[:12])
    return seen[:24]


def _letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rem = divmod(position - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
