import datetime

from django import forms
from django.utils.http import urlencode

# The trail starts with this system; a date outside these years is a typing mistake (and would
# overflow the time-zone arithmetic at year 1 or 9999).
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)


class DateRangeForm(forms.Form):
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the start date as YYYY-MM-DD, e.g. 2026-01-31."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the end date as YYYY-MM-DD, e.g. 2026-01-31."},
    )

    def add_prefix(self, field_name):
        # The GET parameters are "from" and "to" (a keyword in Python: not field names).
        return {"start": "from", "end": "to"}.get(field_name, field_name)

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                f"Choose a date from {EARLIEST:%Y} to {LATEST:%Y}.", code="out_of_range"
            )
        return day

    def clean_start(self):
        return self._clean_day("start")

    def clean_end(self):
        return self._clean_day("end")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.", code="order")
        return data

    def query_string(self) -> str:
        """The valid filters again, for the pagination and export links."""
        if not self.is_bound or not self.is_valid():
            return ""
        params = {
            key: self.cleaned_data[name].isoformat()
            for key, name in (("from", "start"), ("to", "end"))
            if self.cleaned_data.get(name)
        }
        return urlencode(params)
