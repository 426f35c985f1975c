"""Small helpers for column work that stays fast on millions of rows."""

from __future__ import annotations

from typing import Callable

import pandas as pd


def map_distinct(series: pd.Series, fn: Callable[[object], object], dtype: str | None = None) -> pd.Series:
    """`fn` once per distinct non-missing value, spread back with a dict lookup.

    Survey columns repeat (wards, classes, areas), so this costs thousands of Python calls
    instead of millions. Missing values stay missing.
    """
    table = {value: fn(value) for value in series.dropna().unique()}
    out = series.map(table)
    return out.astype(dtype) if dtype else out


def is_blank(cell: object) -> bool:
    """A cell that holds nothing: None, NA, NaN, or only spaces (one cell; `filled` is per frame)."""
    if cell is None or cell is pd.NA:
        return True
    if isinstance(cell, float) and cell != cell:
        return True
    return isinstance(cell, str) and not cell.strip()


def filled(frame: pd.DataFrame) -> pd.DataFrame:
    """True where a cell holds something: not None/NaN and not only spaces."""
    mask = frame.notna()
    for column in frame.columns:
        if pd.api.types.infer_dtype(frame[column], skipna=True) not in ("string", "mixed", "mixed-integer"):
            continue  # no text in this column, so no blank text either
        text = frame[column].astype(object).str.strip()
        mask[column] &= ~text.eq("").fillna(False).astype(bool)
    return mask


def is_in(series: pd.Series, values) -> pd.Series:
    """Membership by hash lookup (Series.isin is slow per row on Arrow-backed text)."""
    lookup = pd.Index(pd.Series(list(values), dtype=object).dropna().unique())
    return pd.Series(lookup.get_indexer(series) >= 0, index=series.index)
