"""Every standard's legal cases (criteria/cases/<id>.yaml), each run as a real one-household
workbook through reading, validation and classification."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import write_workbook
from ngheo_cli.io.workbook import read_grids
from ngheo_cli.pipeline import run_classification
from ngheo_cli.standards.load import builtin_dir, builtin_ids, load_standard

CASE_FILES = sorted((builtin_dir() / "cases").glob("*.yaml"))


def all_cases():
    for path in CASE_FILES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for number, case in enumerate(spec["cases"], start=1):
            yield pytest.param(spec["standard"], spec["review_year"], case, id=f"{path.stem}:{number}:{case['name'][:60]}")


def test_every_shipped_standard_has_legal_cases():
    assert {p.stem for p in CASE_FILES} >= set(builtin_ids())


def case_workbook(tmp_path: Path, standard_id: str, case: dict) -> Path:
    standard = load_standard(standard_id).model
    household = {"Mã hộ": "CASE-1", **case["household"]}
    if "deprived_in" in case:
        for indicator in standard.indicators:
            answer = "x" if indicator.id in case["deprived_in"] else "0"
            household[f"Thiếu hụt: {indicator.name.vi}"] = "" if indicator.id in case.get("blank_in", []) else answer
    sheets = {"Hộ": [list(household), list(household.values())]}
    members = case.get("members") or []
    if members:
        headers = ["Mã hộ"] + sorted({k for m in members for k in m}, key=lambda h: list(members[0]).index(h) if h in members[0] else 99)
        sheets["Thành viên"] = [headers] + [["CASE-1"] + [m.get(h, "") for h in headers[1:]] for m in members]
    return write_workbook(tmp_path / "case.xlsx", sheets, title="DANH SÁCH HỘ GIA ĐÌNH")


@pytest.mark.parametrize("standard_id, year, case", list(all_cases()))
def test_legal_case(tmp_path, standard_id, year, case):
    path = case_workbook(tmp_path, standard_id, case)
    result = run_classification(read_grids(path), load_standard(standard_id), path.name, year=year,
                                strict=case.get("strict", False))
    assert result.counts.rejected == 0, result.problems.to_frame("en").to_string()
    row = result.roster.iloc[0]
    for column, expected in case["expect"].items():
        actual = row[column]
        if expected is None:
            assert pd.isna(actual), f"{column}: expected missing, got {actual!r}"
        else:
            assert not pd.isna(actual) and actual == expected, f"{column}: expected {expected!r}, got {actual!r}; reason: {row['reason']}"
    if "reason_contains" in case:
        assert case["reason_contains"] in row["reason"]
