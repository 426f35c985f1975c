"""One survey column kept as several under a group title, as registers and list forms keep it:

- a birth year (or date, or age) by sex: "Năm sinh" merged over "Nam" and "Nữ", each person's
  year under one of them (the column holding it also gives the sex);
- a category as ticks: "Loại nhà" merged over "Kiên cố", "Bán kiên cố", "Thiếu kiên cố", "Đơn
  sơ", an "x" under the household's own ("Phân loại đầu kỳ" over "Hộ nghèo", "Hộ cận nghèo"; a
  yes/no column over "Có" and "Không").

The header search names the first column of such a group by the title alone; the others stay
unnamed. Read as a column of its own, the first held "x" (every household rejected for an "x"
that is no house type) or only the men's years (every woman without an age, her household
rejected). Each group is read back into its one column here: a row's value is the one its
columns give, and a row giving two is an error that shows both."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ngheo_cli.frames import filled
from ngheo_cli.io.cells import NO
from ngheo_cli.issues import as_typed
from ngheo_cli.schema import AGE_COLUMNS, HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from ngheo_cli.text import fold

_SEXES = {"nam": "nam", "nu": "nữ"}  # folded: "Nữ" is "nu"
_CATEGORIES = {spec.id: spec.categories.lookup() for spec in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS)
               if spec.categories is not None and spec.id != "sex"}
_CATEGORIES |= {spec.id: {"co": "có", "khong": "không"} for spec in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS)
                if spec.kind == "yesno"}  # ("Có thẻ BHYT" over "Có" and "Không")


@dataclass
class SplitColumn:
    column_id: str
    group: str  # the title over the columns, as written
    positions: list[int]  # the sheet's columns that make it, the named one first
    leaves: list[str]  # their headers under the title, as written ("Nam", "Nữ"; "Kiên cố" …)
    values: list[str]  # what each of them stands for: a sex ("nam", "nữ") or a category value
    by_sex: bool  # each holds the value itself (a year), not a tick

    @property
    def header(self) -> str:
        """The group's header: "Năm sinh: Nam/Nữ"."""
        return f"{self.group}: {'/'.join(self.leaves)}"


def split_columns(matched: dict[int, str], texts: dict[int, list[str]]) -> list[SplitColumn]:
    """The groups of columns that are one survey column (matched: position -> column id of the
    header search; texts: each position's header spellings, the group's "Title: leaf" first)."""
    found = []
    for position, column_id in matched.items():
        group, _, leaf = texts[position][0].rpartition(": ")
        if not group:
            continue
        if column_id in AGE_COLUMNS:
            meaning = _SEXES
        elif column_id in _CATEGORIES:
            meaning = _CATEGORIES[column_id]
        else:
            continue
        if fold(leaf) not in meaning:
            continue
        members = [(position, leaf)]
        for other, tries in texts.items():
            other_group, _, other_leaf = tries[0].rpartition(": ")
            if other != position and other not in matched and other_group == group and fold(other_leaf) in meaning:
                members.append((other, other_leaf))
        if len(members) >= 2:
            found.append(SplitColumn(column_id, group, [p for p, _ in members], [leaf for _, leaf in members],
                                     [meaning[fold(leaf)] for _, leaf in members], column_id in AGE_COLUMNS))
    return found


def read(split: SplitColumn, body: pd.DataFrame) -> tuple[pd.Series, pd.Series | None]:
    """The survey column's cells, and for a birth year by sex each person's sex (None for ticks).

    A row's value is the one column of the group that gives it (its year; its category where its
    tick is), blank where none does; where two do, both, as a text no parser reads ("1990 (Nam) /
    1991 (Nữ)", "kiên cố / đơn sơ"): an error with what was typed. A sex is the one of the column
    holding the year (none where none does, or two do)."""
    given = _given(split, body)
    count = given.sum(axis=1)
    if split.by_sex:
        value = pd.Series(None, index=body.index, dtype=object)
        for index, position in enumerate(split.positions):
            value = value.where(~given[:, index], body[position].astype(object))
    else:
        chosen = np.argmax(given, axis=1)
        value = pd.Series(np.array(split.values, dtype=object)[chosen], index=body.index, dtype=object)
        value = value.where(count > 0, None)
    several = np.flatnonzero(count > 1)
    if len(several):
        value = value.copy()
        value.iloc[several] = [_both(split, body.iloc[row], given[row]) for row in several]
    if not split.by_sex:
        return value, None
    sex = np.array(split.values, dtype=object)[np.argmax(given, axis=1)]
    return value, pd.Series(np.where(count == 1, sex, None), index=body.index, dtype=object)


def _given(split: SplitColumn, body: pd.DataFrame) -> np.ndarray:
    """Rows x the group's columns: whether each holds a value (by sex) or a tick (not "không", "0")."""
    some = filled(body[split.positions]).to_numpy(copy=True)
    if split.by_sex:
        return some
    for index, position in enumerate(split.positions):
        codes, marks = pd.factorize(body[position].astype(object))  # (each distinct mark looked at once)
        no = np.array([fold(as_typed(mark)) in NO for mark in marks] + [False], dtype=bool)
        some[no[codes], index] = False  # (code -1, a blank, takes the last: False)
    return some


def _both(split: SplitColumn, row: pd.Series, given: np.ndarray) -> object:
    """What a row giving the column twice holds: the same year typed under both is that year."""
    if split.by_sex:
        typed = [(as_typed(row[p]), leaf) for p, leaf, is_given in zip(split.positions, split.leaves, given) if is_given]
        if len({text for text, _ in typed}) == 1:
            return row[split.positions[int(np.argmax(given))]]
        return " / ".join(f"{text} ({leaf})" for text, leaf in typed)
    return " / ".join(value for value, is_given in zip(split.values, given) if is_given)
