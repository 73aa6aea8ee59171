"""Reading the raw request parameters that no form cleans (search boxes, ids, dates in links).

Every value here comes from the address bar or a crafted POST: it may hold NUL bytes (PostgreSQL
refuses them in text), superscript digits (``"²".isdigit()`` is true), years that overflow date
arithmetic, or megabytes. These return a usable value or None, never raise.
"""

import datetime
import re

# Days a page can show and step from (day +/- one week stays a valid date).
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2199, 12, 31)

_PK = re.compile(r"[0-9]{1,9}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def search_text(value, *, max_length: int = 100) -> str:
    """A search box's words: control characters (NUL included) dropped, spaces collapsed."""
    if not isinstance(value, str):
        return ""
    return " ".join(_CONTROL.sub("", value[: max_length * 4]).split())[:max_length]


def pk(value) -> int | None:
    """A database id typed in ASCII digits, or None."""
    if isinstance(value, str) and _PK.fullmatch(value):
        return int(value)
    return None


def day(value) -> datetime.date | None:
    """An ISO date (YYYY-MM-DD) within the calendar the pages can show, or None."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        parsed = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if FIRST_DAY <= parsed <= LAST_DAY else None
