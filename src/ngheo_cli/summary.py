"""Per-ward summary of a classified roster, with a total row. Pure pandas, no IO."""

from __future__ import annotations

import pandas as pd

from ngheo_cli.standards.model import CLASSES

TOTAL_LABEL = {"vi": "Tổng cộng", "en": "Total"}


def summarise_by_ward(
    roster: pd.DataFrame, rejected: pd.DataFrame, indicator_ids: list[str], lang: str = "vi"
) -> pd.DataFrame:
    """One row per ward (in order of first appearance) and a total row.

    households = classified + undetermined; rejected households are counted apart (by the ward
    their row names, where it has one), so that every row of the input shows up somewhere.
    Rates are shares of the ward's households that were classified or undetermined.
    Deprivation columns count the poor and near-poor households deprived in each indicator.
    """
    wards = pd.Index(pd.concat([roster["ward"], rejected["ward"]]).dropna().unique(), name="ward")
    table = pd.DataFrame(index=wards)
    grouped = roster.groupby("ward", sort=False)
    table["households"] = grouped.size()
    table["persons"] = grouped["members_count"].sum()
    counts = pd.crosstab(roster["ward"], roster["classification"])
    for name in (*CLASSES, "undetermined"):
        table[name] = counts[name] if name in counts else 0
    table["rejected"] = rejected.groupby("ward").size() if len(rejected) else 0
    poor_or_near = roster[roster["classification"].isin(["poor", "near_poor"])]
    deprived = {
        f"poor_near_poor_deprived_{i}": poor_or_near.groupby("ward")[f"d_{i}"].sum() for i in indicator_ids
    }
    table = table.join(pd.DataFrame(deprived)) if deprived else table
    table = table.fillna(0).astype("int64")

    total = table.sum().to_frame().T
    total.index = pd.Index([TOTAL_LABEL[lang]], name="ward")
    unplaced = int(rejected["ward"].isna().sum()) if len(rejected) else 0
    total["rejected"] += unplaced  # rejected rows with no ward count only in the total
    table = pd.concat([table, total])
    for name in ("poor", "near_poor", "middle_income"):
        rate = (100 * table[name] / table["households"].where(table["households"] > 0)).round(2)
        table.insert(table.columns.get_loc(name) + 1, f"{name}_rate", rate)
    return table.reset_index()
