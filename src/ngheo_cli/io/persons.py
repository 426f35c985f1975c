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

from ngheo_cli.frames import filled
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
    household_ids: np.ndarray  # each row's household id: its own, or the one of the household above


def person_rows(body: pd.DataFrame, id_position: int, relation: int, income_positions: list[int],
                member_positions: list[int]) -> PersonRows | None:
    """Which rows of a list's body (raw cells by position, below the header) are members of the
    household above them, None when none is. `member_positions`: the members' own columns (age,
    health insurance …; not the id, not the name, which a household row has for its head).
    Each column is read once per distinct cell (a persons list of a city has millions of rows)."""
    id_codes, id_texts = _texts(body[id_position])
    given = id_texts[id_codes] != ""
    run_start = np.flatnonzero(given)
    if not len(run_start):
        return None
    run_of = np.searchsorted(run_start, np.arange(len(id_codes)), side="right") - 1  # the id given last above
    household_codes = np.where(run_of >= 0, id_codes[run_start[np.maximum(run_of, 0)]], -1)
    relation_codes, relations = _texts(body[relation])
    not_the_head = np.array([bool(r) and r not in _HEAD for r in map(fold, relations)], dtype=bool)[relation_codes]
    # a household's first row: an id other than the one above (the same id again, typed or merged
    # down, is the same household's)
    first_of_run = given & ~np.r_[False, household_codes[1:] == household_codes[:-1]]
    household_row = np.flatnonzero(first_of_run)[np.maximum(np.cumsum(first_of_run) - 1, 0)]
    no_income_of_its_own = np.ones(len(id_codes), dtype=bool)  # (blank, or the household's repeated)
    for position in income_positions:
        income_codes, incomes = _texts(body[position])
        no_income_of_its_own &= (incomes[income_codes] == "") | (income_codes == income_codes[household_row])
    persons = (run_of >= 0) & not_the_head & no_income_of_its_own & ~first_of_run
    if not persons.any():
        return None
    with_member_data = filled(body[member_positions]).any(axis=1).to_numpy() if member_positions else persons
    household_ids = np.append(id_texts, "").astype(object)[household_codes]  # (-1: none above, "")
    return PersonRows(persons, persons | (first_of_run & with_member_data), household_ids)


def _texts(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's text (as list_rows.cell_text spells it: "" for a blank cell) as a code into the
    distinct texts: (codes, texts). Cells spelled alike ("H1" and " H1") share a code."""
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    spelled = pd.Series([*(cell_text(cell) for cell in distinct), ""], dtype=object)
    same, texts = pd.factorize(spelled)
    return same[codes], np.asarray(texts, dtype=object)  # (a missing cell's code, -1, takes the last: "")
