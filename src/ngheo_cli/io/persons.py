"""A list of persons under their households on one sheet ("danh sách nhân khẩu theo hộ"): each
household's row (its Mã hộ, ward, income) followed by the rows of its other members, whose
"Quan hệ với chủ hộ" says who they are ("Vợ", "Con") and who have no Mã hộ of their own (or the
household's again, as a merged cell gives it). Read as one row per household, its members' rows
were rejected one by one as households without a Mã hộ; they are its members sheet.

A row is read as a member of the household above it only when the sheet says so: a relationship
other than the head's, no household id but the household's, no income but the household's (an
export may repeat the household's columns on each member's row). A household row that lost its
Mã hộ has an income of its own, or "Chủ hộ" beside it, and stays an error."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ngheo_cli.frames import dictionary_codes, filled
from ngheo_cli.io.cells import normalise_arrow_text
from ngheo_cli.io.list_rows import cell_text
from ngheo_cli.text import fold

# "Quan hệ với chủ hộ", "Quan hệ với CH", "QH với chủ hộ", "Quan hệ"
_RELATION_HEADER = re.compile(r"(quanhe|qh)(voi(chuho|ch))?")  # (folded: no spaces)
_HEAD = {"chuho", "ch", "chu"}  # the head's own row


def relation_position(texts: dict[int, list[str]]) -> int | None:
    """The column of each person's relationship to the household's head, if the header has one."""
    for position, tries in texts.items():
        if any(_RELATION_HEADER.fullmatch(fold(text)) for text in tries):
            return position
    return None


@dataclass
class PersonRows:
    persons: np.ndarray  # the rows of members other than the head (under their household's row)
    members: np.ndarray  # every member's row: those, and each household row with a member's data
    household_codes: np.ndarray  # each row's household: the code of its own id, or of the one above (-1: none)
    id_texts: object  # the distinct ids (Arrow text) the codes point into

    def household_ids(self, rows: np.ndarray) -> pd.arrays.ArrowStringArray:
        """The household id of each of these rows (each must have one)."""
        import pyarrow as pa

        return pd.arrays.ArrowStringArray(self.id_texts.take(pa.array(self.household_codes[rows])))


def person_rows(body: pd.DataFrame, id_position: int, relation: int, income_positions: list[int],
                member_positions: list[int]) -> PersonRows | None:
    """Which rows of a list's body (raw cells by position, below the header) are members of the
    household above them, None when none is. `member_positions`: the members' own columns (age,
    health insurance …; not the id, not the name, which a household row has for its head).
    Each column is read in C or once per distinct cell (a persons list of a city has millions
    of rows)."""
    id_codes, id_texts = _texts(body[id_position])
    given = id_codes >= 0
    run_start = np.flatnonzero(given)
    if not len(run_start):
        return None
    run_of = np.searchsorted(run_start, np.arange(len(id_codes)), side="right") - 1  # the id given last above
    household_codes = np.where(run_of >= 0, id_codes[run_start[np.maximum(run_of, 0)]], -1)
    relation_codes, relations = _texts(body[relation])
    not_the_head = np.array([fold(r) not in _HEAD for r in relations.to_pylist()] + [False], dtype=bool)[relation_codes]
    # a household's first row: an id other than the one above (the same id again, typed or merged
    # down, is the same household's)
    first_of_run = given & ~np.r_[False, household_codes[1:] == household_codes[:-1]]
    household_row = np.flatnonzero(first_of_run)[np.maximum(np.cumsum(first_of_run) - 1, 0)]
    no_income_of_its_own = np.ones(len(id_codes), dtype=bool)  # (blank, or the household's repeated)
    for position in income_positions:
        income_codes, _ = _texts(body[position])
        no_income_of_its_own &= (income_codes < 0) | (income_codes == income_codes[household_row])
    persons = (run_of >= 0) & not_the_head & no_income_of_its_own & ~first_of_run
    if not persons.any():
        return None
    with_member_data = filled(body[member_positions]).any(axis=1).to_numpy() if member_positions else persons
    return PersonRows(persons, persons | (first_of_run & with_member_data), household_codes, id_texts)


def _texts(cells: pd.Series) -> tuple[np.ndarray, object]:
    """Each cell's code into the distinct texts of a column (an Arrow array), -1 for a blank
    cell. Spelled as a text cell is read (NFC, spaces folded and trimmed): " H1" and "H1" share
    a code. An Arrow text column (CSV, Parquet) in C; workbook cells once per distinct cell."""
    import pyarrow as pa

    if isinstance(cells.array, pd.arrays.ArrowStringArray):
        codes, distinct = dictionary_codes(cells)
        same, texts = dictionary_codes(normalise_arrow_text(distinct))  # (a blank text normalises to missing)
        return np.append(same, -1)[codes], texts
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    spelled = pd.Series([*(cell_text(cell) or None for cell in distinct), None], dtype=object)
    same, texts = pd.factorize(spelled, use_na_sentinel=True)
    return same[codes], pa.array(list(texts), type=pa.large_string())  # (a blank cell's code, -1, takes the last: -1)
