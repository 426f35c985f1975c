"""The ward counts (bincounts over ward numbers) against a plain group-by of the same roster."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ngheo_cli.standards.model import CLASSES
from ngheo_cli.summary import ward_counts

_ROW = st.tuples(
    st.one_of(st.none(), st.sampled_from(["Phường A", "Xã B", "Phường C"])),
    st.sampled_from([*CLASSES, "undetermined", "rejected"]),
    st.one_of(st.none(), st.integers(1, 9)),
    st.one_of(st.none(), st.sampled_from([0, 1])),
    st.one_of(st.none(), st.sampled_from([0, 1])),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_ROW, max_size=40))
def test_ward_counts_are_the_group_counts(rows):
    roster = pd.DataFrame({
        "ward": pd.Series([r[0] for r in rows], dtype="string"),
        "classification": pd.Series([r[1] for r in rows], dtype="string"),
        "members_count": pd.Series([r[2] for r in rows], dtype="Int64"),
        "d_a": pd.Series([r[3] for r in rows], dtype="Int8"),
        "d_b": pd.Series([r[4] for r in rows], dtype="Int8"),
    })
    table, rejected_total = ward_counts(roster, ["a", "b"])

    wards = list(dict.fromkeys(r[0] for r in rows if r[0] is not None))  # first appearance
    assert list(table.index) == wards
    assert rejected_total == sum(r[1] == "rejected" for r in rows)
    for ward in wards:
        here = [r for r in rows if r[0] == ward]
        counted = [r for r in here if r[1] != "rejected"]
        poor_or_near = [r for r in counted if r[1] in ("poor", "near_poor")]
        expected = {
            "households": len(counted),
            "persons": sum(r[2] or 0 for r in counted),
            **{name: sum(r[1] == name for r in here) for name in (*CLASSES, "undetermined", "rejected")},
            "poor_near_poor_deprived_a": sum(r[3] or 0 for r in poor_or_near),
            "poor_near_poor_deprived_b": sum(r[4] or 0 for r in poor_or_near),
        }
        assert table.loc[ward].to_dict() == expected
