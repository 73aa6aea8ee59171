"""The portal's booking and rescheduling forms (issue 13).

The search (GET: type, practitioner, day) chooses among what the page offers, and a value it does
not offer is noted and replaced by the default. The confirmation (POST) accepts any active type
and practitioner, so that a crafted one reaches the service and meets its refusal in words
(patients/services/portal_booking.py decides what the patient may book).
"""

from django import forms
from django.utils import dateformat

from patients.forms import LoadedModelChoiceField, parse_instant
from patients.models import AppointmentType, Practitioner
from revere.plain_messages import PlainMessagesMixin


class PortalSearchForm(PlainMessagesMixin, forms.Form):
    """What to list free times for, among the lists the page loaded (no query)."""

    type = forms.TypedChoiceField(
        required=False,
        coerce=int,
        label="Appointment type",
        error_messages={
            "invalid_choice": "That appointment type cannot be booked here: showing the one "
            "you can book."
        },
    )
    practitioner = forms.TypedChoiceField(
        required=False,
        coerce=int,
        label="Practitioner",
        error_messages={
            "invalid_choice": "That practitioner cannot be booked online: showing any practitioner."
        },
    )
    day = forms.DateField(
        required=False,
        label="Day",
        error_messages={"invalid": "The day was not understood: showing the first days."},
    )

    def __init__(self, data=None, *, types, practitioners, first_day, last_day):
        super().__init__(data)
        self.types, self.practitioners = list(types), list(practitioners)
        self.first_day, self.last_day = first_day, last_day
        self.fields["type"].choices = [("", "")] + [(t.pk, t.name) for t in self.types]
        self.fields["practitioner"].choices = [("", "Any practitioner")] + [
            (p.pk, str(p)) for p in self.practitioners
        ]

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day is not None and not self.first_day <= day <= self.last_day:
            raise forms.ValidationError(
                f"Online bookings are open from {dateformat.format(self.first_day, 'l j F')} "
                f"to {dateformat.format(self.last_day, 'l j F Y')}: showing the first days."
            )
        return day

    def chosen(self, name):
        """The value chosen for ``name`` (a type or practitioner object, or the day), or None
        when none was chosen or it is not one offered."""
        if not self.is_bound or not self.is_valid() and name in self.errors:
            return None
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            return None
        if name == "day":
            return value
        rows = self.types if name == "type" else self.practitioners
        return next((row for row in rows if row.pk == value), None)

    def notes(self) -> list[str]:
        return [error for errors in self.errors.values() for error in errors]


class _StartMixin:
    def clean_start(self):
        starts_at = parse_instant(self.cleaned_data["start"])
        if starts_at is None:
            raise forms.ValidationError(
                "That start time was not understood: choose one of the free times."
            )
        return starts_at


def _practitioner_field():
    """The practitioner of a portal booking or move (blank: any)."""
    return LoadedModelChoiceField(
        queryset=Practitioner.objects.filter(active=True),
        required=False,
        label="Practitioner",
        error_messages={
            "invalid_choice": "That practitioner is not taking appointments: choose another, "
            "or any practitioner."
        },
    )


class PortalBookForm(PlainMessagesMixin, _StartMixin, forms.Form):
    """The booking: the type, the practitioner (blank: any) and one of the free start times."""

    type = LoadedModelChoiceField(
        queryset=AppointmentType.objects.filter(active=True),
        label="Appointment type",
        error_messages={
            "required": "Choose the appointment type.",
            "invalid_choice": "That appointment type is not offered: choose one from the page.",
        },
    )
    practitioner = _practitioner_field()
    start = forms.CharField(
        max_length=40,
        label="Start time",
        error_messages={"required": "Choose one of the free times."},
    )


class PortalMoveForm(PlainMessagesMixin, _StartMixin, forms.Form):
    """The new time of an appointment: the practitioner (blank: any) and one of the free times."""

    practitioner = _practitioner_field()
    start = forms.CharField(
        max_length=40,
        label="New start time",
        error_messages={"required": "Choose one of the free times."},
    )
