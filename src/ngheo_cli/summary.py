"""Per-ward summary of a classified roster, with a total row. Pure pandas, no IO."""

from __future__ import annotations

import pandas as pd

from ngheo_cli.standards.model import CLASSES

TOTAL_LABEL = {"vi": "Tổng cộng", "en": "Total"}


def summarise_by_ward(roster: pd.DataFrame, indicator_ids: list[str], lang: str = "vi") -> pd.DataFrame:
    """One row per ward (in order of first appearance) and a total row.

    households = classified + undetermined; rejected rows are counted apart, by the ward their
    row names (a rejected row with no readable ward counts in the total only), so every row
    of the input shows up. Rates are shares of the ward's households. The deprivation
    columns count the poor and near-poor households deprived in each indicator.
    """
    rejected = roster["classification"] == "rejected"
    households = roster[~rejected]
    table = pd.DataFrame(index=pd.Index(roster["ward"].dropna().unique(), name="ward"))
    grouped = households.groupby("ward", sort=False)
    table["households"] = grouped.size()
    table["persons"] = grouped["members_count"].sum()
    counts = pd.crosstab(households["ward"], households["classification"])
    for name in (*CLASSES, "undetermined"):
        table[name] = counts[name] if name in counts else 0
    table["rejected"] = roster[rejected].groupby("ward").size()
    poor_or_near = households[households["classification"].isin(["poor", "near_poor"])]
    for i in indicator_ids:
        table[f"poor_near_poor_deprived_{i}"] = poor_or_near.groupby("ward")[f"d_{i}"].sum()
    table = table.fillna(0).astype("int64")

    total = table.sum().to_frame().T
    total.index = pd.Index([TOTAL_LABEL[lang]], name="ward")
    total["rejected"] = int(rejected.sum())
    table = pd.concat([table, total])
    for name in ("poor", "near_poor", "middle_income"):
        rate = (100 * table[name] / table["households"].where(table["households"] > 0)).round(2)
        table.insert(table.columns.get_loc(name) + 1, f"{name}_rate", rate)
    return table.reset_index()
