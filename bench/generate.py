"""Synthetic surveys in the contract, any size, fixed seed, for benchmarks.

    python bench/generate.py 1000000 out.csv            # households CSV + out.members.csv
    python bench/generate.py 100000 out.xlsx             # one workbook, both sheets
    python bench/generate.py 1000000 out.csv --messy    # with the mistakes officers make
    python bench/generate.py 1000000 out.csv --persons  # one list of persons under their households

Values are drawn with numpy in bulk (a million households in seconds) with realistic mixes:
heads' names in Vietnamese, Vietnamese-formatted numbers as text, yes/no as x/có/blank,
categories with stray case. --messy adds what real files have and a clean benchmark would
never exercise: 1% of members without an age (their households are rejected), 0.5% of
incomes unreadable, 0.1% of household ids typed twice. --persons writes the same households as
a ward's export of persons keeps them: each household's row (with its head's answers, "Chủ hộ"),
then its other members' rows with their relationship to the head and no household columns.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

WARDS = [f"Phường {n}" for n in ("Cầu Giấy", "Nghĩa Đô", "Yên Hòa", "Ba Đình", "Hoàn Kiếm")] + [
    f"Xã {n}" for n in ("Sóc Sơn", "Minh Phú", "Phù Đổng", "Bát Tràng")
]


SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý"]
MIDDLE_NAMES = ["Văn", "Thị", "Đức", "Minh", "Thu", "Ngọc", "Hữu", "Quang", "Thanh", "Xuân"]
GIVEN_NAMES = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Lan", "Linh", "Long",
               "Mai", "Nam", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến"]


def households_and_members(n: int, seed: int = 7, first_id: int = 1, messy: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.char.add("H", np.arange(first_id, first_id + n).astype(str))
    names = np.char.add(np.char.add(np.char.add(np.char.add(rng.choice(SURNAMES, size=n), " "),
                                                rng.choice(MIDDLE_NAMES, size=n)), " "), rng.choice(GIVEN_NAMES, size=n))
    # 3.5 members per household on average, as the benchmark targets (1M households, 3.5M members)
    size = rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.08, 0.17, 0.25, 0.27, 0.13, 0.10])
    per_capita = np.round(rng.lognormal(np.log(4_500_000), 0.6, size=n), -4)
    text_income = rng.random(n) < 0.4
    formatted = pd.Series(per_capita.astype(np.int64)).map("{:,}".format).str.replace(",", ".", regex=False)
    income = np.where(text_income, formatted.to_numpy(dtype=object), per_capita.astype(object))
    households = pd.DataFrame({
        "Mã hộ": ids,
        "Họ tên chủ hộ": names,
        "Phường/Xã": rng.choice(WARDS, size=n),
        "Tổ dân phố/Thôn": np.char.add("Tổ ", rng.integers(1, 30, size=n).astype(str)),
        "Số nhân khẩu": size,
        "Thu nhập bình quân đầu người/tháng (đồng)": income,
        "Loại nhà": rng.choice(["kiên cố", "bán kiên cố", "Thiếu kiên cố", "đơn sơ"], size=n, p=[0.7, 0.2, 0.07, 0.03]),
        "Diện tích nhà ở (m²)": np.round(size * rng.uniform(5, 25, size=n), 1),
        "Nguồn nước sinh hoạt": rng.choice(["nước máy", "giếng khoan", "sông/suối/ao/hồ"], size=n, p=[0.85, 0.12, 0.03]),
        "Loại nhà tiêu": rng.choice(["tự hoại", "bán tự hoại", "không có"], size=n, p=[0.85, 0.12, 0.03]),
        "Có thành viên sử dụng internet": rng.choice(["có", "không"], size=n, p=[0.9, 0.1]),
        "Có phương tiện tiếp cận thông tin": rng.choice(["x", "0"], size=n, p=[0.95, 0.05]),
        "Hộ người có công": rng.choice(["x", ""], size=n, p=[0.05, 0.95]),
    })
    owner = np.repeat(ids, size)
    m = len(owner)
    members = pd.DataFrame({
        "Mã hộ": owner,
        "Tuổi": rng.integers(0, 90, size=m),
        "Có thẻ BHYT": rng.choice(["x", ""], size=m, p=[0.93, 0.07]),
        "Bằng cấp cao nhất": rng.choice(["tiểu học", "THCS", "THPT", "đại học trở lên"], size=m),
        "Đang đi học/đào tạo": rng.choice(["x", ""], size=m, p=[0.2, 0.8]),
        "Đi học đúng cấp": rng.choice(["x", ""], size=m, p=[0.95, 0.05]),
        "Tình trạng việc làm": rng.choice(["có HĐLĐ", "tự làm", "thất nghiệp", "làm công không HĐLĐ", "không tham gia lao động"], size=m),
        "Hưởng trợ cấp xã hội hằng tháng": rng.choice(["x", ""], size=m, p=[0.05, 0.95]),
        "Suy dinh dưỡng": rng.choice(["x", ""], size=m, p=[0.02, 0.98]),
    })
    if messy:
        members["Tuổi"] = np.where(rng.random(m) < 0.01, "", members["Tuổi"].astype(str))
        income = households["Thu nhập bình quân đầu người/tháng (đồng)"]
        households["Thu nhập bình quân đầu người/tháng (đồng)"] = np.where(rng.random(n) < 0.005, "không rõ", income)
        twice = np.flatnonzero(rng.random(n) < 0.001)
        households.loc[twice[twice > 0], "Mã hộ"] = ids[twice[twice > 0] - 1]  # the row above's id
    return households, members


RELATIONS = ["Vợ", "Chồng", "Con", "Con", "Cháu", "Bố", "Mẹ"]


def persons_list(households: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The households as one list of persons (members are listed in household order, the head first)."""
    size = households["Số nhân khẩu"].to_numpy()
    starts = np.r_[0, np.cumsum(size)[:-1]]
    first = np.zeros(len(members), dtype=bool)
    first[starts] = True
    household = np.repeat(np.arange(len(households)), size)
    rows = {column: np.where(first, households[column].to_numpy(dtype=object)[household], "") for column in households}
    place = np.arange(len(members)) - np.repeat(starts, size)  # 0: the head
    rows["Quan hệ với chủ hộ"] = np.where(first, "Chủ hộ", np.array(RELATIONS, dtype=object)[(place - 1) % len(RELATIONS)])
    rows.update({column: members[column].to_numpy() for column in members.columns if column != "Mã hộ"})
    return pd.DataFrame(rows)


BLOCK = 1_000_000  # households generated and written at a time, so any size fits in memory


def write(n: int, path: Path, messy: bool = False, persons: bool = False) -> None:
    if path.suffix == ".csv":
        _write_csv_blocks(n, path, messy, persons)
        return
    if persons:
        raise SystemExit("--persons writes a CSV")
    households, members = households_and_members(n, messy=messy)
    if path.suffix == ".parquet":
        households.astype({"Thu nhập bình quân đầu người/tháng (đồng)": str}).to_parquet(path, index=False)
        members.to_parquet(path.with_suffix(".members.parquet"), index=False)
    else:
        with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
            households.to_excel(writer, sheet_name="Hộ", index=False)
            members.to_excel(writer, sheet_name="Thành viên", index=False)


def _write_csv_blocks(n: int, path: Path, messy: bool = False, persons: bool = False) -> None:
    """Blocks of a million households, each with its own seed: the first million of a bigger
    file are the 1,000,000-household file. Written by pyarrow (pandas' to_csv is ten times slower).
    `persons`: one file, the households' persons list."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    members_path = path.with_suffix(".members.csv") if not persons else Path("/dev/null")
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")  # no value holds a comma
    # Everything goes through Arrow's own file streams: mixing Python writes and Arrow writes
    # on one Python file object misplaced a block in a 10-million-household file.
    with pa.OSFile(str(path), "wb") as households_file, pa.OSFile(str(members_path), "wb") as members_file:
        for block, start in enumerate(range(0, n, BLOCK)):
            households, members = households_and_members(min(BLOCK, n - start), seed=7 + block, first_id=start + 1,
                                                         messy=messy)
            files = ((households_file, persons_list(households, members)),) if persons else (
                (households_file, households), (members_file, members))
            for sink, frame in files:
                if block == 0:
                    sink.write((",".join(frame.columns) + "\n").encode())
                table = pa.Table.from_pandas(frame.astype(str).replace({"nan": ""}), preserve_index=False)
                pacsv.write_csv(table, sink, options)
                del table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("households", type=int, help="how many households")
    parser.add_argument("path", type=Path, help="the survey to write: .csv (members beside it), .parquet or .xlsx")
    parser.add_argument("--messy", action="store_true", help="with the mistakes officers make")
    parser.add_argument("--persons", action="store_true", help="one CSV: a list of persons under their households")
    args = parser.parse_args()
    if args.households < 1:
        parser.error("households: at least 1")
    write(args.households, args.path, messy=args.messy, persons=args.persons)


if __name__ == "__main__":
    main()
