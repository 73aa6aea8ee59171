"""Helpers that read what was typed in the patient search box."""

import datetime
import re

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def phone_digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def parse_date(text: str) -> datetime.date | None:
    """A date of birth typed as 1984-03-07, 07/03/1984, 07-03-1984 or 07.03.1984, else None."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None
