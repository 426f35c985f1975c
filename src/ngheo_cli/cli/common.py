"""What every command shares: domain errors become one `Error:` line on stderr and exit 2; a
survey read while the engine loads."""

from __future__ import annotations

import functools
import sys
from enum import Enum
from pathlib import Path
from typing import Callable, TypeVar

import typer

from ngheo_cli.choices import STREAMABLE
from ngheo_cli.errors import NgheoError, OutputError
from ngheo_cli.io.early import EarlyRead
from ngheo_cli.io.memory import check_memory_for

Command = TypeVar("Command", bound=Callable)

EXIT_CODES_HELP = (
    "Exit codes: 0 every household classified; 1 some rows rejected or undetermined "
    "(outputs still written, with the problems listed); 2 usage, file or criteria error (nothing written)."
)


class Lang(str, Enum):
    vi = "vi"
    en = "en"


def format_from(output: str | None, formats: tuple[str, ...]) -> str | None:
    """The output format an --output name implies: CSV for '-', else its suffix if known."""
    if output in (None, "-"):
        return "csv" if output == "-" else None
    suffix = Path(output).suffix.lower().lstrip(".")
    return suffix if suffix in formats else None


STDOUT_FORMATS = ("csv", "json")  # text a pipe can take; xlsx and Parquet go to files


def output_format(asked: str | None, output: str | None, formats: tuple[str, ...]) -> str:
    """The outputs' format: --format, else the --output name's suffix (CSV for '-'), else xlsx.
    Refused before any work: xlsx or Parquet asked for standard output."""
    chosen = asked or format_from(output, formats) or "xlsx"
    if output == "-" and chosen not in STDOUT_FORMATS:
        raise OutputError(f"-o - writes CSV or JSON to standard output, not {chosen}",
                          f"write {chosen} to a file (-o name.{chosen}), or use --format csv or --format json with -o -")
    return chosen


def output_stem(survey: Path) -> str:
    """survey.xlsx -> "survey": the start of every default output name."""
    return survey.name[: -len(survey.suffix)] if survey.suffix else survey.name


def inputs_of(survey: Path, members: Path | None) -> set[Path]:
    """The files no output may overwrite."""
    return {survey.resolve()} | ({members.resolve()} if members else set())


def fail(message: str, hint: str = "") -> None:
    sys.stderr.write(f"Error: {message}\n")
    if hint:
        sys.stderr.write(f"Hint: {hint}\n")


def reports_errors(command: Command) -> Command:
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except NgheoError as exc:
            fail(exc.message, exc.hint)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def start_reading(paths: list[Path], encoding: str | None, members: Path | None = None):
    """Start reading UTF-8 CSV or Parquet files (a survey and its members file, or a review's
    lists) in a background thread, so that the read runs while the engine's modules load
    (io/early.py; a command imports them after this); None when any is another kind of file:
    each is then read when it is needed."""
    if encoding or not paths or not all(path.suffix.lower() in STREAMABLE and path.is_file() for path in paths):
        return None
    for path in paths:
        check_memory_for(path, path == members)  # (a file too big is refused before any reading)
    return EarlyRead(paths)
