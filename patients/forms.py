import datetime
import re
import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils import timezone

from patients import scheduling, selectors
from patients.models import AppointmentStatus, AppointmentType, Patient, Practitioner
from patients.services import BOOKING_HORIZON, EDITABLE_FIELDS
from revere.forms import FieldChecksOnly
from revere.plain_messages import PlainMessagesMixin

PHONE_CHARACTERS = re.compile(r"^[0-9+()\-.\s]*(?:\s*(?:ext\.?|x)\s*\d{1,6})?$", re.IGNORECASE)
OLDEST_AGE_YEARS = 120


def clean_phone_number(value: str, *, required: bool) -> str:
    """Accept the ways people write phone numbers (spaces, dashes, brackets, +, an extension);
    refuse letters and numbers too short or too long to dial."""
    value = " ".join(value.split())
    if not value:
        if required:
            raise forms.ValidationError("Enter a phone number.")
        return value
    main = re.split(r"(?i)\s*(?:ext\.?|x)\s*", value)[0]
    digits = re.sub(r"\D", "", main)
    if not PHONE_CHARACTERS.match(value) or not 7 <= len(digits) <= 15:
        raise forms.ValidationError(
            "Enter a phone number of 7 to 15 digits, e.g. 604-555-0123 or +1 604 555 0123."
        )
    return value


def bookable_day(day):
    """A day the booking and reschedule forms accept: from today to a year ahead."""
    today = timezone.localdate()
    if day < today:
        raise forms.ValidationError("That day has passed: choose today or a later day.")
    if day > today + BOOKING_HORIZON:
        raise forms.ValidationError("Appointments can be booked up to a year ahead.")
    return day


class NamesMixin:
    """First and last name: inner spaces folded, and blank (even all spaces) refused."""

    def clean_first_name(self):
        return self._clean_name("first_name")

    def clean_last_name(self):
        return self._clean_name("last_name")

    def _clean_name(self, field):
        value = " ".join(self.cleaned_data[field].split())
        if not value:
            raise forms.ValidationError("This field is required.")
        return value


class PatientForm(PlainMessagesMixin, NamesMixin, FieldChecksOnly, forms.ModelForm):
    consent_iastr = forms.BooleanField(
        required=False,
        label="Consents to IASTR (instrument-assisted soft tissue treatment)",
        help_text="Tick once the patient has given informed consent. Who recorded it and when is "
        "kept with the record.",
    )
    # Shown only when the record looks like one already registered (see possible_duplicates).
    register_anyway = forms.BooleanField(
        required=False,
        label="This is a different person: save anyway",
    )

    class Meta:
        model = Patient
        fields = EDITABLE_FIELDS
        labels = {
            "first_name": "First name",
            "last_name": "Last name",
            "preferred_name": "Preferred name (optional)",
            "date_of_birth": "Date of birth",
            "phone": "Phone",
            "email": "Email (optional)",
            "address": "Address (optional)",
            "emergency_contact_name": "Emergency contact name",
            "emergency_contact_phone": "Emergency contact phone",
            "emergency_contact_relationship": "Relationship to patient",
            "referral_source": "Referral source",
            "referral_note": "Referred by (optional)",
        }
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "emergency_contact_phone": forms.TextInput(attrs={"type": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].required = True
        self.fields["phone"].required = True
        if self.instance.pk:
            self.fields["consent_iastr"].initial = self.instance.has_iastr_consent
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "Patient",
                Row(Column("first_name"), Column("last_name")),
                Row(Column("preferred_name"), Column("date_of_birth")),
            ),
            Fieldset(
                "Contact",
                Row(Column("phone"), Column("email")),
                "address",
            ),
            Fieldset(
                "Emergency contact",
                Row(
                    Column("emergency_contact_name"),
                    Column("emergency_contact_phone"),
                    Column("emergency_contact_relationship"),
                ),
            ),
            Fieldset(
                "Referral and consent",
                Row(Column("referral_source"), Column("referral_note")),
                "consent_iastr",
            ),
        )

    def clean_date_of_birth(self):
        dob = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if dob.year < today.year - OLDEST_AGE_YEARS:
            raise forms.ValidationError(
                f"That date of birth makes the patient older than {OLDEST_AGE_YEARS}: "
                "check the year."
            )
        return dob

    def clean_phone(self):
        return clean_phone_number(self.cleaned_data["phone"], required=True)

    def clean_emergency_contact_phone(self):
        return clean_phone_number(self.cleaned_data["emergency_contact_phone"], required=False)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class PatientMergeForm(PlainMessagesMixin, forms.Form):
    """The record to keep, for merging a duplicate into it (the manager's merge page)."""

    keep = forms.UUIDField(
        label="Record to keep",
        help_text="The record number at the end of its page address, e.g. "
        "3f2b6c1e-0d4a-4b7e-9a51-2c8f0e6d1a90.",
        error_messages={"invalid": "Enter a record number as shown in its page address."},
    )


class PatientSearchForm(PlainMessagesMixin, forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search patients",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, phone, email or date of birth"}
        ),
    )


# --- Schedule and booking ---------------------------------------------------------------------

# How far the schedule's date picker may go either way; beyond it is a typing mistake.
SCHEDULE_RANGE_DAYS = 5 * 366


class ScheduleDayForm(PlainMessagesMixin, forms.Form):
    day = forms.DateField(
        label="Date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-03-09."},
    )

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day is not None and abs((day - timezone.localdate()).days) > SCHEDULE_RANGE_DAYS:
            raise forms.ValidationError("Choose a date within five years of today.")
        return day


class _LoadedChoiceIterator(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.loaded():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.loaded()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.loaded())


class LoadedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over a short list (types, practitioners) read once per form: checking
    the value, the page's own use of the list and the rendered choices share one query (issue
    11: the booking page read each list twice)."""

    iterator = _LoadedChoiceIterator
    _loaded = None

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self._loaded = None

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def loaded(self) -> list:
        if self._loaded is None:
            self._loaded = list(self.queryset)
        return self._loaded

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            value = value.pk
        for obj in self.loaded():
            if str(obj.pk) == str(value):
                return obj
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class _AppointmentTypeField(LoadedModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class BookingSearchForm(PlainMessagesMixin, forms.Form):
    """What to book, with whom and on which day: the booking page lists the free times."""

    type = _AppointmentTypeField(
        label="Appointment type",
        queryset=AppointmentType.objects.none(),
        empty_label="Choose a type",
        error_messages={
            "required": "Choose the appointment type.",
            "invalid_choice": "That appointment type is not offered: choose one from the list.",
        },
    )
    practitioner = LoadedModelChoiceField(
        label="Practitioner",
        queryset=Practitioner.objects.none(),
        required=False,
        empty_label="Any practitioner",
        error_messages={
            "invalid_choice": "That practitioner is not taking appointments: choose one from "
            "the list, or any practitioner."
        },
    )
    day = forms.DateField(
        label="Day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Choose the day.",
            "invalid": "Enter the day as YYYY-MM-DD, e.g. 2026-03-09.",
        },
    )

    def __init__(self, *args, phone_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = selectors.bookable_types(phone_only=phone_only)
        self.fields["practitioner"].queryset = selectors.bookable_practitioners()

    def clean_day(self):
        return bookable_day(self.cleaned_data["day"])


def parse_instant(value: str) -> datetime.datetime | None:
    """An ISO 8601 date and time with its UTC offset (the value of a listed free time), in UTC;
    None for anything else. The first and last years of the calendar count as "anything else":
    converting them to UTC, or the day arithmetic of the booking page, would overflow."""
    try:
        instant = datetime.datetime.fromisoformat(value)
        if instant.tzinfo is None:
            return None
        instant = instant.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        return None
    if not datetime.MINYEAR < instant.year < datetime.MAXYEAR:
        return None
    return instant


class BookingForm(BookingSearchForm):
    """The confirmation: one of the listed free times, or another time typed in (which may need
    the outside-working-hours override)."""

    start = forms.CharField(required=False, max_length=40, label="Free start time")
    other_time = forms.TimeField(
        required=False,
        label="Or another time",
        help_text="Only if none of the free times suits, e.g. 07:30.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter the time as HH:MM, e.g. 07:30."},
    )
    outside_hours = forms.BooleanField(required=False, label="Book outside working hours")
    outside_hours_reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason for booking outside working hours",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        required=False,
        max_length=1000,
        label="Notes for the practitioner (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        start, other_time = cleaned.get("start"), cleaned.get("other_time")
        if start and other_time:
            self.add_error(
                "other_time", "Choose one of the free times or type another time, not both."
            )
        elif start:
            starts_at = parse_instant(start)
            if starts_at is None:
                self.add_error(
                    "start", "That start time is not a valid time: choose one from the list."
                )
            else:
                cleaned["starts_at"] = starts_at
        elif other_time:
            if cleaned.get("day"):
                cleaned["starts_at"] = scheduling.local_instant(
                    cleaned["day"], other_time, timezone.get_default_timezone()
                )
        else:
            self.add_error("start", "Choose a start time.")

        if cleaned.get("outside_hours"):
            reason = " ".join(cleaned.get("outside_hours_reason", "").split())
            cleaned["outside_hours_reason"] = reason
            if not reason:
                self.add_error(
                    "outside_hours_reason", "Write why this booking is outside working hours."
                )
            if "practitioner" in cleaned and cleaned["practitioner"] is None:
                self.add_error(
                    "practitioner", "Choose the practitioner to book outside working hours."
                )
        else:
            cleaned["outside_hours_reason"] = ""
        return cleaned


class NewCallerForm(PlainMessagesMixin, NamesMixin, forms.Form):
    """A caller not registered yet, for a free consultation call: just enough to call back."""

    first_name = forms.CharField(max_length=80, label="Caller's first name")
    last_name = forms.CharField(max_length=80, label="Caller's last name")
    phone = forms.CharField(
        max_length=32,
        label="Phone to call",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def clean_phone(self):
        return clean_phone_number(self.cleaned_data["phone"], required=True)


class AppointmentStatusForm(PlainMessagesMixin, forms.Form):
    status = forms.ChoiceField(choices=AppointmentStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason for cancelling",
        widget=forms.TextInput(),
    )
    by_patient = forms.BooleanField(required=False, label="The patient asked to cancel")


class PortalCancelForm(PlainMessagesMixin, forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason (optional)",
        help_text="It helps the clinic, but you do not have to give one.",
    )


# --- Issue 10: rescheduling ---------------------------------------------------------------------


class RescheduleForm(PlainMessagesMixin, forms.Form):
    """Move an appointment: the practitioner (the same or another) and the day list the free
    times; ``start`` is the one chosen."""

    practitioner = forms.ModelChoiceField(
        label="Practitioner",
        queryset=Practitioner.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose the practitioner.",
            "invalid_choice": "That practitioner is not taking appointments: choose one from "
            "the list.",
        },
    )
    day = forms.DateField(
        label="Day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Choose the day.",
            "invalid": "Enter the day as YYYY-MM-DD, e.g. 2026-03-09.",
        },
    )
    start = forms.CharField(required=False, max_length=40, label="New start time")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = selectors.bookable_practitioners()

    def clean_day(self):
        return bookable_day(self.cleaned_data["day"])

    def clean_start(self):
        start = self.cleaned_data["start"]
        if not start:
            return None
        starts_at = parse_instant(start)
        if starts_at is None:
            raise forms.ValidationError(
                "That start time is not a valid time: choose one from the list."
            )
        return starts_at


# --- Issue 10: time off over booked appointments ------------------------------------------------

# Time off can be recorded a year back (a sick day entered late) and up to two years ahead.
TIME_OFF_PAST_DAYS = 366
TIME_OFF_FUTURE_DAYS = 2 * 366
LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TimeOffForm(PlainMessagesMixin, forms.Form):
    """The manager's time off of one practitioner, in the clinic's local time."""

    practitioner = forms.ModelChoiceField(
        label="Practitioner",
        queryset=Practitioner.objects.none(),
        error_messages={
            "required": "Choose the practitioner.",
            "invalid_choice": "Choose a practitioner from the list.",
        },
    )
    starts_at = forms.DateTimeField(
        label="Away from",
        widget=LOCAL_DATETIME,
        error_messages={
            "required": "Enter when the time off starts.",
            "invalid": "Enter a date and time, e.g. 2026-03-09 08:00.",
        },
    )
    ends_at = forms.DateTimeField(
        label="Back at",
        widget=LOCAL_DATETIME,
        help_text="The first moment they are working again (e.g. the next morning).",
        error_messages={
            "required": "Enter when the time off ends.",
            "invalid": "Enter a date and time, e.g. 2026-03-13 17:00.",
        },
    )
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=200,
        help_text="For the manager; the schedule shows only “Away”.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = Practitioner.objects.order_by(
            "-active", "display_name", "pk"
        )

    def _clean_instant(self, field):
        value = self.cleaned_data[field]
        today = timezone.localdate()
        if not (
            today - datetime.timedelta(days=TIME_OFF_PAST_DAYS)
            <= timezone.localtime(value).date()
            <= today + datetime.timedelta(days=TIME_OFF_FUTURE_DAYS)
        ):
            raise forms.ValidationError("Choose a date from a year ago to two years ahead.")
        return value

    def clean_starts_at(self):
        return self._clean_instant("starts_at")

    def clean_ends_at(self):
        return self._clean_instant("ends_at")

    def clean_reason(self):
        return " ".join(self.cleaned_data["reason"].split())

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The time off must end after it starts.")
        return data


KEEP, CANCEL, MOVE = "keep", "cancel", "move"


def _uuids(values) -> set:
    found = set()
    for value in values:
        try:
            found.add(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


class TimeOffClashForm(PlainMessagesMixin, forms.Form):
    """What happens to each appointment booked during the time off: one radio group per
    appointment (``clash-<uuid>``), and ``seen``, the appointments the page listed, so the service
    can tell a confirmed list from one the manager never saw."""

    cancel_reason = forms.CharField(
        label="Reason given for cancelling",
        required=False,
        max_length=300,
        initial="Practitioner away",
        help_text="Recorded with each appointment you cancel here.",
    )

    def __init__(self, *args, clashes, **kwargs):
        super().__init__(*args, **kwargs)
        self.clashes = clashes
        for appointment in clashes:
            if appointment.status == AppointmentStatus.BOOKED:
                choices = [
                    (KEEP, "Keep it"),
                    (CANCEL, "Cancel it (the patient is emailed)"),
                    (MOVE, "Move it (after saving, on its reschedule page)"),
                ]
            else:  # arrived or completed: it happened, only the record of it is kept
                choices = [(KEEP, "Keep it")]
            self.fields[self.field_name(appointment)] = forms.ChoiceField(
                label="What happens to it",
                choices=choices,
                required=False,
                initial=KEEP,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": "Choose one of the options for it."},
            )
        seen = []
        if self.is_bound:
            getlist = getattr(self.data, "getlist", None)
            seen = getlist("seen") if getlist else self.data.get("seen", [])
        self.seen = _uuids(seen if isinstance(seen, list | tuple) else [seen])

    @staticmethod
    def field_name(appointment) -> str:
        return f"clash-{appointment.uuid}"

    def rows(self):
        """(appointment, its bound radio field) for the template."""
        return [(a, self[self.field_name(a)]) for a in self.clashes]

    def choice(self, appointment) -> str:
        return self.cleaned_data.get(self.field_name(appointment)) or KEEP

    @property
    def cancel(self) -> set:
        return {a.uuid for a in self.clashes if self.choice(a) == CANCEL}

    @property
    def move(self) -> list:
        return [a for a in self.clashes if self.choice(a) == MOVE]

    def choices_made(self) -> dict:
        """The choices as initial values for the list shown again."""
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value}
