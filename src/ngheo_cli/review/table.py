"""The transition table in the layout of the official report (biểu tổng hợp, legal-criteria.md
§6.4): for poor and for near-poor households, the number at the start of the year (of which
ethnic minority, rate), the movements during the year, and the number at the end of the year
(rate, of which ethnic minority); a row per ward under "I. Khu vực thành thị" and "II. Khu vực
nông thôn", a row per area and a total row. Every count is a count of rows of the households
frame, so each number can be traced to listed households."""

from __future__ import annotations

import pandas as pd

from ngheo_cli.review.lists import ABSENT
from ngheo_cli.review.movements import CLASSES, INFLOWS, OUTFLOWS, status_column

AREAS = ("urban", "rural")
UNKNOWN_AREA = "unknown"  # a household whose row gives neither area nor ward: its own section, not a guess
AREA_ROW = {"urban": ("I. Khu vực thành thị", "I. Urban"), "rural": ("II. Khu vực nông thôn", "II. Rural"),
            UNKNOWN_AREA: ("III. Chưa xác định khu vực", "III. Area not known")}
TOTAL_ROW = ("Tổng cộng", "Total")
UNPLACED_WARD = ("(Chưa xác định phường)", "(Ward not decided)")


def count_columns() -> list[str]:
    columns = ["households_start"]
    for cls in CLASSES:
        columns += [f"{cls}_start", f"{cls}_start_ethnic"]
        columns += [f"{cls}_{m}" for m in (*OUTFLOWS, *INFLOWS)]
        columns += [f"{cls}_end", f"{cls}_end_ethnic"]
    return columns + ["households_end"]


def household_counts(frame: pd.DataFrame, last_year: int, this_year: int) -> pd.DataFrame:
    """One 0/1 column per table column: which cells of the table each household counts in."""
    last, this = frame[status_column(last_year)], frame[status_column(this_year)]
    ethnic = frame["ethnic_minority"].to_numpy(dtype=bool)
    parts = {"households_start": (last != ABSENT).to_numpy(dtype=bool)}
    for cls in CLASSES:
        was, now = (last == cls).to_numpy(dtype=bool), (this == cls).to_numpy(dtype=bool)
        parts[f"{cls}_start"], parts[f"{cls}_start_ethnic"] = was, was & ethnic
        for name in (*OUTFLOWS, *INFLOWS):
            parts[f"{cls}_{name}"] = (frame[f"{cls}_movement"] == name).to_numpy(dtype=bool)
        parts[f"{cls}_end"], parts[f"{cls}_end_ethnic"] = now, now & ethnic
    parts["households_end"] = (this != ABSENT).to_numpy(dtype=bool)
    return pd.DataFrame(parts, index=frame.index)[count_columns()].astype("int64")


def transition_table(frame: pd.DataFrame, last_year: int, this_year: int, lang: str = "vi") -> pd.DataFrame:
    """`frame` has the review ward (`ward_review`, NA when not decided) and area (`area_review`)."""
    pick = 0 if lang == "vi" else 1
    counts = household_counts(frame, last_year, this_year)
    area, ward = area_and_ward(frame, lang)
    rows = []
    sections = AREAS + ((UNKNOWN_AREA,) if (area == UNKNOWN_AREA).any() else ())
    for area_name in sections:
        in_area = (area == area_name).to_numpy()
        rows.append(_row("area", area_name, AREA_ROW[area_name][pick], counts[in_area].sum()))
        wards = pd.unique(ward[in_area]).tolist()  # in the order first met (not a Python pass over a city's rows)
        wards.sort(key=lambda w: w == UNPLACED_WARD[pick])  # the unplaced row last in its section
        for ward_name in wards:
            rows.append(_row("ward", area_name, ward_name, counts[in_area & (ward == ward_name).to_numpy()].sum()))
    rows.append(_row("total", "", TOTAL_ROW[pick], counts.sum()))
    table = pd.DataFrame(rows)
    for cls in CLASSES:
        for when, households in (("start", "households_start"), ("end", "households_end")):
            rate = (100 * table[f"{cls}_{when}"] / table[households].where(table[households] > 0)).round(2)
            table.insert(table.columns.get_loc(f"{cls}_{when}_ethnic") + (1 if when == "start" else 0), f"{cls}_{when}_rate", rate)
    return table


def area_and_ward(frame: pd.DataFrame, lang: str) -> tuple[pd.Series, pd.Series]:
    """The area and ward row each household counts in (an unplaced household in its own row)."""
    unplaced = UNPLACED_WARD[0 if lang == "vi" else 1]
    return frame["area_review"].fillna(UNKNOWN_AREA), frame["ward_review"].fillna(unplaced)


def _row(level: str, area: str, ward: str, sums: pd.Series) -> dict:
    return {"level": level, "area": area, "ward": ward, **{k: int(v) for k, v in sums.items()}}
