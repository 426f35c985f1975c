"""The `ngheo` command. Each command lives in its own module and stays thin: parse options, call
the core, render on stderr, write outputs, exit with 0 / 1 / 2."""

from __future__ import annotations

import sys

import typer

from ngheo_cli import __version__
from ngheo_cli.cli.classify import classify_command
from ngheo_cli.errors import NgheoError

EXIT_CODES_HELP = (
    "Exit codes: 0 every household classified; 1 some rows rejected or undetermined "
    "(outputs still written, with the problems listed); 2 usage, file or criteria error (nothing written)."
)

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


app.command("classify", epilog=EXIT_CODES_HELP)(classify_command)


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except NgheoError as exc:
        _fail(exc.message, exc.hint)
    except typer.Abort:
        _fail("aborted")
    except KeyboardInterrupt:
        _fail("interrupted")
    except Exception as exc:  # click usage errors and anything unforeseen: one line, exit 2
        import click

        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        _fail(f"unexpected {type(exc).__name__}: {exc}", "please report this with the command you ran")
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, hint: str = "") -> None:
    sys.stderr.write(f"Error: {message}\n")
    if hint:
        sys.stderr.write(f"Hint: {hint}\n")
    sys.exit(2)
