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
    return finish_summary(*ward_counts(roster, indicator_ids), lang)


def ward_counts(roster: pd.DataFrame, indicator_ids: list[str]) -> tuple[pd.DataFrame, int]:
    """The additive part of the summary: counts per ward, and all rejected rows. The counts of
    two parts of a survey add up to the counts of the whole (streaming adds them chunk by chunk)."""
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
    return table.fillna(0).astype("int64"), int(rejected.sum())


def add_counts(parts: list[tuple[pd.DataFrame, int]]) -> tuple[pd.DataFrame, int]:
    """Counts of consecutive parts of one survey, added; wards stay in order of first appearance."""
    tables = [table for table, _ in parts]
    combined = pd.concat(tables).groupby(level="ward", sort=False).sum() if tables else pd.DataFrame()
    return combined, sum(rejected for _, rejected in parts)


def finish_summary(table: pd.DataFrame, rejected_total: int, lang: str = "vi") -> pd.DataFrame:
    """The total row and the rates, from counts."""
    total = table.sum().to_frame().T
    total.index = pd.Index([TOTAL_LABEL[lang]], name="ward")
    total["rejected"] = rejected_total
    table = pd.concat([table, total])
    for name in ("poor", "near_poor", "middle_income"):
        rate = (100 * table[name] / table["households"].where(table["households"] > 0)).round(2)
        table.insert(table.columns.get_loc(name) + 1, f"{name}_rate", rate)
    return table.reset_index()
