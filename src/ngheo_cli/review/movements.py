"""Following every household across the years, and naming its movement.

Definitions (stated in docs/review.md and in the review workbook), for X = poor or near-poor
and Y the other of the two:
- thoát X (escaped): X last year, neither poor nor near-poor this year;
- X -> Y: poor last year and near-poor this year, or the other way;
- tái X (re-entered): X this year, neither poor nor near-poor last year, and X in an earlier
  year of the same standard period (it had escaped and fell back);
- X phát sinh (new): X this year, neither poor nor near-poor last year, and not X in any
  earlier year of the period that the lists given cover;
- left / joined: on only one of the two lists (moved out, moved in, split);
- unknown before / after: on the list, but its status that year is not known (a rejected or
  undetermined row, or a household id used twice).
Every household on either list gets exactly one movement per class, so that
start - (escaped + to Y + left + unknown after) + (from Y + tái + phát sinh + joined + unknown before) = end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ngheo_cli.frames import rows_on_list, taken_at
from ngheo_cli.review.lists import (
    ABSENT,
    INFO_COLUMNS,
    NEAR_POOR,
    OTHER,
    POOR,
    UNKNOWN,
    YearList,
)

REMAINED, ESCAPED, TO_OTHER, LEFT, UNKNOWN_AFTER = "remained", "escaped", "to_other_class", "left", "unknown_after"
FROM_OTHER, RETURNED, NEW, JOINED, UNKNOWN_BEFORE = "from_other_class", "returned", "new", "joined", "unknown_before"
OUTFLOWS = (ESCAPED, TO_OTHER, LEFT, UNKNOWN_AFTER)
INFLOWS = (RETURNED, NEW, FROM_OTHER, JOINED, UNKNOWN_BEFORE)
CLASSES = (POOR, NEAR_POOR)


def status_column(year: int) -> str:
    return f"status_{year}"


def join_years(lists: list[YearList]) -> pd.DataFrame:
    """One row per household id found on any list (ordered by the newest list, then older
    ones), with `status_<year>` for each list (ABSENT when not on it), `class_<year>` (the
    classification as written) and the household's details from the newest list it is on."""
    ordered = sorted(lists, key=lambda year_list: year_list.year, reverse=True)
    ids = pd.Index(pd.concat([year_list.households["household_id"] for year_list in ordered]).unique(), name="household_id")
    # each household's details from the newest list it is on (ids are unique within a list)
    details = pd.concat([year_list.households[["household_id", *INFO_COLUMNS]] for year_list in ordered])
    frame = details.drop_duplicates("household_id", keep="first").set_index("household_id").reindex(ids)
    for year_list in ordered:
        households = year_list.households
        at = rows_on_list(pd.Series(ids), households["household_id"])
        frame[status_column(year_list.year)] = taken_at(households["status"], at, ids).fillna(ABSENT).astype("string")
        frame[f"class_{year_list.year}"] = taken_at(households["classification"], at, ids).astype("string")
    for flag in ("merit_family", "ethnic_minority"):
        frame[flag] = frame[flag].fillna(False).astype(bool)
    return frame.reset_index()


def earlier_in_class(frame: pd.DataFrame, years: list[int], cls: str) -> pd.Series:
    """The earlier years (comma-separated, "" if none) in which each household had class `cls`."""
    found = pd.Series("", index=frame.index, dtype="string")
    for year in sorted(years):
        hit = frame[status_column(year)] == cls
        found = found.where(~hit, found + np.where(found == "", "", ", ") + str(year))
    return found


def movement(before: pd.Series, after: pd.Series, was_earlier: pd.Series, cls: str) -> pd.Series:
    """The movement of each household for class `cls` between two consecutive lists; "" when
    the household is in `cls` on neither."""
    other_class = NEAR_POOR if cls == POOR else POOR
    was, now = before == cls, after == cls
    outside_before = before == OTHER
    choices = [
        (was & now, REMAINED),
        (was & (after == other_class), TO_OTHER),
        (was & (after == OTHER), ESCAPED),
        (was & (after == ABSENT), LEFT),
        (was & (after == UNKNOWN), UNKNOWN_AFTER),
        (now & (before == other_class), FROM_OTHER),
        (now & outside_before & was_earlier, RETURNED),
        (now & outside_before, NEW),
        (now & (before == ABSENT), JOINED),
        (now & (before == UNKNOWN), UNKNOWN_BEFORE),
    ]
    conditions = [c.fillna(False).to_numpy(dtype=bool) for c, _ in choices]
    return pd.Series(np.select(conditions, [name for _, name in choices], default=""), index=before.index, dtype="string")


def follow(frame: pd.DataFrame, before_year: int, after_year: int, earlier_years: list[int], prefix: str = "") -> pd.DataFrame:
    """Adds, for poor and near-poor, the movement between `before_year` and `after_year` and the
    earlier years the household had that class (`earlier_years` are the period's years before
    `before_year` that a list covers)."""
    before, after = frame[status_column(before_year)], frame[status_column(after_year)]
    for cls in CLASSES:
        earlier = earlier_in_class(frame, earlier_years, cls) if earlier_years else pd.Series("", index=frame.index, dtype="string")
        frame[f"{prefix}{cls}_earlier_years"] = earlier
        frame[f"{prefix}{cls}_movement"] = movement(before, after, earlier != "", cls)
    return frame
