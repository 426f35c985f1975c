"""Parquet cells as the text every other survey format gives the checker.

A Parquet file's columns are typed (numbers, yes/no as booleans, text, dates). Each becomes an
Arrow text column holding what a spreadsheet shows for its values, so that one set of parsers
(io/cells.py) reads every format, in C, and a whole-file run and a run in chunks read the same
cells. Turning them into Python objects instead cost 3 times the time and 2.5 times the memory
of a CSV of the same survey.
"""

from __future__ import annotations

_WHOLE_FLOATS = 2.0**63  # whole floats below this are written as the whole number (int64), like "101" for 101.0


def data_columns(schema) -> list[str]:
    """The names of a file's columns, without an index pandas stored along with the data."""
    stored_index = (schema.pandas_metadata or {}).get("index_columns", [])
    return [name for name in schema.names if name not in {c for c in stored_index if isinstance(c, str)}]


def as_text(column):
    """One column (Arrow array or chunked array) as large_string, missing where it was missing:
    whole floats without ".0" (101.0 -> "101", as a workbook's text cells read), NaN as missing,
    dates in ISO form, true/false for booleans, other values as Python writes them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        return as_text(column.cast(kind.value_type))
    if pa.types.is_floating(kind):
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, kind), column)
        whole = pc.and_(pc.equal(pc.floor(column), column), pc.less(pc.abs(column), _WHOLE_FLOATS))
        as_int = pc.if_else(whole, column, pa.scalar(None, kind)).cast(pa.int64())
        return pc.if_else(whole, as_int.cast(pa.large_string()), column.cast(pa.large_string()))
    if (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
            or pa.types.is_boolean(kind) or pa.types.is_decimal(kind) or pa.types.is_date(kind)
            or pa.types.is_null(kind) or getattr(pa.types, "is_string_view", lambda _: False)(kind)):
        return column.cast(pa.large_string())
    return pa.array([None if v is None else _python_text(v) for v in column.to_pylist()], type=pa.large_string())


def _python_text(value: object) -> str:
    """Text of a value with no Arrow cast to text (times, lists, bytes): what the workbook path writes."""
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if isoformat else str(value)


def text_table(table):
    """Every column of an Arrow table as text (as_text), under the same names."""
    import pyarrow as pa

    return pa.table({name: as_text(table.column(i)) for i, name in enumerate(table.column_names)})


def read_text_columns(path) -> list:
    """A Parquet file as Arrow text columns, each headed by its column name (row 1 of the grid).
    The chunks are kept as they are (no copy into one piece)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = data_columns(pq.read_schema(path))
    table = pq.read_table(path, columns=names)
    columns = []
    for name in names:
        text = as_text(table.column(0))
        table = table.remove_column(0)  # each typed column let go of once it is text
        chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
        columns.append(pa.chunked_array([pa.array([name], type=pa.large_string()), *chunks], type=pa.large_string()))
    return columns
