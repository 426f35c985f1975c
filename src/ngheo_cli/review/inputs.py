"""Turning each file given to `ngheo review` into a YearList: a classified roster read back
(the CSV, xlsx or Parquet that `ngheo classify` writes), or a survey classified on the fly
under the standard of its year. Pure: grids in (the CLI reads the files), lists out."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from ngheo_cli.errors import InputError
from ngheo_cli.frames import category_as_text
from ngheo_cli.io.cells import parse_category, parse_int, parse_text, parse_yes_no
from ngheo_cli.io.workbook import Grid
from ngheo_cli.labels import class_label, roster_columns_of
from ngheo_cli.pipeline import RunResult, run_classification
from ngheo_cli.review.lists import YearList, list_from_roster
from ngheo_cli.schema import AREA, GROUP_FLAGS, STATUS, Categories
from ngheo_cli.standards.load import (
    DEFAULT_STANDARD,
    CompiledStandard,
    builtin_ids,
    load_standard,
)
from ngheo_cli.standards.model import CLASSES

_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_CLASSIFICATION = Categories(
    {code: (class_label(code, "vi"), class_label(code, "en")) for code in (*CLASSES, "undetermined", "rejected")}
)
_PREVIOUS = Categories({code: (*STATUS.values[code], class_label(code, "vi"), class_label(code, "en")) for code in CLASSES})


@dataclass
class Loaded:
    year_list: YearList
    kind: str  # "roster" or "survey"
    run: RunResult | None = None  # the classification, for a survey


def year_in_file_name(name: str) -> int | None:
    found = _YEAR_IN_NAME.findall(name)
    return int(found[-1]) if found else None


@functools.lru_cache(maxsize=None)
def _load(name: str) -> CompiledStandard:
    return load_standard(name)


def standard_for_year(year: int, requested: str | None) -> CompiledStandard:
    """The standard asked for; else the default standard when it covers `year`, else the
    built-in standard of the same locality ("ha-noi-…") that does; else the default (and
    the validity warning says so)."""
    if requested:
        return _load(requested)
    default = _load(DEFAULT_STANDARD)
    if default.model.applies_to(year):
        return default
    family = re.sub(r"-\d{4}-\d{4}$", "", DEFAULT_STANDARD)
    for standard_id in builtin_ids():
        if standard_id.startswith(family + "-") and _load(standard_id).model.applies_to(year):
            return _load(standard_id)
    return default


def load_year_list(
    grids: list[Grid], name: str, *, year: int | None, default_year: tuple[int, str],
    standard: str | None, members_grids: list[Grid] | None = None, lang: str = "vi",
    report: Callable[[str, float], None] | None = None,
) -> Loaded:
    """`year`: given by the user. `default_year`: (year, where from) when neither the user nor
    the file tells it (a roster's metadata, a survey's title row or the file name). `report`:
    told how far the classifying of a survey has come (a progress bar)."""
    from_name = year_in_file_name(name)
    fallback = (from_name, "file name") if from_name else default_year
    read_back = _roster_in(grids)
    if read_back is not None:
        roster, metadata = read_back
        if year is not None:
            chosen = (year, "option")
        elif metadata.get("review_year", "").isdigit():
            chosen = (int(metadata["review_year"]), "metadata")
        else:
            chosen = fallback
        year_list = list_from_roster(roster, chosen[0], chosen[1], name, metadata.get("standard", ""))
        return Loaded(year_list, "roster")
    guess = year or fallback[0]
    compiled = standard_for_year(guess, standard)
    run = run_classification(grids, compiled, name, members_grids, year=year, lang=lang, default_year=fallback,
                             report=report)
    if not standard and standard_for_year(run.review_year, None) is not compiled:  # the title row named another year
        compiled = standard_for_year(run.review_year, None)
        run = run_classification(grids, compiled, name, members_grids, year=year, lang=lang, default_year=fallback,
                                 report=report)
    year_list = list_from_roster(run.roster, run.review_year, run.review_year_source, name, compiled.id)
    return Loaded(year_list, "survey", run)


def _roster_in(grids: list[Grid]) -> tuple[pd.DataFrame, dict[str, str]] | None:
    """A roster written by `ngheo classify`: its first row has a household id and a
    classification column (ids, or the Vietnamese / English headers of the xlsx)."""
    for grid in grids:
        cells = grid.cells
        ids = None if cells.empty else roster_columns_of(cells.iloc[0])
        if ids is not None:
            return _roster_values(cells.iloc[1:], ids, grid.name), _metadata(grids)
    return None


def _roster_values(body: pd.DataFrame, ids: dict, sheet: str) -> pd.DataFrame:
    columns = {ids[c]: body[c] for c in body.columns if ids.get(c)}
    frame = pd.DataFrame(index=body.index)
    parsers = {
        "classification": lambda raw: parse_category(raw, _CLASSIFICATION),
        "previous_status": lambda raw: parse_category(raw, _PREVIOUS),
        "area": lambda raw: parse_category(raw, AREA),
        "source_row": parse_int,
        **{flag: parse_yes_no for flag in GROUP_FLAGS},
    }
    for column in ("household_id", "head_name", "ward", "hamlet", "area", "classification", *GROUP_FLAGS,
                   "previous_status", "split_from", "source_sheet", "source_row"):
        if column not in columns:
            continue
        values, errors = parsers.get(column, parse_text)(columns[column].reset_index(drop=True).set_axis(body.index))
        bad = errors.notna()
        if bad.any():
            row = int(bad.idxmax())
            raise InputError(
                f"sheet '{sheet}', row {row}: '{columns[column][row]}' is not a value of the roster's column {column}",
                "give the roster as `ngheo classify` wrote it, or the survey itself",
            )
        frame[column] = category_as_text(values)  # the review compares and writes text
    if "source_row" not in frame:
        frame["source_row"] = body.index
    return frame.reset_index(drop=True)


def _metadata(grids: list[Grid]) -> dict[str, str]:
    for grid in grids:
        if grid.name in ("Thông tin", "Metadata") and grid.cells.shape[1] >= 2:
            pairs = grid.cells.iloc[:, :2].dropna()
            return {str(k): str(v) for k, v in pairs.itertuples(index=False)}
    return {}
