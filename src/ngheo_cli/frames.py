"""Small helpers for column work that stays fast on millions of rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from ngheo_cli.parallel import thread_map


@dataclass
class Spelled:
    """A text per row, kept as each distinct text once (`texts`, Arrow, its last slot missing)
    and each row's position among them (`codes`). Survey columns repeat, so each text is made
    once in Python; rows are copied out by Arrow's take only where needed (the reasons take
    each field for one rule's rows), never through a column of Python strings."""

    texts: object
    codes: np.ndarray

    @classmethod
    def of(cls, values: pd.Series | np.ndarray, spell: Callable[[object], str | None]) -> Spelled:
        """`spell` once per distinct non-missing value; missing values stay missing."""
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        return cls.from_codes([spell(v) for v in distinct], codes)

    @classmethod
    def from_codes(cls, texts: list, codes: np.ndarray) -> Spelled:
        import pyarrow as pa

        return cls(pa.array([*texts, None], type=pa.large_string()), np.where(codes < 0, len(texts), codes))

    def rows(self, rows: np.ndarray):
        """The texts of these rows, as an Arrow array."""
        import pyarrow as pa

        return self.texts.take(pa.array(self.codes[rows]))

    def column(self, index: pd.Index) -> pd.Series:
        """Every row's text, as a "string" column."""
        import pyarrow as pa

        return pd.Series(pd.arrays.ArrowStringArray(self.texts.take(pa.array(self.codes))), index=index)

    def where(self, condition: np.ndarray, other: Spelled) -> Spelled:
        """This text where `condition` holds, `other`'s elsewhere."""
        import pyarrow as pa

        texts = pa.concat_arrays([other.texts, self.texts])
        return Spelled(texts, np.where(condition, self.codes + len(other.texts), other.codes))


def map_distinct(series: pd.Series, fn: Callable[[object], object], dtype: str | None = None) -> pd.Series:
    """`fn` once per distinct non-missing value, spread back with a dict lookup.

    Survey columns repeat (wards, classes, areas), so this costs thousands of Python calls
    instead of millions. Missing values stay missing. Text results (`dtype="string"`) are
    spread by Arrow's take, without a column of Python strings in between.
    """
    if dtype == "string":
        return Spelled.of(series, fn).column(series.index)
    if dtype is None and isinstance(series.array, pd.arrays.ArrowStringArray):
        mapped = _map_arrow_text(series, fn)
        if mapped is not None:
            return mapped
    table = {value: fn(value) for value in series.dropna().unique()}
    out = series.map(table)
    return out.astype(dtype) if dtype else out


def _map_arrow_text(series: pd.Series, fn: Callable[[object], object]) -> pd.Series | None:
    """map_distinct of Arrow text whose results are texts, as pandas' map gives them (its "str"
    dtype: NaN for missing) but looked up by one dictionary encoding and spread by Arrow's take:
    pandas' map hashes every cell again as a Python string (1 s for a million wards). None when
    a result is not a text, or none is."""
    import pyarrow as pa

    codes, dictionary = dictionary_codes(series)
    results = [fn(value) for value in dictionary.to_pylist()]
    texts_only = all(result is None or type(result) is str for result in results)
    if not texts_only or not any(type(result) is str for result in results):
        return None  # (pandas gives other types to a column with nothing mapped to a text)
    texts = pa.array([*results, None], type=pa.large_string())
    taken = texts.take(pa.array(np.where(codes < 0, len(results), codes)))
    return pd.Series(pd.arrays.ArrowStringArray(taken, dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
                     index=series.index, copy=False)


def category_as_text(values):
    """A category column (parse_category gives pandas categoricals: one byte per row) as a
    "string" column, for where text is the contract (the roster, comparisons with text);
    anything else unchanged."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()  # spread by Arrow (pandas' astype took 0.13 s per million rows)
        return text_from_codes([str(c) for c in values.cat.categories], codes, values.index)
    return values


def arrow_text(text: pd.Series | pd.arrays.ArrowStringArray):
    """The Arrow array behind an Arrow-backed text column or array, in one piece."""
    import pyarrow as pa

    array = text.array if isinstance(text, pd.Series) else text
    return one_array(pa.chunked_array(array._pa_array))


def dictionary_codes(text) -> tuple[np.ndarray, object]:
    """The distinct values of an Arrow text column (pandas or Arrow) and each cell's code into
    them (-1 for a missing cell), by one dictionary encoding in C. The column's chunks (one per
    block the CSV reader read) are encoded as they are, not copied into one first. The codes are
    numpy's index type (64-bit): each take with 32-bit codes (values[codes]) converts them to
    it first, eight bytes of fresh memory per row each time (a column's check: 11-13% faster,
    BENCHMARKS.md)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(text, pd.Series):
        text = text.array
    if isinstance(text, pd.arrays.ArrowStringArray):
        text = text._pa_array
    encoded = pc.dictionary_encode(text)
    if isinstance(encoded, pa.ChunkedArray):
        if encoded.num_chunks == 0:
            return np.zeros(0, dtype=np.intp), pa.array([], type=text.type)
        dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
        if any(len(chunk.dictionary) != len(dictionary) for chunk in encoded.chunks):  # (Arrow gives every chunk the whole dictionary)
            encoded = encoded.unify_dictionaries()
            dictionary = encoded.chunk(0).dictionary
        indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks], type=pa.int32())
    else:
        dictionary, indices = encoded.dictionary, encoded.indices
    if indices.null_count:
        indices = indices.fill_null(-1)
    codes = np.empty(len(indices), dtype=np.intp)  # (the chunks copied into it once, widened on the way)
    chunks = [chunk.to_numpy(zero_copy_only=False) for chunk in
              (indices.chunks if isinstance(indices, pa.ChunkedArray) else [indices])]
    if chunks:
        np.concatenate(chunks, out=codes)
    return codes, dictionary


def text_from_codes(texts: list, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """A "string" column whose row i is texts[codes[i]] (missing where the code is -1 or the
    text is None), spread by Arrow's take: no column of Python strings in between."""
    return Spelled.from_codes(texts, codes).column(index)


def categorical_from_codes(labels: list, codes: np.ndarray, categories: list[str], index: pd.Index) -> pd.Series:
    """A column whose row i is labels[codes[i]] (missing where the code is -1 or the label is
    None; every label is one of `categories`), as a pandas categorical of the categories: one byte
    per row, where text costs its characters and eight bytes of offsets. text_from_codes is its
    text twin."""
    position = {value: i for i, value in enumerate(categories)}
    small = np.int8 if len(categories) < 127 else np.int32
    recode = np.array([position[v] if v is not None else -1 for v in labels] + [-1], dtype=small)
    values = pd.Categorical.from_codes(recode[codes], dtype=pd.CategoricalDtype(pd.Index(categories, dtype="string")),
                                       validate=False)  # (every code made here is one of them, or -1)
    return pd.Series(values, index=index, copy=False)


def flag_bits(columns: list[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's flags as one integer, bit i for column i: where the flag is true (missing counts
    as false), and where it is missing. As narrow as the number of columns allows (16 bits for
    a standard's dozen indicators): a million rows' 64-bit shifts cost a fresh 8 MB array each."""
    width = next((dtype for dtype in (np.uint8, np.uint16, np.uint32, np.uint64) if np.iinfo(dtype).bits >= len(columns)),
                 None)
    if width is None:
        raise ValueError(f"{len(columns)} flags do not fit in one 64-bit integer per row")
    rows = len(columns[0]) if columns else 0
    true, missing = np.zeros(rows, dtype=width), np.zeros(rows, dtype=width)
    for i, column in enumerate(columns):
        shift = width(i)
        true |= column.to_numpy(dtype=bool, na_value=False).astype(width) << shift
        if column.hasnans:
            missing |= column.isna().to_numpy().astype(width) << shift
    return true, missing


_BITS_IN_BYTE = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.uint8)


def bit_count(bits: np.ndarray) -> np.ndarray:
    """How many bits are set in each integer of flag_bits (as int64)."""
    per_byte = _BITS_IN_BYTE[bits.view(np.uint8)].reshape(len(bits), bits.itemsize)
    return per_byte.sum(axis=1, dtype=np.int64)


def is_bool(value: object) -> bool:
    return isinstance(value, (bool, np.bool_))


def is_number(value: object) -> bool:
    """A number, Python's or numpy's, but not a yes/no (bool is an int in Python)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not is_bool(value)


def is_blank(cell: object) -> bool:
    """A cell that holds nothing: None, NA, NaN, or only spaces (one cell; `filled` is per frame)."""
    if cell is None or cell is pd.NA:
        return True
    if isinstance(cell, float) and cell != cell:
        return True
    return isinstance(cell, str) and not cell.strip()


def filled(frame: pd.DataFrame) -> pd.DataFrame:
    """True where a cell holds something: not None/NaN and not only spaces.

    Text is checked once per distinct value (factorize, then strip the uniques): a column of a
    million cells holds a few thousand distinct texts, or is all ids that are never blank.
    Columns are checked at once in threads (parallel.py).
    """
    columns = [frame.iloc[:, position] for position in range(frame.shape[1])]
    flags = list(thread_map(_filled_column, columns))
    mask = np.column_stack(flags) if flags else np.zeros(frame.shape, dtype=bool)
    return pd.DataFrame(mask, index=frame.index, columns=frame.columns)


def filled_rows(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """`filled` of some rows (positions), as a rows x columns array: each column is checked whole
    and the rows' flags taken, cheaper than copying those rows' cells out first."""
    columns = [frame.iloc[:, position] for position in range(frame.shape[1])]
    flags = [flags[rows] for flags in thread_map(_filled_column, columns)]
    return np.column_stack(flags) if flags else np.zeros((len(rows), 0), dtype=bool)


def _filled_column(values: pd.Series) -> np.ndarray:
    if isinstance(values.array, pd.arrays.ArrowStringArray):  # CSV and Parquet text: in C
        import pyarrow.compute as pc

        column = values.array._pa_array  # something: not empty and not all whitespace (no copy made)
        if all(plain_ascii(chunk) for chunk in column.chunks):  # (ids: every cell that is there holds something)
            return np.ones(len(column), dtype=bool) if not column.null_count else pc.is_valid(column).to_numpy()
        some = pc.fill_null(pc.and_not(pc.greater(pc.binary_length(column), 0), pc.utf8_is_space(column)), False)
        return some.to_numpy().astype(bool, copy=False) if hasattr(some, "to_numpy") else np.asarray(some, dtype=bool)
    mask = values.notna().to_numpy(copy=True)
    if values.dtype != object:
        return mask  # numbers, booleans, dates: notna says it all
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    blank = np.fromiter((isinstance(u, str) and not u.strip() for u in uniques), dtype=bool, count=len(uniques))
    if blank.any():
        mask &= ~np.append(blank, False)[codes]
    return mask


def is_in(series: pd.Series, values) -> pd.Series:
    """Membership by hash lookup (Series.isin is slow per row on Arrow-backed text): Arrow's
    is_in for Arrow text, a pandas Index lookup otherwise. Missing never matches."""
    if isinstance(series.array, pd.arrays.ArrowStringArray):
        import pyarrow as pa
        import pyarrow.compute as pc

        wanted = values.array if isinstance(values, pd.Series) and isinstance(values.array, pd.arrays.ArrowStringArray) else None
        value_set = (arrow_text(wanted) if wanted is not None
                     else pa.array([v for v in values if isinstance(v, str)], type=pa.large_string()))
        column = series.array._pa_array
        hit = pc.is_in(column, value_set=value_set.cast(column.type), skip_nulls=True)
        return pd.Series(hit.to_numpy(zero_copy_only=False).astype(bool, copy=False), index=series.index, copy=False)
    lookup = pd.Index(pd.Series(list(values), dtype=object).dropna().unique())
    return pd.Series(lookup.get_indexer(series) >= 0, index=series.index, copy=False)


def taken_at(values: pd.Series, positions: np.ndarray, index: pd.Index) -> pd.Series:
    """values[positions] by position (as from position_in), missing where a position is -1,
    under `index`: one lookup of the rows, shared by every column taken from them (a pandas
    reindex or map by text labels hashes a city's ids again for each column)."""
    return values.reset_index(drop=True).reindex(positions).set_axis(index)


def blanked(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """`values` missing at `rows` (booleans), else as they are: values.mask(rows), without
    copying what stays (a masked column gets a new mask over the same numbers; Arrow text, one
    if_else). pandas' mask copies the column and its mask twice; for the 25 columns a rejected
    household blanks that was 0.2 s at a million households."""
    array = values.array
    if isinstance(array, pd.arrays.ArrowStringArray):
        return replaced(values, rows, None)
    if isinstance(array, (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)):
        return pd.Series(type(array)(array._data, array._mask | rows), index=values.index, copy=False)
    return values.mask(pd.Series(rows, index=values.index))


def replaced(values: pd.Series, rows: np.ndarray, new: str | None | np.ndarray) -> pd.Series:
    """Text `values` with `new` (one text, None for missing, or a text per row of `rows`, in
    order) at `rows` (booleans): for Arrow text one Arrow kernel, where pandas' setitem on Arrow text took 0.12 s
    per column at a million households."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = values.array
    if not isinstance(array, pd.arrays.ArrowStringArray):  # (any other column: pandas' setitem)
        values = values.copy()
        values[rows] = new
        return values
    text = array._pa_array
    if new is None or isinstance(new, str):
        changed = pc.if_else(pa.array(rows), pa.scalar(new, text.type), text)
    else:
        changed = pc.replace_with_mask(text, pa.array(rows), pa.array(new, type=text.type))
    return pd.Series(type(array)(changed, dtype=values.dtype), index=values.index, copy=False)


def first_positions(series: pd.Series) -> np.ndarray:
    """For each cell, the position of the first cell equal to it (itself when it is the first);
    -1 for a missing cell. Arrow text by one dictionary encoding; position_in(series, series)
    otherwise."""
    if not isinstance(series.array, pd.arrays.ArrowStringArray):
        return position_in(series, series)
    if in_numbering_order(series.array._pa_array):  # every cell differs from all the others
        return np.arange(len(series), dtype=np.int64)
    codes, dictionary = dictionary_codes(series)
    first = first_of_each(codes, len(dictionary) + 1)  # the last slot: missing (code -1)
    first[-1] = -1
    return first[codes]


def in_numbering_order(text) -> bool:
    """Whether each cell of an Arrow text column is longer than the one before it, or as long and
    after it in byte order (no cell missing). Ids numbered in order ("H1", "H2", ... "H10", or
    "0001", "0002") are, and are then all different: found by two comparisons of neighbours,
    where hashing a city's million ids took 0.3 s."""
    import pyarrow.compute as pc

    if text.null_count:
        return False
    if len(text) < 2:
        return True
    lengths = pc.binary_length(text)
    after, before = text.slice(1), text.slice(0, len(text) - 1)
    longer = pc.greater(lengths.slice(1), lengths.slice(0, len(text) - 1))
    if pc.all(longer).as_py():
        return True
    as_long = pc.equal(lengths.slice(1), lengths.slice(0, len(text) - 1))
    return pc.all(pc.or_(longer, pc.and_(as_long, pc.greater(after, before)))).as_py()


def plain_ascii(values) -> bool:
    """Whether every value of an Arrow text array (missing ones aside) is ASCII without
    whitespace or control characters, none empty: ids, codes, numbers. Read off the smallest and
    largest byte of its text, no array as long as the column made."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if values.type not in (pa.string(), pa.large_string()) or pc.any(pc.equal(values, "")).as_py():
        return False
    smallest, largest = byte_range(values)  # (no text at all: every value missing)
    return smallest > ord(" ") and largest < 0x80  # (all of ASCII's whitespace is <= " ")


def byte_range(values) -> tuple[int, int]:
    """The smallest and largest byte of an Arrow text array's values ((255, 0) when they hold no
    byte), read off its data buffer: a test on every character without an array per value."""
    offsets, data = text_buffers(values)
    text = data[offsets[0]:offsets[-1]]
    return (int(text.min()), int(text.max())) if len(text) else (255, 0)


def text_buffers(array) -> tuple[np.ndarray, np.ndarray]:
    """An Arrow text (or binary) array's value offsets, its own len + 1 of them (int32 or int64
    as stored), and the bytes they point into (at least one, zero, when there are none): numpy
    views of its buffers, no copy."""
    import pyarrow as pa

    _, offset_buffer, data_buffer = array.buffers()
    wide = array.type in (pa.large_string(), pa.large_binary())
    if offset_buffer is None:  # (an empty array may have no buffers)
        offsets = np.zeros(len(array) + 1, dtype=np.int64 if wide else np.int32)
    else:
        offsets = np.frombuffer(offset_buffer, dtype=np.int64 if wide else np.int32)[array.offset:array.offset + len(array) + 1]
    has_data = data_buffer is not None and data_buffer.size
    return offsets, np.frombuffer(data_buffer, dtype=np.uint8) if has_data else np.zeros(1, dtype=np.uint8)


def first_bytes(text) -> np.ndarray:
    """The first byte of each value of an Arrow text column (0 for an empty or missing value),
    read from its buffers: a test on how values start (a spreadsheet formula's "=") without a
    pass of Arrow's string functions per character tested."""
    import pyarrow as pa

    parts = [np.zeros(0, dtype=np.uint8)]
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        if not len(chunk):
            continue
        offsets, data = text_buffers(chunk)
        starts = offsets[:-1]
        first = np.where(offsets[1:] > starts, data[np.minimum(starts, len(data) - 1)], 0).astype(np.uint8)
        if chunk.null_count:  # (a missing value's slot may still span bytes)
            first[~chunk.is_valid().to_numpy(zero_copy_only=False)] = 0
        parts.append(first)
    return np.concatenate(parts)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mixed(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the result depends on every bit of z. In place (z is
    changed and returned): no new array per step."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def hash_texts(text) -> np.ndarray:
    """A 64-bit hash of each value of an Arrow text array (no value missing), the same for the same
    text in any array: its length, then its bytes eight at a time, each step mixed in. Read
    straight from Arrow's buffers by numpy, where hashing Python strings took four times as long
    (a chunked run hashes every household id of a country's file twice)."""
    import pyarrow as pa

    if isinstance(text, pa.ChunkedArray):
        text = one_array(text)
    offsets, data = text_buffers(text)
    offsets = offsets.astype(np.int64, copy=False)
    start, end = int(offsets[0]), int(offsets[-1])
    padded = np.zeros(end - start + 8, dtype=np.uint8)  # (the last value's last word reads 8 bytes)
    padded[:end - start] = data[start:end]
    words = np.ndarray(shape=(end - start + 1,), dtype="<u8", buffer=padded, strides=(1,))  # word i: bytes i..i+7
    starts, lengths = offsets[:-1] - start, np.diff(offsets)
    hashes = _mixed((lengths.astype(np.uint64) + np.uint64(1)) * _GOLDEN)  # (+1: not 0 for an empty text)
    rows = None  # the values with bytes at `at` (None: all of them, as for ids of one length: no indexing)
    for at in range(0, int(lengths.max(initial=0)), 8):
        left = (lengths if rows is None else lengths[rows]) - at
        has_bytes = left > 0  # only values with bytes here are mixed: a value's hash never
        if rows is not None or not has_bytes.all():  # depends on how long the others are
            rows = np.flatnonzero(has_bytes) if rows is None else rows[has_bytes]
            left = left[has_bytes]
        word = words[(starts if rows is None else starts[rows]) + at]
        short = left < 8
        if short.any():  # keep only the value's own bytes of its last word
            word[short] &= (np.uint64(1) << (np.uint64(8) * left[short].astype(np.uint64))) - np.uint64(1)
        if rows is None:
            hashes ^= word
            _mixed(hashes)
        else:
            hashes[rows] = _mixed(hashes[rows] ^ word)
    return hashes


def first_of_each(codes: np.ndarray, count: int) -> np.ndarray:
    """For each code 0..count-1, the position of its first cell (-1 for a code no cell has)."""
    first = np.full(count, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # written last, so the first position wins
    return first


def combinations(codes: list[np.ndarray], sizes: list[int], rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows that share a value in every one of several coded columns (codes[i] in
    0..sizes[i]-1) share a combination: each row's combination number, and the first row of
    each combination. Work done once per combination (spelling a reason) is then done for the
    few distinct ones, not for every row."""
    key, span = np.zeros(rows, dtype=np.int64), 1
    for column, size in zip(codes, sizes):
        if span * size >= 2**62:  # the key would overflow: number the combinations so far first
            key, so_far = pd.factorize(key)
            key, span = key.astype(np.int64, copy=False), len(so_far)
        key = key * size + column
        span *= size
    number, distinct = pd.factorize(key)
    return number, first_of_each(number, len(distinct))


def groups_by_key(keys: np.ndarray, values: list) -> tuple[np.ndarray, list[list]]:
    """Each distinct key (sorted) and its values in their order: one sort and a slice per key,
    where a pandas groupby calls back into Python per group (1.7 s for 35,000 households with
    rejected members, 2.4 s for 100,000 ids typed twice)."""
    order = np.argsort(keys, kind="stable")
    ordered_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered_keys[1:] != ordered_keys[:-1]]) if len(keys) else np.zeros(0, int)
    ordered = [values[i] for i in order.tolist()]
    bounds = [*starts.tolist(), len(ordered)]
    return ordered_keys[starts], [ordered[a:b] for a, b in zip(bounds, bounds[1:])]


def joined_by_key(keys: np.ndarray, texts: list, separator: str) -> pd.Series:
    """The texts of each distinct key joined in their order, indexed by the key (sorted)."""
    distinct, groups = groups_by_key(keys, texts)
    return pd.Series([separator.join(group) for group in groups], index=distinct, dtype=object)


def tied_positions(ordered: np.ndarray) -> np.ndarray:
    """The positions, ascending, of the values of a sorted array equal to a neighbour."""
    tied = np.flatnonzero(ordered[1:] == ordered[:-1])
    return np.unique(np.concatenate([tied, tied + 1]))


def stable_order(keys: np.ndarray) -> np.ndarray:
    """np.argsort(keys, kind="stable") for 64-bit unsigned keys (hashes), the same permutation,
    by numpy's plain sort: argsort's indirect comparisons miss the cache on every step (10,000,000
    hashes: 2.75 s, where sorting them takes 0.2). Each key's low bits are replaced by its
    position and those packed keys are sorted; keys whose remaining high bits tie are put in
    order again by their whole value (rare among hashes, correct whatever their number)."""
    n = len(keys)
    bits = np.uint64(max(n - 1, 1).bit_length())
    low = (np.uint64(1) << bits) - np.uint64(1)
    packed = keys & ~low
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    high = packed >> bits
    packed &= low
    order = packed.view(np.int64)  # (positions: far below 2**63)
    at = tied_positions(high)  # (ascending: tied groups lie in key order)
    if len(at):
        positions = order[at]
        order[at] = positions[np.lexsort((positions, keys[positions]))]
    return order


class SortedHashes:
    """Sorted 64-bit hashes (spread evenly over their range), searched through a table of where
    each range of their top bits begins: a search reads about three places of memory, where a
    binary search over a country's hashes reads twenty-odd (each a cache miss: 35 batches of
    285,000 members' ids among 10,000,000 households' hashes took 4.7 s by np.searchsorted with
    the ids sorted first, 2.5 s here). The table holds 2 to 4 bytes per hash."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        bits = max(1, len(values).bit_length() - 2)  # (2 to 4 hashes per range on average)
        self._shift = np.uint64(64 - bits)
        counts = np.bincount((values >> self._shift).astype(np.intp), minlength=1 << bits)
        self._starts = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=self._starts[1:])

    def search(self, needles: np.ndarray) -> np.ndarray:
        """np.searchsorted(values, needles): where each needle is, or would go, among the values."""
        bucket = (needles >> self._shift).astype(np.intp)
        at, end = self._starts[bucket], self._starts[bucket + 1]
        moving = np.flatnonzero(at < end)  # (the needles whose place is not yet found)
        while len(moving):  # one step along every range at once: as many steps as the longest range
            moving = moving[self.values[at[moving]] < needles[moving]]
            at[moving] += 1
            moving = moving[at[moving] < end[moving]]
        return at


def runs(column) -> tuple:
    """An Arrow text column's runs of equal neighbouring cells: the first cell of each run (one
    array), and each cell's run number (None when no two neighbours are equal: every cell is a
    run of its own, or when more than half the cells start a run, so that the heads would be
    nearly a copy of the column; the column is then given back, in one piece). Members are listed
    under their household, so their household ids come in runs, and work done once per run is
    done for a third of the rows. Missing cells are runs of one. A chunked column (as read) is
    not joined: only its heads are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(column) < 2:
        return one_array(column), None
    starts = np.ones(len(column), dtype=bool)
    same = pc.equal(column.slice(1), column.slice(0, len(column) - 1))
    starts[1:] = ~same.fill_null(False).to_numpy(zero_copy_only=False)
    if 2 * np.count_nonzero(starts) > len(column):  # mostly runs of one: not worth a copy of the heads
        return one_array(column), None
    run_of = np.cumsum(starts, dtype=np.int32)  # (int32: a twentieth of the time of the default int64 here)
    run_of -= 1
    return one_array(column.filter(pa.array(starts))), run_of


def one_array(array):
    """An Arrow array as it is; a chunked one as one array (its only chunk as it is: combining
    copies even one)."""
    import pyarrow as pa

    if not isinstance(array, pa.ChunkedArray):
        return array
    return array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()


def rows_on_list(ids: pd.Series, listed_ids: pd.Series) -> np.ndarray:
    """Each id's row on a list whose ids are unique (a year's list of households), -1 when not
    on it: position_in, which needs no lookup when the ids come in the list's own order."""
    return position_in(ids, listed_ids, np.arange(len(listed_ids)))


def position_in(series: pd.Series, values: pd.Series, first_of_values: np.ndarray | None = None) -> np.ndarray:
    """For each cell of `series`, the position of the first equal cell in `values`, -1 if none;
    missing never matches (Arrow's index_in for Arrow text; a pandas Index lookup otherwise).
    `first_of_values`: first_positions(values), when known; then a members sheet that lists
    every household's members together, in the households' order, needs no lookup at all."""
    if isinstance(series.array, pd.arrays.ArrowStringArray) and isinstance(values.array, pd.arrays.ArrowStringArray):
        import pyarrow.compute as pc

        # members are listed under their household: each run of equal ids looked up once
        heads, run_of = runs(series.array._pa_array)
        lookup = arrow_text(values).cast(heads.type)
        if first_of_values is not None and heads.equals(lookup):  # run i is household i's members
            found = first_of_values.copy()
        else:
            found = pc.index_in(heads, value_set=lookup, skip_nulls=True)
            found = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        return found if run_of is None else found[run_of]
    values = pd.Index(values)
    first = np.flatnonzero(~values.duplicated() & values.notna())
    if not len(first):
        return np.full(len(series), -1, dtype=np.int64)
    found = pd.Index(values[first]).get_indexer(series)
    return np.where((found >= 0) & series.notna().to_numpy(), first[np.maximum(found, 0)], -1)
