"""Where a classify run's time goes, phase by phase and column by column, measured in one process.

    python bench/phases.py --households 1000000              # the phases, best of 3
    python bench/phases.py --households 1000000 --columns    # and every column's check, best of 3
    python bench/phases.py --households 1000000 --messy --repeat 5

Whole runs of the command vary by 10-30% on a noisy machine (BENCHMARKS.md), more than most
changes gain. Here the survey is read once, then each phase runs `--repeat` times on the same
data in the same process and the best wall time is kept, with the processor time (all threads)
of that run: within one process the same phase measures the same within a few percent, between
processes it still varies by up to 20%. Run it on two versions of the code
(PYTHONPATH=<worktree>/src) in turn, several times, for a change bigger than that; compare a
smaller one inside one process, the old function beside the new one on the same data. The best
of several runs reads memory the first run made: on a machine where fresh memory is dear
(BENCHMARKS.md) it hides what a whole run pays, so confirm a gain by alternated whole runs.

Phases: check (finding the survey in the grids, then checking every cell), classify (the
engine), run (check, classify, the rejected rows, the summary: the whole core), write (the
roster's CSV into memory). The read, the imports and the file writes are what bench/run.py
measures with the rest.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from run import generated_survey


def best(repeat: int, work) -> tuple[float, float, object]:
    """(best wall seconds, processor seconds of that run, its result) of `repeat` calls."""
    runs = []
    for _ in range(repeat):
        wall, processor = time.perf_counter(), time.process_time()
        result = work()
        runs.append((time.perf_counter() - wall, time.process_time() - processor, result))
    return min(runs, key=lambda run: run[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ngheo-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each phase; the best wall time is kept")
    parser.add_argument("--messy", action="store_true", help="surveys with officers' mistakes (generate.py --messy)")
    parser.add_argument("--columns", action="store_true", help="also each column's check, one at a time")
    parser.add_argument("--standard", default="vn-2022-2025")
    args = parser.parse_args()

    from ngheo_cli import pipeline
    from ngheo_cli.engine import classify
    from ngheo_cli.io.layout import find_survey
    from ngheo_cli.io.workbook import read_grids
    from ngheo_cli.io.writers import csv_parts
    from ngheo_cli.standards.load import load_standard

    args.work.mkdir(parents=True, exist_ok=True)
    survey = generated_survey(args.households, "csv", args.work, args.messy)
    members = survey.with_suffix(".members.csv")
    standard = load_standard(args.standard)
    grids, members_grids = read_grids(survey), read_grids(members, members=True)
    print(f"{args.households:,} households{' (messy)' if args.messy else ''}, best of {args.repeat}, "
          f"{standard.model.id}")
    print(f"{'phase':<30} {'wall s':>7} {'cpu s':>7}")

    def show(name: str, wall: float, processor: float) -> None:
        print(f"{name:<30} {wall:7.3f} {processor:7.3f}", flush=True)

    wall, processor, checked = best(args.repeat, lambda: pipeline.check_survey(
        grids, standard, survey.name, members_grids, year=2025))
    show("check", wall, processor)
    valid = checked.valid
    wall, processor, _ = best(args.repeat, lambda: classify(valid.households, valid.members, standard,
                                                             valid.direct_answers))
    show("classify", wall, processor)
    wall, processor, result = best(args.repeat, lambda: pipeline.run_classification(
        grids, standard, survey.name, members_grids, year=2025))
    show("run (check to summary)", wall, processor)
    wall, processor, _ = best(args.repeat, lambda: sum(len(part) for part in csv_parts(result.roster)))
    show("write (roster CSV)", wall, processor)
    if args.columns:
        layout = find_survey(grids, pipeline.direct_answer_headers(standard), survey.name, members_grids)
        show_columns(layout, args.repeat, show)


def show_columns(survey, repeat: int, show) -> None:
    """Each column's check alone, on one thread (the run checks several at once). `survey`: as
    found in the grids, its cells not yet checked (checking lets go of them)."""
    from ngheo_cli import validate
    from ngheo_cli.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

    print(f"{'column (one thread)':<30} {'wall s':>7} {'cpu s':>7}")
    tables = [(survey.households, HOUSEHOLD_COLUMNS, False)]
    if survey.members is not None:
        tables.append((survey.members, MEMBER_COLUMNS, True))
    for table, columns, blank_is_no in tables:
        for spec in columns:
            if spec.id in table.cells:
                raw = table.cells[spec.id]
                wall, processor, _ = best(repeat, lambda: validate._check_column(spec, raw, blank_is_no))
                show(f"{'  ' if blank_is_no else ''}{spec.id} ({spec.kind})", wall, processor)


if __name__ == "__main__":
    main()
