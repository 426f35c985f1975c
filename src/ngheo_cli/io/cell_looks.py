"""Rows of a list looked at in bulk: which of their cells hold something, and what a cell says,
worked out once per distinct value of its column instead of row by row.

The rows a list's checks look at one by one (rows without a ward: titles, totals rows, group
titles; the rows under the last household: its signature block) are few in a list of households,
but they are most of a persons list's rows (its members' rows have no ward) and of a list whose
ward column was left blank, and read row by row they cost about a millisecond each: a minute for
100,000 such rows. Their texts repeat ("Con", "Vợ", the same blank answers), so a check made
once per distinct text costs as many Python calls as there are distinct texts.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from ngheo_cli.frames import filled_rows


class CellLooks:
    """Some rows of a list's cells (`rows`: their positions in `cells`, a frame of raw cells)."""

    def __init__(self, cells: pd.DataFrame, rows: np.ndarray) -> None:
        self.cells, self.rows = cells, rows
        self.filled = filled_rows(cells, rows)
        self.count = self.filled.sum(axis=1)  # each row's cells that hold something

    def first_two_filled(self) -> tuple[np.ndarray, np.ndarray]:
        """The columns (positions) of each row's first and second cells holding something; -1
        for a row with fewer."""
        first = np.where(self.count > 0, self.filled.argmax(axis=1), -1)
        second = np.full(len(self.rows), -1)
        two = np.flatnonzero(self.count > 1)
        after_first = self.filled[two]
        after_first[np.arange(len(two)), first[two]] = False
        second[two] = after_first.argmax(axis=1)
        return first, second

    def says(self, which: np.ndarray, columns: np.ndarray, judge: Callable[[object], bool]) -> np.ndarray:
        """judge(cell) for the cell in `columns` (a column position per row) of each row where
        `which` holds, False for the others; judged once per distinct value of each column."""
        verdict = np.zeros(len(self.rows), dtype=bool)
        for position in np.unique(columns[which]):
            at = np.flatnonzero(which & (columns == position))
            codes, distinct = pd.factorize(self.cells.iloc[self.rows[at], position], use_na_sentinel=True)
            verdicts = np.array([bool(judge(value)) for value in distinct] + [False], dtype=bool)
            verdict[at] = verdicts[codes]  # (a missing value's code, -1, takes the last: False)
        return verdict

    def any_cell_says(self, judge: Callable[[object], bool]) -> np.ndarray:
        """Whether any cell of each row that holds something is one `judge` says yes to."""
        verdict = np.zeros(len(self.rows), dtype=bool)
        for position in range(self.filled.shape[1]):
            verdict |= self.says(self.filled[:, position], np.full(len(self.rows), position), judge)
        return verdict

    def first_text(self) -> np.ndarray:
        """The column (position) of each row's first cell of text, -1 where none is: a number in
        a workbook's cell is not text, nor is a column of numbers or dates."""
        texts = self.filled.copy()
        for position, dtype in enumerate(self.cells.dtypes):
            if dtype == object:
                texts[:, position] = self.says(texts[:, position], np.full(len(self.rows), position),
                                               lambda cell: isinstance(cell, str))
            elif not isinstance(dtype, pd.StringDtype):
                texts[:, position] = False
        return np.where(texts.any(axis=1), texts.argmax(axis=1), -1)
