"""The column helpers the engine's speed rests on give what the slow, obvious code gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


@given(st.lists(st.one_of(st.none(), st.sampled_from(["H1", "H2", "H3", "H4"])), max_size=30),
       st.sampled_from(["string", "object"]))
def test_duplicate_ids_are_found_on_every_row_they_are_on(ids, dtype):
    from ngheo_cli.validate import duplicate_rows

    column = pd.Series(ids, dtype=dtype)
    rows = pd.Series(range(2, len(ids) + 2))  # spreadsheet rows
    expected = {}
    for household_id in dict.fromkeys(i for i in ids if i is not None):
        on = [row for row, i in zip(rows, ids) if i == household_id]
        if len(on) > 1:
            expected[household_id] = on
    assert duplicate_rows(column, rows) == expected
    assert list(duplicate_rows(column, rows)) == list(expected)  # in the order the ids first appear


def test_a_run_gives_the_same_roster_and_problems_in_the_same_order_whatever_the_threads():
    """Columns are checked and indicators derived in threads; the output must not depend on it."""
    from conftest import SAMPLE

    from ngheo_cli import parallel
    from ngheo_cli.io.workbook import read_grids
    from ngheo_cli.pipeline import run_classification
    from ngheo_cli.standards.load import load_standard

    def run(threads: int):
        parallel.limit_threads(threads)
        try:
            result = run_classification(read_grids(SAMPLE), load_standard("ha-noi-2022-2025"), SAMPLE.name, year=2025)
        finally:
            parallel.limit_threads(None)
        return result.roster, result.problems.to_frame("vi")

    (one_roster, one_problems), (many_roster, many_problems) = run(1), run(8)
    assert len(one_problems) > 5  # the sample's deliberately bad rows
    pd.testing.assert_frame_equal(one_roster, many_roster)
    pd.testing.assert_frame_equal(one_problems, many_problems)


def test_thread_map_keeps_the_order_of_the_items():
    import time

    from ngheo_cli.parallel import thread_map

    def slow_first(n: int) -> int:
        time.sleep(0.02 if n == 0 else 0)
        return n * n

    assert list(thread_map(slow_first, range(10), threads=4)) == [n * n for n in range(10)]


def test_thread_map_works_at_most_twice_its_threads_ahead_of_the_reader():
    """Big results (slices of a city's CSV) must not pile up: memory stays bounded by the window."""
    import threading

    from ngheo_cli.parallel import thread_map

    started: list[int] = []
    lock = threading.Lock()

    def record(n: int) -> int:
        with lock:
            started.append(n)
        return n

    taken = []
    for n in thread_map(record, range(50), threads=3):
        with lock:
            taken.append(n)
            assert len(started) - len(taken) < 2 * 3, (len(started), len(taken))
    assert taken == list(range(50))


@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])), max_size=30),
       st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c"])), max_size=10),
       st.sampled_from(["string", "object"]))
def test_each_member_finds_the_first_household_with_its_id(cells, ids, dtype):
    """Runs of equal cells (members listed under their household) are looked up once; the
    answer must be each cell's own: the first equal id's position, -1 for none or a blank."""
    from ngheo_cli.frames import position_in

    found = position_in(pd.Series(cells, dtype=dtype), pd.Series(ids, dtype=dtype))
    assert list(found) == [ids.index(c) if c is not None and c in ids else -1 for c in cells]


@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c"])), max_size=30), st.sampled_from(["string", "object"]))
def test_each_household_row_finds_the_first_row_with_its_id(cells, dtype):
    from ngheo_cli.frames import first_positions

    found = first_positions(pd.Series(cells, dtype=dtype))
    assert list(found) == [cells.index(c) if c is not None else -1 for c in cells]


@given(st.lists(st.integers(0, 150), max_size=40), st.sampled_from(["H", "", "0", "HÀ"]), st.booleans(),
       st.lists(st.integers(0, 40), max_size=3), st.integers(1, 4))
def test_ids_numbered_in_order_find_their_first_row_like_any_other_ids(numbers, prefix, distinct, blanks, chunks):
    """Ids in numbering order ("H9", "H10", ...) are known all different without hashing; ids in
    that order but repeated, or with a blank among them, must still find their first row."""
    import pyarrow as pa

    from ngheo_cli.frames import first_positions

    cells: list = [f"{prefix}{n}" for n in sorted(set(numbers) if distinct else numbers)]
    for at in blanks:
        cells.insert(min(at, len(cells)), None)
    size = -(-len(cells) // chunks) or 1  # the column as the CSV reader gives it: in blocks
    column = pa.chunked_array([pa.array(cells[i:i + size], type=pa.large_string()) for i in range(0, len(cells), size)],
                              type=pa.large_string())
    found = first_positions(pd.Series(pd.arrays.ArrowStringArray(column)))
    assert list(found) == [cells.index(c) if c is not None else -1 for c in cells]


@given(st.lists(st.one_of(st.none(), st.sampled_from(["H1", "H2", " H1", "h1"])), max_size=40))
def test_runs_of_equal_neighbours_give_back_every_cell(cells):
    """Work done once per run (members' household ids) is spread back by the run numbers: each
    cell must get its own run's first cell, and two neighbouring runs never hold one value
    (unless the column is handed back whole: mostly runs of one)."""
    import pyarrow as pa

    from ngheo_cli.frames import runs

    heads, run_of = runs(pa.array(cells, type=pa.large_string()))
    spread = heads.to_pylist() if run_of is None else [heads[int(r)].as_py() for r in run_of]
    assert spread == cells
    values = heads.to_pylist()
    if run_of is not None:
        assert all(a != b or a is None for a, b in zip(values, values[1:]))
        assert 2 * len(values) <= len(cells)  # runs are used only where they halve the work


@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])), max_size=12),
       st.lists(st.integers(min_value=0, max_value=3), max_size=12), st.booleans())
def test_members_listed_in_household_order_find_their_household_without_a_lookup(ids, repeats, shuffle):
    """When each household's members follow one another in the households' order, the lookup is
    skipped; the answer must still be each member's first household with its id, -1 for none,
    whether or not the members are in that order (shuffled: the lookup is done)."""
    import random

    from ngheo_cli.frames import first_positions, position_in

    cells = [i for i, n in zip(ids, repeats + [1] * len(ids)) for _ in range(n)]
    if shuffle:
        random.Random(len(cells)).shuffle(cells)
    households = pd.Series(ids, dtype="string")
    found = position_in(pd.Series(cells, dtype="string"), households, first_positions(households))
    assert list(found) == [ids.index(c) if c is not None and c in ids else -1 for c in cells]


@given(st.lists(st.lists(st.one_of(st.none(), st.sampled_from(["x", "có", "", " "])), max_size=6), max_size=5))
def test_dictionary_codes_of_a_column_read_in_blocks_point_at_each_cells_value(blocks):
    """A CSV column arrives in blocks (chunks), some empty or all missing; every cell's code
    must point at its own value in the one dictionary, -1 for a missing cell."""
    import pyarrow as pa

    from ngheo_cli.frames import dictionary_codes

    column = pa.chunked_array([pa.array(b, type=pa.large_string()) for b in blocks], type=pa.large_string())
    codes, dictionary = dictionary_codes(pd.Series(pd.arrays.ArrowStringArray(column)))
    values = dictionary.to_pylist()
    cells = [c for b in blocks for c in b]
    assert [None if code < 0 else values[code] for code in codes] == cells
    assert len(set(values)) == len(values)


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 1)), max_size=40),
       st.sampled_from([[3, 4, 2], [2**40, 2**40, 2**40]]))
def test_rows_share_a_combination_exactly_when_they_share_every_code(rows, sizes):
    """The reasons are spelled once per combination of field values: two households get the same
    reason text only if every field of it is the same. The huge sizes force the key to be
    renumbered part-way (it would overflow 64 bits)."""
    import numpy as np

    from ngheo_cli.frames import combinations

    codes = [np.array([row[i] for row in rows], dtype=np.int64) for i in range(3)]
    number, first = combinations(codes, sizes, len(rows))
    assert len(number) == len(rows)
    for a in range(len(rows)):
        assert rows[first[number[a]]] == rows[a]  # the example row of a's combination has a's codes
        assert first[number[a]] == rows.index(rows[a])  # and is the first such row
        for b in range(len(rows)):
            assert (number[a] == number[b]) == (rows[a] == rows[b])
    assert len(first) == len(set(rows))


@given(st.integers(1, 70).flatmap(lambda width: st.lists(  # (a standard has one indicator at least)
    st.lists(st.sampled_from([True, False, None]), min_size=width, max_size=width), max_size=12)), st.integers(1, 70),
       st.booleans())
def test_each_rows_flags_as_bits_count_and_name_what_the_row_holds(rows, width, masked):
    """flag_bits and bit_count against each row's flags looked at one by one: bit i set where
    column i is true (missing: not true) and where it is missing, and the counts of both, for a
    standard of any number of indicators (more than 64: refused, nothing wraps around)."""
    from ngheo_cli.frames import bit_count, flag_bits

    width = len(rows[0]) if rows else width
    columns = [pd.Series([row[i] for row in rows], dtype="boolean" if masked else object) for i in range(width)]
    if not masked:  # a plain yes/no column (the blanks read as "no"): no missing cells
        columns = [column.fillna(False).astype(bool) for column in columns]
    rows = [[bool(column[r]) if not pd.isna(column[r]) else None for column in columns] for r in range(len(rows))]
    if width > 64:
        with pytest.raises(ValueError):
            flag_bits(columns)
        return
    true, missing = flag_bits(columns)
    assert [int(b) for b in true] == [sum(1 << i for i, flag in enumerate(row) if flag) for row in rows]
    assert [int(b) for b in missing] == [sum(1 << i for i, flag in enumerate(row) if flag is None) for row in rows]
    assert bit_count(true).tolist() == [sum(flag is True for flag in row) for row in rows]
    assert bit_count(missing).tolist() == [sum(flag is None for flag in row) for row in rows]


def test_a_reason_without_fields_is_the_same_text_on_every_row_of_its_rule():
    from ngheo_cli.frames import combinations

    number, first = combinations([], [], 4)
    assert list(number) == [0, 0, 0, 0] and list(first) == [0]


@given(st.lists(st.tuples(st.integers(-3, 5), st.text(alphabet="ab1", max_size=3)), max_size=40))
def test_texts_joined_by_key_are_each_keys_texts_in_their_order(pairs):
    """A household's rejected member rows, a row's problems: joined per key in the order found."""
    from ngheo_cli.frames import joined_by_key

    keys = np.array([k for k, _ in pairs], dtype=np.int64)
    joined = joined_by_key(keys, [t for _, t in pairs], "; ")
    expected: dict[int, list[str]] = {}
    for key, text in pairs:
        expected.setdefault(key, []).append(text)
    assert joined.index.tolist() == sorted(expected)
    assert joined.tolist() == ["; ".join(expected[k]) for k in sorted(expected)]


@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True, max_size=5),
       st.lists(st.sampled_from(["a", "b", "c", "x"]), max_size=12), st.booleans())
def test_a_column_taken_by_looked_up_rows_is_what_a_lookup_by_id_gives(ids, wanted, same_order):
    """The review finds each household's row on a list once and takes every column from it: each
    cell must be what a lookup of that column by id gives, missing where the id is not listed."""
    from ngheo_cli.frames import rows_on_list, taken_at

    if same_order:  # this year's list in last year's order: the lookup is skipped
        wanted = list(ids)
    listed = pd.DataFrame({"household_id": pd.Series(ids, dtype="string"),
                           "ward": pd.Series([f"P.{i}" for i in ids], dtype="string")})
    query = pd.Series(wanted, dtype="string", index=pd.RangeIndex(100, 100 + len(wanted)))
    at = rows_on_list(query, listed["household_id"])
    expected = query.map(listed.set_index("household_id")["ward"]).astype("string")
    pd.testing.assert_series_equal(taken_at(listed["ward"], at, query.index).astype("string"), expected, check_names=False)


@settings(max_examples=300)  # (cheap; the edge cases, all missing or all mapped to None, need the examples)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["Phường A", "phường a", "B", "", "C"])), max_size=20),
       st.sampled_from(["string", "str"]), st.booleans())
def test_mapping_each_distinct_text_once_gives_what_pandas_map_gives(cells, dtype, some_none):
    """Ward keys, class words: each distinct text mapped once, spread by Arrow; the column must be
    pandas' own map of the same values, type and missing cells included."""
    from ngheo_cli.frames import map_distinct

    def fn(value: str):
        return None if some_none and value == "C" else value.lower().replace("phường ", "")

    series = pd.Series(cells, dtype=dtype)
    expected = series.map({value: fn(value) for value in series.dropna().unique()})
    pd.testing.assert_series_equal(map_distinct(series, fn), expected)


@given(st.lists(st.text(alphabet=st.sampled_from(list("H0129 ạ\x00-")), max_size=19), min_size=1, max_size=30),
       st.integers(0, 5), st.integers(1, 4))
def test_an_id_hashes_the_same_in_any_batch_and_unlike_any_other_id(ids, cut, chunks):
    """A chunked run finds an id's chunk and its duplicates by its hash, computed in different
    batches of different files: the same text must give the same hash whatever else is in its
    array (longer or shorter values, slices, blocks), and different texts different hashes."""
    import pyarrow as pa

    from ngheo_cli.frames import hash_texts

    whole = pa.array(ids, type=pa.large_string())
    hashes = hash_texts(whole).tolist()
    size = -(-len(ids) // chunks)
    blocks = pa.chunked_array([whole.slice(i, size) for i in range(0, len(ids), size)], type=pa.large_string())
    assert hash_texts(blocks).tolist() == hashes
    assert hash_texts(whole.slice(min(cut, len(ids)))).tolist() == hashes[min(cut, len(ids)):]
    assert [hash_texts(pa.array([i], type=pa.string())).tolist()[0] for i in ids] == hashes
    by_text = dict(zip(ids, hashes))
    assert len(set(by_text.values())) == len(by_text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 40), st.sampled_from([2**63, 2**63 + 1, 2**64 - 1])),
                max_size=400),
       st.integers(0, 3))
def test_stable_order_is_numpys_stable_argsort(values, shift):
    """A chunked run sorts every household id's hash with it (duplicates found, members routed to the
    first row with their id): the same permutation as np.argsort(kind="stable"), with keys that
    repeat, keys whose high bits tie (small numbers, shifted into the top bits) and keys at the top."""
    from ngheo_cli.frames import stable_order

    keys = np.array(values, dtype=np.uint64)
    if shift:  # ties in the high bits only: keys that differ in their low bits alone
        keys = (keys & np.uint64(7)) << np.uint64(61 - shift) | (keys >> np.uint64(60))
    assert stable_order(keys).tolist() == np.argsort(keys, kind="stable").tolist()


def test_stable_order_on_a_city_of_hashes():
    """Large enough that the positions take 21 of the 64 bits, with ids typed twice."""
    from ngheo_cli.frames import stable_order

    keys = np.random.default_rng(7).integers(0, 2**64 - 1, 1_500_000, dtype=np.uint64)
    keys[::997] = keys[3]
    assert np.array_equal(stable_order(keys), np.argsort(keys, kind="stable"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=300), st.lists(st.integers(0, 2**64 - 1), max_size=100),
       st.integers(0, 4), st.integers(0, 2))
def test_sorted_hashes_search_as_numpys_searchsorted(values, needles, repeats, crowd):
    """A chunked run finds each member's household by its id's hash among the households' sorted
    hashes: the same places as np.searchsorted, for hashes present or not, repeated, below the
    first and above the last, crowded into one range of top bits, or none at all."""
    from ngheo_cli.frames import SortedHashes

    values = np.array(values + values[:repeats], dtype=np.uint64)
    needles = np.array(needles + values[: len(values) // 2].tolist() + [0, 2**64 - 1], dtype=np.uint64)
    if crowd:  # every value in the lowest range (or the highest), so that one range holds them all
        values, needles = values >> np.uint64(40), needles >> np.uint64(40)
        if crowd == 2:
            values, needles = values | np.uint64(0xFFFF << 48), needles | np.uint64(0xFFFF << 48)
    values.sort()
    assert SortedHashes(values).search(needles).tolist() == np.searchsorted(values, needles).tolist()


_ROSTER_DTYPES = {"Int64": st.integers(-5, 5), "Int8": st.integers(-1, 1), "Float64": st.floats(-1e9, 1e9),
                  "boolean": st.booleans(), "string[pyarrow]": st.sampled_from(["", "Phường A", "Hộ nghèo: 2.000.000 đ"]),
                  "str": st.sampled_from(["x", "nông thôn"])}


@st.composite
def columns_and_rows(draw):
    dtype = draw(st.sampled_from(sorted(_ROSTER_DTYPES)))
    cells = draw(st.lists(st.one_of(st.none(), _ROSTER_DTYPES[dtype]), max_size=40))
    rows = np.array(draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells))), dtype=bool)
    return pd.Series(cells, dtype=dtype, index=pd.RangeIndex(3, 3 + len(cells))), rows


@given(columns_and_rows())
def test_blanked_is_pandas_mask_without_the_copies(column_and_rows):
    from ngheo_cli.frames import blanked

    column, rows = column_and_rows
    before = column.copy()
    got = blanked(column, rows)
    expected = column.mask(pd.Series(rows, index=column.index))
    assert got.dtype == expected.dtype
    pd.testing.assert_series_equal(got, expected)
    pd.testing.assert_series_equal(column, before)  # the column given is not changed


@given(columns_and_rows().filter(lambda c: str(c[0].dtype) in ("string", "str")), st.booleans())
def test_replaced_is_pandas_setitem_on_text(column_and_rows, one_text):
    from ngheo_cli.frames import replaced

    column, rows = column_and_rows
    new = "rejected" if one_text else np.array([f"Bị loại: dòng {i}" for i in range(int(rows.sum()))], dtype=object)
    expected = column.copy()
    expected[rows] = new
    before = column.copy()
    got = replaced(column, rows, new)
    assert got.dtype == expected.dtype
    pd.testing.assert_series_equal(got, expected)
    pd.testing.assert_series_equal(column, before)
