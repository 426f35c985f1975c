"""Shared test helpers: real workbooks written to disk, the CLI through Typer's runner, and the
installed `ngheo` command as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from openpyxl import Workbook

# Property tests check results, not speed (speed lives in bench/): no per-example deadline, which
# a busy or virtual machine (CI) would miss now and then and report as a flaky failure.
settings.register_profile("ngheo", deadline=None)
settings.load_profile("ngheo")

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "cau-giay-2025.xlsx"
GOLDEN = Path(__file__).resolve().parent / "golden"

HOUSEHOLD_HEADERS = ["Mã hộ", "Phường/Xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)"]


def write_workbook(path: Path, sheets: dict[str, list[list]], title: str | None = None) -> Path:
    """An .xlsx with one sheet per entry (first row of each list is its header)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        if title:
            sheet.append([title])
            sheet.append([])
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def ngheo_executable() -> str:
    """The `ngheo` console script installed beside this Python (the venv CI made)."""
    candidate = Path(sys.executable).parent / ("ngheo.exe" if os.name == "nt" else "ngheo")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("ngheo")
    if found is None:
        pytest.fail("the ngheo command is not installed: run `pip install '.[test]'` first")
    return found


def run_ngheo(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ngheo_executable(), *args], cwd=cwd, input=stdin, capture_output=True, timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture()
def sample_copy(tmp_path: Path) -> Path:
    """The bundled sample, copied so a test can never touch the original."""
    target = tmp_path / SAMPLE.name
    shutil.copy(SAMPLE, target)
    return target
