"""Tables on the terminal: a figure is shown whole whatever the terminal's width, never cut to
"110…" (which an officer reads as 110)."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from ngheo_cli.report import _summary_table
from ngheo_cli.tables import fitted_table


def rendered(table, width: int) -> str:
    console = Console(file=io.StringIO(), force_terminal=True, color_system=None, width=width, soft_wrap=True)
    console.print(table)
    return console.file.getvalue()


def cells_of(text: str) -> list[list[str]]:
    """Each printed line's cells, split at rich's column rules."""
    return [[cell.strip() for cell in re.split("[│┃]", line)] for line in text.splitlines()]


def test_a_city_summary_keeps_every_figure_and_column_on_an_80_column_terminal():
    summary = pd.DataFrame({
        "ward": ["Phường Cầu Giấy", "Phường Hoàng Quốc Việt Mới", "Tổng cộng"],
        "households": [110_655, 889_345, 1_000_000], "poor": [16_532, 93_981, 110_513],
        "near_poor": [8_128, 45_875, 54_003], "middle_income": [17_709, 112_362, 130_071],
        "not_poor": [68_286, 637_127, 705_413], "undetermined": [0, 0, 0], "rejected": [0, 12, 12],
    })
    for width in (60, 80, 120):
        console = Console(file=io.StringIO(), force_terminal=True, color_system=None, width=width, soft_wrap=True)
        _summary_table(console, SimpleNamespace(summary=summary), "vi")
        text = console.file.getvalue()
        assert "…" not in text, (width, text)
        rows = [cells for cells in cells_of(text) if len(cells) == 8 and cells[1].isdigit()]
        assert [row[1:] for row in rows] == [[str(v) for v in summary.iloc[i, 1:]] for i in range(3)], text
        assert "Lỗi" in text and "Cận" in text  # the last column and the wrapped headers are there


@given(
    figures=st.lists(st.lists(st.integers(0, 10**9), min_size=3, max_size=3), min_size=1, max_size=4),
    names=st.lists(st.text("aăbcdđeêghiklmnoôơpqrstuưvxyàảãáạ ", min_size=1, max_size=40), min_size=4, max_size=4),
    width=st.integers(20, 160),
)
def test_every_figure_is_printed_whole_in_its_column_at_any_width(figures, names, width):
    rows = [[names[i].strip() or "-", *(str(v) for v in row)] for i, row in enumerate(figures)]
    text = rendered(fitted_table(["Phường/Xã", "Số hộ", "Nghèo", "Không nghèo"], rows, [False, True, True, True]), width)
    assert "…" not in text
    printed = [cells[1:4] for cells in cells_of(text) if len(cells) == 4 and cells[1].isdigit()]
    assert printed == [row[1:] for row in rows]
