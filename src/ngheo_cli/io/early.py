"""A survey's CSV or Parquet files read by Arrow in a background thread, started before the
engine's modules are loaded: loading them (pandas alone takes half a second) keeps one core
busy with Python, and the read's C code runs on the others. No pandas here."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path


class EarlyRead:
    """Reads the files one after the other (each on all cores); `take(path)` hands one file's
    result over once: its Arrow table (or columns, for Parquet), None for a CSV that is not a
    clean rectangle of UTF-8 text, or the error its reading raised."""

    def __init__(self, paths: list[Path]) -> None:
        self._results: dict[Path, Future] = {path: Future() for path in paths}
        threading.Thread(target=self._read_all, args=(list(self._results.items()),), name="ngheo-early-read",
                         daemon=True).start()  # (a daemon: a run that stops on an error does not wait for it)

    @staticmethod
    def _read_all(results: list[tuple[Path, Future]]) -> None:
        from ngheo_cli.io.arrow_csv import read_csv_table
        from ngheo_cli.io.parquet import read_text_columns

        for path, result in results:
            try:
                read = read_text_columns if path.suffix.lower() == ".parquet" else read_csv_table
                result.set_result(read(path))
            except BaseException as exc:  # raised where the result is taken
                result.set_exception(exc)

    def take(self, path: Path) -> Future | None:
        """This file's result, waited for with .result(), once (None: not read here)."""
        return self._results.pop(path, None)
