"""The `ngheo` command. Each command lives in its own module and stays thin: parse options, call
the core, render on stderr, write outputs, exit with 0 / 1 / 2.

The command modules import the engine (pandas, pyarrow, pydantic: about 0.7 s) inside the
command, not at their top: `ngheo --help` and a mistyped option answer at once, and a command
starts reading its survey before it loads them (cli/common.start_reading)."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import typer

from ngheo_cli import __version__
from ngheo_cli.cli.classify import classify_command
from ngheo_cli.cli.common import EXIT_CODES_HELP, fail, reports_errors
from ngheo_cli.cli.review import REVIEW_EXIT_CODES, review_command
from ngheo_cli.cli.standards import standards_app
from ngheo_cli.cli.validate import validate_command

app = typer.Typer(
    name="ngheo",
    help="Classify households under Vietnamese multidimensional poverty standards (chuẩn nghèo đa chiều).\n\n"
    + EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ngheo-cli {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    pass


app.command("classify", epilog=EXIT_CODES_HELP)(reports_errors(classify_command))
app.command("validate")(reports_errors(validate_command))
app.command("review", epilog=REVIEW_EXIT_CODES)(reports_errors(review_command))
app.add_typer(standards_app, name="standards")


def main() -> None:
    from ngheo_cli.io.memory import prefer_jemalloc
    from ngheo_cli.parallel import no_blas_threads

    no_blas_threads()  # (before prefer_jemalloc's pyarrow loads numpy)
    prefer_jemalloc()  # (for the whole process, its chunk workers included: they are forked)
    try:
        app()  # (always ends in SystemExit: click's standalone mode)
    except SystemExit as finished:
        leave(finished.code)
    except Exception as exc:  # a bug, not a user error: still one line, exit 2
        fail(f"unexpected {type(exc).__name__}: {exc}", "please report this with the command you ran")
        leave(2)


def leave(code: object) -> NoReturn:
    """Exit with `code` once the command is done, without Python's teardown, as mypy does.

    Why: every output is written and closed by now, and the teardown would only free, object by
    object, the memory the process hands back whole when it ends: 0.35-0.5 s after a city's run
    (1,000,000 households, 1.3 GB), 5% of it (BENCHMARKS.md). What the teardown would still do
    is done here: Python's own buffers flushed, an exit code that is not a number printed as
    sys.exit prints it. atexit handlers do not run: ngheo registers none (its temporary files and
    worker processes are closed by the `with` blocks that made them), but a tool that reports at
    exit from inside the process, such as coverage's subprocess measurement, sees nothing."""
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): the message, and 1
        sys.stderr.write(f"{code}\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that stopped early (head), or a closed stream
            pass
    os._exit(code)
