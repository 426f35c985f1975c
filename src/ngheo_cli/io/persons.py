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

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from ngheo_cli.frames import arrow_text, dictionary_codes, filled, hash_texts
from ngheo_cli.io.cells import normalise_arrow_text, normalised_nonblank
from ngheo_cli.io.list_rows import cell_text
from ngheo_cli.io.relations import another_than_the_head
from ngheo_cli.parallel import at_once


@dataclass
class PersonRows:
    persons: np.ndarray  # the rows of members other than the head (under their household's row)
    members: np.ndarray  # every member's row: those, and each household row with a member's data
    household_first: np.ndarray  # each row's household's first row (its position; -1: none)
    row_labels: np.ndarray  # each row's label (its spreadsheet row)
    id_at: np.ndarray  # each row's id: its position in id_texts (-1: none)
    id_texts: object  # the ids (Arrow text, as a cell is read)

    @property
    def household_rows(self) -> np.ndarray:
        """Each row's household's first row, as a label (-1: none)."""
        return np.where(self.household_first >= 0, self.row_labels[np.maximum(self.household_first, 0)], -1)

    def household_ids(self, rows: np.ndarray) -> pd.arrays.ArrowStringArray:
        """The household id of each of these rows (positions); missing for a member of no household."""
        import pyarrow as pa

        first = self.household_first[rows]
        at = np.where(first >= 0, self.id_at[np.maximum(first, 0)], -1)
        return pd.arrays.ArrowStringArray(self.id_texts.take(pa.array(at, mask=at < 0)))


def person_rows(body: pd.DataFrame, id_position: int, relation: int, income_positions: list[int],
                member_positions: list[int], household_positions: list[int],
                known_to_be: bool = False) -> PersonRows | None:
    """Which rows of a list's body (raw cells by position, below the header) are members of the
    household above them, None when none is (unless the list is `known_to_be` a persons list: a
    chunk of one whose households have no other members). `member_positions`: the members' own
    columns (age, health insurance …; not the id, not the name, which a household row has for
    its head); `household_positions`: the others. A row with a member's data and nothing of a
    household's that is no one's member (no household above it, or no relationship given) is a
    member of no household: an error in the members' list, not a blank household row dropped.
    Each column is read in C or once per distinct cell (a persons list of a city has millions
    of rows)."""
    (id_keys, id_texts, id_at), not_head, *income_keys = at_once(  # (each column on its own: side by side)
        lambda: _keys(body[id_position]), lambda: not_the_head(body[relation]),
        *[partial(_keys, body[p]) for p in income_positions])
    if not (id_keys != 0).any() and not known_to_be:
        return None
    found = persons_among(id_keys, not_head, [keys for keys, _, _ in income_keys], 0)
    if not found.persons.any() and not known_to_be:
        return None
    with_member_data = filled(body[member_positions]).any(axis=1).to_numpy() if member_positions else found.persons
    # (a row with an id has a household's data: only the others' household columns are looked at)
    of_no_household = ~found.persons & with_member_data & (id_keys == 0)
    if of_no_household.any():
        rows = np.flatnonzero(of_no_household)
        of_no_household[rows] = ~filled(body[household_positions].iloc[rows]).any(axis=1).to_numpy()
    members = found.persons | (found.first_of_run & with_member_data) | of_no_household
    household_first = np.where((found.households != 0) & ~of_no_household, found.first, -1)
    return PersonRows(found.persons, members, household_first, body.index.to_numpy(), id_at, id_texts)


@dataclass
class Above:
    """The household the rows of a part of a persons list continue (its rows after the first part,
    read part by part): its id and its incomes, as keys."""

    id: int
    incomes: list[int]


@dataclass
class Persons:
    persons: np.ndarray  # the rows of members other than the head
    first_of_run: np.ndarray  # each household's first row
    first: np.ndarray  # each row's household's first row (its position; -1: none in these rows)
    households: np.ndarray  # each row's household: its own id's key, or the one given last above (`blank`: none)
    above: Above  # for the rows after these


def persons_among(ids: np.ndarray, not_head: np.ndarray, incomes: list[np.ndarray], blank: int,
                  above: Above | None = None) -> Persons:
    """The rule of the module's first lines, on keys: each row's household id and incomes as keys,
    equal for equal texts (`blank` for a blank cell), and whether its relationship is other than
    the head's. A household's first row has an id other than the one given last above it (the
    same id again, typed or merged down, is the same household's); a person under it has a
    relationship other than the head's and no income but blank or its household's."""
    above = above or Above(blank, [blank] * len(incomes))
    rows = np.arange(len(ids))
    given = ids != blank
    last_given = np.maximum.accumulate(np.where(given, rows, -1)) if len(ids) else rows
    households = np.where(last_given >= 0, ids[np.maximum(last_given, 0)], above.id)
    first_of_run = given & (households != np.r_[above.id, households[:-1]])
    first = np.maximum.accumulate(np.where(first_of_run, rows, -1)) if len(ids) else rows  # each row's household's first row
    no_income_of_its_own = np.ones(len(ids), dtype=bool)  # (blank, or the household's repeated)
    household_incomes = []
    for keys, income_above in zip(incomes, above.incomes):
        household_income = np.where(first >= 0, keys[np.maximum(first, 0)], income_above)
        no_income_of_its_own &= (keys == blank) | (keys == household_income)
        household_incomes.append(int(household_income[-1]) if len(ids) else income_above)
    persons = (households != blank) & not_head & no_income_of_its_own & ~first_of_run
    last = Above(int(households[-1]), household_incomes) if len(ids) else above
    return Persons(persons, first_of_run, first, households, last)


def not_the_head(relations: pd.Series) -> np.ndarray:
    """Whether each row's relationship to the head is another's than the head's ("Vợ", "Con";
    not "Chủ hộ", not blank), read once per distinct cell."""
    codes, texts = _texts(relations)
    return np.array([another_than_the_head(text) for text in texts.to_pylist()] + [False], dtype=bool)[codes]


def _keys(cells: pd.Series) -> tuple[np.ndarray, object, np.ndarray]:
    """Each cell's text as a key (64 bits: equal for equal texts, as a text cell is read; 0 for a
    blank cell), the texts, and each cell's position among them (-1: blank). An Arrow text column
    (CSV, Parquet) hashed in C, as the chunks' ids pass keys a persons list (stream.py); workbook
    cells once per distinct cell."""
    if isinstance(cells.array, pd.arrays.ArrowStringArray):
        positions, texts = normalised_nonblank(arrow_text(cells))
        keys = np.zeros(len(cells), dtype=np.uint64)
        keys[positions] = hash_texts(texts)
        at = np.full(len(cells), -1, dtype=np.intp)
        at[positions] = np.arange(len(positions))
        return keys, texts, at
    codes, texts = _texts(cells)
    return (codes + 1).astype(np.uint64), texts, codes


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
