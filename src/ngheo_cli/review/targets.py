"""The plan's targets: a small YAML file (criteria/targets/), checked per ward and in total.

Each check gives a figure and a result: pass, fail, not_checked (the lists given cannot
decide it, with the reason) or listed (the target sets no number; the households are listed).
Boundaries are exact: a 10% reduction is computed in integers, so 10.0% passes "at least 10%".
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from ngheo_cli.choices import DEFAULT_TARGETS
from ngheo_cli.errors import CriteriaError
from ngheo_cli.review.lists import POOR
from ngheo_cli.review.movements import JOINED, NEW, RETURNED, status_column
from ngheo_cli.review.table import area_and_ward
from ngheo_cli.standards.load import builtin_dir, format_validation, read_yaml_mapping
from ngheo_cli.standards.model import Names, Source, Strict

Kind = Literal["near_poor_reduction", "merit_families_poor", "re_impoverished", "newly_poor", "poor_households"]
PASS, FAIL, NOT_CHECKED, LISTED = "pass", "fail", "not_checked", "listed"


class Target(Strict):
    kind: Kind
    name: Names
    min_reduction_percent: Decimal | None = Field(default=None, ge=0, le=100)
    max_count: int | None = Field(default=None, ge=0)
    max_rate_percent: Decimal | None = Field(default=None, ge=0, le=100)
    not_above_previous_year: bool = False
    standard: str | None = None  # poor_households: the standard the count must be made under
    legal_wording: str | None = None
    source: Source

    @model_validator(mode="after")
    def _threshold_fits_kind(self) -> "Target":
        if self.kind == "near_poor_reduction" and self.min_reduction_percent is None:
            raise ValueError("near_poor_reduction needs min_reduction_percent")
        if self.kind != "near_poor_reduction" and self.min_reduction_percent is not None:
            raise ValueError(f"min_reduction_percent is for near_poor_reduction, not {self.kind}")
        if self.kind in ("merit_families_poor", "poor_households") and self.max_count is None and self.max_rate_percent is None:
            raise ValueError(f"{self.kind} needs max_count or max_rate_percent")
        if self.not_above_previous_year and self.kind not in ("re_impoverished", "newly_poor"):
            raise ValueError("not_above_previous_year is for re_impoverished and newly_poor")
        return self


class Targets(Strict):
    format_version: Literal[1]
    id: str
    name: Names
    source: Source
    targets: list[Target] = Field(min_length=1)


def load_targets(name_or_path: str = DEFAULT_TARGETS) -> tuple[Targets, Path]:
    path = Path(name_or_path)
    if path.suffix.lower() not in (".yaml", ".yml") and not path.exists():
        path = builtin_dir() / "targets" / f"{name_or_path}.yaml"
        if not path.is_file():
            shipped = sorted(p.stem for p in (builtin_dir() / "targets").glob("*.yaml"))
            raise CriteriaError(f"unknown targets '{name_or_path}'", f"built-in targets: {', '.join(shipped)}; or a path to a .yaml file")
    data, lines = read_yaml_mapping(path)
    try:
        return Targets.model_validate(data), path
    except ValidationError as exc:
        raise CriteriaError(format_validation(path, exc, lines)) from exc


def check_targets(
    targets: Targets, table: pd.DataFrame, frame: pd.DataFrame, this_year: int, this_standard: str,
    previous_year_known: bool, lang: str = "vi",
) -> pd.DataFrame:
    """One row per target and per ward row of the table (and the total row)."""
    rows = table[table["level"].isin(["ward", "total"])]
    area, ward = area_and_ward(frame, lang)
    read = ["household_id", "merit_family", "poor_movement", "prev_poor_movement", status_column(this_year)]
    frame = frame[[c for c in read if c in frame]]  # what _check reads: each ward's copy holds only these
    in_row = [((ward == r.ward) & (area == r.area)).to_numpy() if r.level == "ward" else slice(None) for r in rows.itertuples()]
    checked = {}
    for r, (row, selected) in enumerate(zip(rows.itertuples(), in_row)):
        households = frame[selected]  # each ward's households picked once for all the targets (a city's frame is big)
        for t, target in enumerate(targets.targets):
            figure, threshold, result, detail, listed = _check(target, row, households, this_year, this_standard, previous_year_known, lang)
            checked[t, r] = {
                "target": target.kind, "target_name": getattr(target.name, lang), "level": row.level, "area": row.area,
                "ward": row.ward,
                "figure": figure, "threshold": threshold, "result": result, "detail": detail,
                "households": ", ".join(listed), "source": target.source.document,
            }
    return pd.DataFrame([checked[t, r] for t in range(len(targets.targets)) for r in range(len(in_row))])


def _check(target: Target, row, households: pd.DataFrame, this_year: int, this_standard: str, previous_known: bool, lang: str):
    vi = lang == "vi"
    if target.kind == "near_poor_reduction":
        start, end = row.near_poor_start, row.near_poor_end
        threshold = f">= {target.min_reduction_percent}%"
        if start == 0:
            ok = end == 0
            text = ("không có hộ cận nghèo đầu năm" if vi else "no near-poor household at the start")
            return None, threshold, PASS if ok else FAIL, f"{text}; {end} cuối năm" if vi else f"{text}; {end} at the end", []
        # (start - end) / start >= p / 100, in integers and exact decimals: 10% is 10%
        ok = (start - end) * 100 >= target.min_reduction_percent * start
        percent = round(100 * (start - end) / start, 2)
        detail = f"{start} → {end}" + (" hộ cận nghèo" if vi else " near-poor households")
        return percent, threshold, PASS if ok else FAIL, detail, []
    if target.kind == "merit_families_poor":
        hit = households[(households[status_column(this_year)] == POOR) & households["merit_family"]]
        return (*_at_most(target, len(hit), row.households_end), list(hit["household_id"]))
    if target.kind == "poor_households":
        if target.standard and this_standard != target.standard:
            why = (f"danh sách năm nay được phân loại theo {this_standard or 'chuẩn không rõ'}, chỉ tiêu tính theo {target.standard}" if vi
                   else f"this year's list is classified under {this_standard or 'an unknown standard'}; the target counts under {target.standard}")
            return row.poor_end, _threshold_text(target), NOT_CHECKED, why, []
        hit = households[households[status_column(this_year)] == POOR]
        return (*_at_most(target, len(hit), row.households_end), list(hit["household_id"]))
    movement = RETURNED if target.kind == "re_impoverished" else NEW
    hit = households[households["poor_movement"] == movement]
    count = len(hit)
    joined = int((households["poor_movement"] == JOINED).sum())
    note = ""
    if target.kind == "newly_poor" and joined:
        note = (f"; ngoài ra {joined} hộ nghèo mới vào danh sách (chuyển đến, tách hộ)" if vi
                else f"; besides, {joined} poor households new on the list (moved in, split)")
    ids = list(hit["household_id"])
    if target.max_count is not None:
        return count, f"<= {target.max_count}", PASS if count <= target.max_count else FAIL, note.lstrip("; "), ids
    if target.not_above_previous_year:
        if not previous_known:
            why = ("cần danh sách năm trước nữa (--history) để so sánh" if vi
                   else "needs the list of the year before last (--history) to compare")
            return count, "<= năm trước" if vi else "<= year before", NOT_CHECKED, why + note, ids
        before = int((households["prev_poor_movement"] == movement).sum())
        threshold = f"<= {before} ({'năm trước' if vi else 'year before'})"
        return count, threshold, PASS if count <= before else FAIL, note.lstrip("; "), ids
    return count, "", LISTED, note.lstrip("; "), ids


def _threshold_text(target: Target) -> str:
    parts = []
    if target.max_count is not None:
        parts.append(f"<= {target.max_count}")
    if target.max_rate_percent is not None:
        parts.append(f"<= {target.max_rate_percent}%")
    return " và ".join(parts)


def _at_most(target: Target, count: int, households: int) -> tuple:
    ok = target.max_count is None or count <= target.max_count
    if target.max_rate_percent is not None:
        ok = ok and (households > 0 and count * 100 <= target.max_rate_percent * households or households == 0 and count == 0)
    return count, _threshold_text(target), PASS if ok else FAIL, ""
