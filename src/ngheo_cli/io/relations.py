"""Who a person is to the household's head, as a persons list says it: the column's header and the
head's own words. Light (no pandas): the memory estimate reads a file's first lines with it
before the engine is loaded."""

from __future__ import annotations

import re

from ngheo_cli.text import fold

# "Quan hệ với chủ hộ", "Quan hệ với CH", "QH với chủ hộ", "Quan hệ"
_RELATION_HEADER = re.compile(r"(quanhe|qh)(voi(chuho|ch))?")  # (folded: no spaces)
_HEAD = {"chuho", "ch", "chu"}  # the head's own row


def relation_position(texts: dict[int, list[str]]) -> int | None:
    """The column of each person's relationship to the household's head, if the header has one."""
    for position, tries in texts.items():
        if any(_RELATION_HEADER.fullmatch(fold(text)) for text in tries):
            return position
    return None


def another_than_the_head(relation: str) -> bool:
    """Whether a relationship written in a cell (not blank) is another person's than the head's
    ("Vợ", "Con", "?"; not "Chủ hộ", "CH")."""
    return fold(relation) not in _HEAD
