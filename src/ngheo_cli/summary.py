"""Per-ward summary of a classified roster, with a total row. Pure pandas, no IO.

One row per ward (in order of first appearance; the spellings of one ward's name merged, as
ward_names.py tells) and a total row: finish_summary(*ward_counts(roster)).
households = classified + undetermined; rejected rows are counted apart, by the ward their
row names (a rejected row with no readable ward counts in the total only), so every row
of the input shows up. Rates are shares of the ward's households. The deprivation
columns count the poor and near-poor households deprived in each indicator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ngheo_cli.parallel import at_once
from ngheo_cli.standards.model import CLASSES
from ngheo_cli.ward_names import ward_spellings

TOTAL_LABEL = {"vi": "Tổng cộng", "en": "Total"}


def ward_counts(roster: pd.DataFrame, indicator_ids: list[str]) -> tuple[pd.DataFrame, int]:
    """The additive part of the summary: counts per ward, and all rejected rows. The counts of
    two parts of a survey add up to the counts of the whole (streaming adds them chunk by chunk).

    Counted by bincounts of ward numbers: every class per ward in one pass (ward number and class
    number as one slot), the deprivations over the poor and near-poor rows alone (a few percent
    of a city's); no copy of the roster per group, no column of weights where a row counts once."""
    (codes, wards), (class_codes, class_names) = at_once(  # (each a hash of a city's texts: side by side)
        lambda: pd.factorize(roster["ward"], use_na_sentinel=True),  # wards in order of first appearance
        lambda: pd.factorize(roster["classification"], use_na_sentinel=True))
    in_ward = codes >= 0
    slots = len(class_names) + 1  # (the last: no class)
    ward_and_class = codes * slots + np.where(class_codes < 0, slots - 1, class_codes)
    per_class = np.bincount(ward_and_class if in_ward.all() else ward_and_class[in_ward],
                            minlength=len(wards) * slots).reshape(len(wards), slots)
    class_numbers = {name: number for number, name in enumerate(class_names)}

    def of_class(name: str) -> np.ndarray:
        """Rows of this class per ward."""
        number = class_numbers.get(name)
        return per_class[:, number].astype("int64") if number is not None else np.zeros(len(wards), dtype="int64")

    rejected = class_codes == class_numbers.get("rejected", -2)
    table = pd.DataFrame(index=pd.Index(wards, name="ward"))
    table["households"] = per_class.sum(axis=1).astype("int64") - of_class("rejected")
    counted = in_ward & ~rejected
    persons = roster["members_count"].fillna(0).to_numpy(dtype="float64")
    table["persons"] = np.bincount(codes[counted], weights=persons[counted], minlength=len(wards)).astype("int64")
    for name in (*CLASSES, "undetermined", "rejected"):
        table[name] = of_class(name)
    poor_or_near = np.flatnonzero(in_ward & ((class_codes == class_numbers.get("poor", -2))
                                             | (class_codes == class_numbers.get("near_poor", -2))))
    poor_or_near_wards = codes[poor_or_near]
    for i in indicator_ids:
        deprived = roster[f"d_{i}"].take(poor_or_near).to_numpy(dtype="float64", na_value=0.0) != 0
        table[f"poor_near_poor_deprived_{i}"] = np.bincount(poor_or_near_wards[deprived],
                                                            minlength=len(wards)).astype("int64")
    return table, int(rejected.sum())


def add_counts(parts: list[tuple[pd.DataFrame, int]]) -> tuple[pd.DataFrame, int]:
    """Counts of consecutive parts of one survey, added; wards stay in order of first appearance."""
    tables = [table for table, _ in parts]
    combined = pd.concat(tables).groupby(level="ward", sort=False).sum() if tables else pd.DataFrame()
    return combined, sum(rejected for _, rejected in parts)


def merged_wards(table: pd.DataFrame) -> dict[str, str]:
    """Of counts per ward as typed: each spelling counted under another one (ward_names.py)."""
    if table.empty:
        return {}
    return ward_spellings(dict(zip(table.index, (table["households"] + table["rejected"]).tolist())))


def finish_summary(table: pd.DataFrame, rejected_total: int, lang: str = "vi",
                   renamed: dict[str, str] | None = None) -> pd.DataFrame:
    """The wards' spellings merged (`renamed`, the caller's merged_wards(table), else worked out
    here), the total row and the rates, from counts."""
    if renamed is None:
        renamed = merged_wards(table)
    if renamed:
        table = table.groupby(pd.Index([renamed.get(ward, ward) for ward in table.index], name="ward"), sort=False).sum()
    total = table.sum().to_frame().T
    total.index = pd.Index([TOTAL_LABEL[lang]], name="ward")
    total["rejected"] = rejected_total
    table = pd.concat([table, total])
    for name in ("poor", "near_poor", "middle_income"):
        rate = (100 * table[name] / table["households"].where(table["households"] > 0)).round(2)
        table.insert(table.columns.get_loc(name) + 1, f"{name}_rate", rate)
    return table.reset_index()
