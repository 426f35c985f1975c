"""Benchmark: the year-end review (`ngheo review`) of two years' rosters at city scale.

    python bench/review.py --households 1000000 --repeat 3

This year's roster is what the installed `ngheo classify` writes for bench/generate.py's survey.
Last year's is made from it with a fixed seed, like a real year before: 8% of the households
given a class drawn at random (about 6% another class than this year's), 2% not yet on the
list (new this year) and as many that have left since, every household in the ward it is in
now (no ward map needed). The review writes CSV (the
per-household file of a city is over Excel's row limit). The floor reads the two rosters with
pyarrow's CSV reader and writes a file of the per-household output's size (20 columns) with its
CSV writer. Wall time and peak memory are measured as bench/run.py measures them.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
from pathlib import Path

from run import ARROW_POOL, best_of_each, generated_survey

FLOOR = ARROW_POOL + r"""
import pyarrow.csv as pc
last, this = pc.read_csv(sys.argv[1]), pc.read_csv(sys.argv[2])
rows = pa.table({f"c{i}": this.column(i % this.num_columns) for i in range(20)})
pc.write_csv(rows, sys.argv[3])
"""

CLASSES = ("poor", "near_poor", "middle_income", "not_poor")


def this_years_roster(households: int, work: Path, ngheo: str) -> Path:
    survey = generated_survey(households, "csv", work)
    folder = work / f"review-{households}"
    roster = folder / f"survey-{households}.classified.csv"
    if not roster.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([ngheo, "classify", str(survey), "--members", str(survey.with_suffix(".members.csv")),
                        "-s", "vn-2022-2025", "-f", "csv", "-d", str(folder), "--year", "2025", "-q", "--force"],
                       check=True, stderr=subprocess.DEVNULL)
    return roster


def last_years_roster(this: Path) -> Path:
    """This year's roster as it might have been a year before (fixed seed): see the module's doc."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    last = this.with_name("last-year.classified.csv")
    if last.exists():
        return last
    with this.open(encoding="utf-8", newline="") as header:
        names = next(csv.reader(header))
    table = pacsv.read_csv(this, convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}))
    rng = np.random.default_rng(2024)
    rows = table.num_rows
    changed = rng.random(rows) < 0.08
    classes = np.array(CLASSES, dtype=object)[rng.integers(0, len(CLASSES), rows)]
    classification = np.where(changed, classes, table.column("classification").to_numpy(zero_copy_only=False))
    table = table.set_column(names.index("classification"), "classification", pa.array(classification, pa.string()))
    new_this_year = rng.random(rows) < 0.02
    left = table.take(np.flatnonzero(rng.random(rows) < 0.02))
    left = left.set_column(0, "household_id", pc.binary_join_element_wise("L", left.column("household_id"), ""))
    table = pa.concat_tables([table.filter(pa.array(~new_this_year)), left])
    pacsv.write_csv(table, last)
    return last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, nargs="+", default=[100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ngheo-bench"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the best wall time is kept")
    args = parser.parse_args()

    ngheo = shutil.which("ngheo") or str(Path(sys.executable).parent / "ngheo")
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"ngheo review, two years' rosters (CSV) in, CSV out, best of {args.repeat}")
    print(f"{'households':>11} {'floor s':>8} {'floor MB':>9} {'ngheo s':>8} {'ngheo MB':>9} {'ratio':>6}")
    for households in args.households:
        this = this_years_roster(households, args.work, ngheo)
        last = last_years_roster(this)
        out = this.parent / "out"
        out.mkdir(exist_ok=True)
        floor = [sys.executable, "-c", FLOOR, str(last), str(this), str(out / "floor.csv")]
        tool = [ngheo, "review", str(last), str(this), "-f", "csv", "-d", str(out), "--year", "2025",
                "--last-year", "2024", "--force", "-q"]
        (floor_s, floor_mb), (ngheo_s, ngheo_mb) = best_of_each([floor, tool], args.repeat)
        print(f"{households:>11,} {floor_s:8.2f} {floor_mb:9.0f} {ngheo_s:8.2f} {ngheo_mb:9.0f} {ngheo_s / floor_s:6.1f}",
              flush=True)


if __name__ == "__main__":
    main()
