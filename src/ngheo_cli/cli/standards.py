"""`ngheo standards list | show | check`: what standards there are, what one says, and whether
a hand-written one is right. The listing and the description are the commands' data, so they
go to stdout; check's verdict and problems go to stderr."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ngheo_cli.choices import DEFAULT_STANDARD
from ngheo_cli.cli.common import Lang, reports_errors
from ngheo_cli.errors import CriteriaError

if TYPE_CHECKING:
    from rich.console import Console

standards_app = typer.Typer(
    help="List, show and check standards (criteria files).\n\nExample: ngheo standards show vn-2022-2025 --lang en",
    no_args_is_help=True,
)


def _stdout() -> Console:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = 200
    return console


@standards_app.command("list")
@reports_errors
def list_command() -> None:
    """List the built-in standards.

    Example: ngheo standards list
    """
    from rich.markup import escape
    from rich.table import Table

    from ngheo_cli.standards.load import builtin_ids, load_model

    table = Table("id", "name", "valid", "provisional", "default", show_edge=False, header_style="bold")
    for standard_id in builtin_ids():
        model, _, _ = load_model(standard_id)  # (not compiled: a listing needs no pandas)
        valid = f"{model.valid_from} – {model.valid_to or ''}"
        table.add_row(model.id, escape(model.name.vi), valid, "yes" if model.provisional else "",
                      "yes" if model.id == DEFAULT_STANDARD else "")
    _stdout().print(table)


@standards_app.command("show")
@reports_errors
def show_command(
    standard: str = typer.Argument(..., help="Built-in standard id or a path to a .yaml file."),
    lang: Lang = typer.Option(Lang.vi, "--lang", help="Language of names (legal wording stays Vietnamese)."),
) -> None:
    """Show a standard: legal basis, income lines, indicators with their legal wording and
    derivation, and the class rules in order.

    Example: ngheo standards show ha-noi-2022-2025
    """
    from rich.markup import escape
    from rich.table import Table

    from ngheo_cli.standards.load import load_standard
    from ngheo_cli.standards.model import CLASS_NAMES
    from ngheo_cli.tables import fitted_table

    model = load_standard(standard).model
    lang_ = lang.value
    out = _stdout()
    out.print(f"[bold]{escape(getattr(model.name, lang_))}[/] ({model.id})")
    out.print(f"valid {model.valid_from} – {model.valid_to or '…'}")
    if model.provisional:
        out.print(f"[yellow]provisional:[/] {escape(model.provisional_note or '')}")
    for source in model.legal_basis:
        out.print("  • " + escape(f"{source.document} [{source.confidence}] {source.url or ''}"))

    lines = [[escape(name), f"{line.rural:,.0f}", f"{line.urban:,.0f}", line.source.confidence, escape(line.legal_wording or "")]
             for name, line in {**model.income_lines, **{f"{k} (B1 score)": v for k, v in model.score_lines.items()}}.items()]
    out.print(fitted_table(["line", "rural", "urban", "confidence", "wording"], lines, [False, True, True, False, False],
                           title="Income lines (đồng/người/tháng)", title_justify="left"))

    dimensions = {d.id: getattr(d.name, lang_) for d in model.dimensions}
    indicators = Table("id", "dimension", "name", "legal wording", "derivation", "confidence", title="Indicators",
                       show_edge=False, header_style="bold", title_justify="left")
    for i in model.indicators:
        indicators.add_row(i.id, escape(dimensions[i.dimension]), escape(getattr(i.name, lang_)), escape(i.legal_wording),
                           escape(i.derive or "(direct answer only)"), i.source.confidence)
    out.print(indicators)

    rules = Table("#", "class", "when", "confidence", title="Class rules (the first that holds applies)",
                  show_edge=False, header_style="bold", title_justify="left")
    for n, rule in enumerate(model.classes, start=1):
        rules.add_row(str(n), CLASS_NAMES[rule.class_][lang_], escape(rule.when),
                      rule.source.confidence if rule.source else "")
    out.print(rules)


@standards_app.command("check")
def check_command(file: Path = typer.Argument(..., help="A criteria .yaml file.")) -> None:
    """Check a criteria file and report every problem at once, each with its key and line.

    Example: ngheo standards check criteria/dong-nai-2022-2025.yaml

    Exit codes: 0 the file is a valid standard; 1 it has problems (listed); 2 it cannot be read.
    """
    from ngheo_cli.standards.load import load_standard

    if not file.is_file():
        typer.echo(f"Error: {file}: no such file", err=True)
        raise typer.Exit(2)
    try:
        standard = load_standard(str(file))
    except CriteriaError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    model = standard.model
    note = " (provisional)" if model.provisional else ""
    typer.echo(f"OK: {model.id}{note}: {len(model.income_lines)} income line(s), {len(model.indicators)} indicators, "
               f"{len(model.classes)} class rules.", err=True)
