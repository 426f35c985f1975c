"""Tables for the terminal whose figures are never cut short.

Rich fits a table to the terminal by shortening cells: on an 80-column terminal a city's
summary showed "110…" for 110,655 households and "10000…" for 1,000,000, and dropped its last
column, which an officer reads as a figure. Here every figure column is at least as wide as its
widest figure; headers and text (a ward's name) wrap onto more lines instead. A table too wide
for the terminal even so runs past its edge, whole."""

from __future__ import annotations

from typing import Sequence

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

TEXT_MIN_WIDTH = 16  # a text column keeps this much (or its widest cell) before it wraps


def fitted_table(headers: Sequence[str], rows: Sequence[Sequence[str]], figures: Sequence[bool], **options) -> Table:
    """A table of `rows` (cells as rich markup) under `headers`; column i holds figures (right
    aligned, never narrower than its widest cell or header word) where `figures[i]`, else text
    (left aligned, wrapped past TEXT_MIN_WIDTH). `options` go to rich's Table (title, styles)."""
    table = Table(show_edge=False, header_style="bold", **options)
    for i, (header, figure) in enumerate(zip(headers, figures)):
        widest = max([0] + [cell_len(_plain(row[i])) for row in rows] + [cell_len(word) for word in _plain(header).split()])
        table.add_column(header, justify="right" if figure else "left", overflow="fold",
                         min_width=widest if figure else min(widest, TEXT_MIN_WIDTH))
    for row in rows:
        table.add_row(*row)
    return table


def _plain(cell: str) -> str:
    """The text a cell shows (its markup, such as [green]…[/], takes no room)."""
    return Text.from_markup(cell).plain
