"""The column helpers the engine's speed rests on give what the slow, obvious code gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ngheo_cli.frames import row_kinds

_ROWS = st.lists(
    st.tuples(st.one_of(st.none(), st.integers(0, 3)), st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
              st.sampled_from([0.5, 1.5, float("nan")]), st.integers(0, 2)),
    min_size=1, max_size=40,
)


@given(_ROWS)
def test_rows_share_a_kind_exactly_when_they_are_equal(rows):
    """Households whose reasons would read the same share one kind (missing equal to missing),
    and no two different households do: each reason is written once per kind."""
    columns = [
        pd.Series([r[0] for r in rows], dtype="Int64"),
        pd.Series([r[1] for r in rows], dtype="string"),
        pd.Series([r[2] for r in rows], dtype="float64"),
        np.array([r[3] for r in rows]),
    ]
    kinds = row_kinds(columns)
    as_text = [repr(tuple(None if pd.isna(v) else v for v in (c.iloc[i] if isinstance(c, pd.Series) else c[i]
                                                             for c in columns))) for i in range(len(rows))]
    for i in range(len(rows)):
        for j in range(len(rows)):
            assert (kinds[i] == kinds[j]) == (as_text[i] == as_text[j])


def test_many_columns_of_many_values_do_not_overflow():
    rng = np.random.default_rng(1)
    columns = [rng.integers(0, 100_000, 50_000) for _ in range(6)]  # 10^30 combinations: renumbered on the way
    kinds = row_kinds(columns)
    expected = pd.DataFrame({i: c for i, c in enumerate(columns)}).groupby(list(range(6))).ngroup().to_numpy()
    assert len(np.unique(kinds)) == len(np.unique(expected))
    assert (pd.Series(kinds).groupby(expected).nunique() == 1).all()


@given(st.lists(st.one_of(st.none(), st.sampled_from(["H1", "H2", "H3", "H4"])), max_size=30),
       st.sampled_from(["string", "object"]))
def test_duplicate_ids_are_found_on_every_row_they_are_on(ids, dtype):
    from ngheo_cli.validate import duplicate_rows

    column = pd.Series(ids, dtype=dtype)
    rows = pd.Series(range(2, len(ids) + 2))  # spreadsheet rows
    expected = {}
    for household_id in dict.fromkeys(i for i in ids if i is not None):
        on = [row for row, i in zip(rows, ids) if i == household_id]
        if len(on) > 1:
            expected[household_id] = on
    assert duplicate_rows(column, rows) == expected
    assert list(duplicate_rows(column, rows)) == list(expected)  # in the order the ids first appear
