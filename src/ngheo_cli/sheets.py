"""A list kept on several sheets (a workbook with a sheet per ward) read as one table.

Its rows are keyed `sheet number × STRIDE + spreadsheet row`: the checks, the engine and the
problem log keep one integer per row, as for a list on one sheet (where the key is the row
number itself, sheet number 0), and only what is shown to the user turns a key back into the
sheet's name and its row number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRIDE = 10_000_000  # above Excel's 1,048,576 rows


@dataclass(frozen=True)
class SheetSet:
    """The sheets of one list, in workbook order; `label` stands for them all where one name is
    shown (the run's metadata, a problem of the header rather than of a row)."""

    names: tuple[str, ...]

    @property
    def label(self) -> str:
        return ", ".join(self.names)

    def split(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row keys -> (the sheet name of each, as objects; its spreadsheet row number)."""
        keys = np.asarray(keys, dtype=np.int64)
        return np.asarray(self.names, dtype=object)[keys // STRIDE], keys % STRIDE

    def rows_text(self, keys: list[int]) -> list[str]:
        """Row keys as an officer finds them: "12 ('Yên Hòa')"."""
        return [f"{key % STRIDE} ('{self.names[key // STRIDE]}')" for key in keys]
