"""Issue 13: the public booking page's forms (no login)."""

import re

from django import forms

from patients import online
from patients.forms import LoadedModelChoiceField, NamesMixin, clean_phone_number, parse_instant
from patients.models import AppointmentType, Practitioner
from revere.plain_messages import PlainMessagesMixin

CODE = re.compile(r"[0-9]{6}")


class _TypeField(LoadedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.minutes} min, {obj.get_mode_display().lower()})"


class OnlineChooseForm(PlainMessagesMixin, forms.Form):
    """What to book, with whom, which day: the page lists that day's free times."""

    type = _TypeField(
        label="What would you like to book?",
        queryset=AppointmentType.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose what you would like to book.",
            "invalid_choice": "That appointment cannot be booked online: choose one from the list.",
        },
    )
    practitioner = LoadedModelChoiceField(
        label="With",
        queryset=Practitioner.objects.none(),
        required=False,
        empty_label="Any practitioner",
        error_messages={
            "invalid_choice": "That practitioner cannot be booked online: choose one from the "
            "list, or any practitioner."
        },
    )
    day = forms.DateField(
        label="Day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the day as YYYY-MM-DD, e.g. 2026-03-09."},
    )

    def __init__(self, *args, types, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = types
        self.fields["practitioner"].queryset = practitioners
        # A link that names only the day or the practitioner shows the first type.
        self.fields["type"].required = False

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day is None:
            return None
        rules = online.rules()
        first, last = rules.first_day(), rules.last_day()
        if not first <= day <= last:
            raise forms.ValidationError(
                f"Online bookings are open from {first:%Y-%m-%d} to {last:%Y-%m-%d}: choose a "
                "day between them."
            )
        return day


class OnlineDetailsForm(NamesMixin, OnlineChooseForm):
    """The time chosen and who is booking; ``website`` is the honeypot (people never see it)."""

    start = forms.CharField(
        max_length=40,
        label="Time",
        error_messages={"required": "Choose one of the free times."},
    )
    first_name = forms.CharField(
        max_length=80,
        label="First name",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        max_length=80,
        label="Last name",
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        max_length=32,
        label="Phone",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        max_length=254,
        label="Email",
        help_text="We email you a code to confirm the booking.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )
    website = forms.CharField(
        required=False,
        max_length=200,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    plain_names = {"first_name": "First name", "last_name": "Last name"}

    def clean_phone(self):
        return clean_phone_number(self.cleaned_data["phone"], required=True)

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean_start(self):
        starts_at = parse_instant(self.cleaned_data["start"])
        if starts_at is None:
            raise forms.ValidationError("That time is not one of the free times: choose one.")
        return starts_at

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].required = True

    @property
    def is_trap(self) -> bool:
        """The honeypot was filled: a robot. It gets a success-like answer and nothing else."""
        return bool(self.data.get("website", "").strip())


class OnlineCodeForm(PlainMessagesMixin, forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Code from the email",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
        error_messages={"required": "Enter the 6-digit code from the email."},
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not CODE.fullmatch(code):
            raise forms.ValidationError("The code is 6 digits, e.g. 123456.")
        return code
