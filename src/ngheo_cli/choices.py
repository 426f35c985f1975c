"""The choices the command line offers, known without loading the engine: the command modules
import only this at start, so `ngheo --help` and a mistyped option answer at once."""

DEFAULT_STANDARD = "ha-noi-2022-2025"  # a built-in criteria file's id (criteria/<id>.yaml)
DEFAULT_TARGETS = "ke-hoach-47-cau-giay"  # a built-in targets file's id
FORMATS = ("xlsx", "csv", "json", "parquet")  # output formats
STREAMABLE = (".csv", ".parquet")  # inputs that can be classified in chunks
