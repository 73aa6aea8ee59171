import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils import timezone

from patients.models import Patient
from patients.services import EDITABLE_FIELDS

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


class PatientForm(forms.ModelForm):
    consent_iastr = forms.BooleanField(
        required=False,
        label="Consents to IASTR (instrument-assisted soft tissue treatment)",
        help_text="Tick once the patient has given informed consent. Who recorded it and when is "
        "kept with the record.",
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

    def clean_first_name(self):
        return self._clean_name("first_name")

    def clean_last_name(self):
        return self._clean_name("last_name")

    def _clean_name(self, field):
        value = " ".join(self.cleaned_data[field].split())
        if not value:
            raise forms.ValidationError("This field is required.")
        return value

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


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search patients",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, phone, email or date of birth"}
        ),
    )
