"""Issue 13: the intake form a patient fills in before the first visit (treatments/intake_views.py).

Contact fields start empty whatever the record holds (a forwarded link must not show it); each
question of the screening catalogue is answered yes, no or not sure, with an optional detail
(where, which medicine); consent to IASTR is a box under the clinic's explanation.
"""

import hashlib

from django import forms
from django.utils import timezone

from patients.forms import OLDEST_AGE_YEARS, clean_phone_number
from revere.plain_messages import PlainMessagesMixin
from treatments.models import IntakeAnswerChoice
from treatments.services.intake import HISTORY_FIELDS, AnswerInput

TEXT_LIMIT = 2000
ANSWER_REQUIRED = "Answer this question: yes, no or not sure."
EXPLANATION_CHANGED = (
    "The clinic updated its explanation of IASTR while you were reading: please read it again "
    "below, and tick the box if you consent."
)


def explanation_version(text: str) -> str:
    """A short fingerprint of the explanation shown, posted back with the form: the consent
    kept is to the text the patient read."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _text(label, *, required=False, rows=3, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _line(label, *, max_length=200, help_text=""):
    return forms.CharField(label=label, required=False, max_length=max_length, help_text=help_text)


class PatientIntakeForm(PlainMessagesMixin, forms.Form):
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter your date of birth as YYYY-MM-DD, e.g. 1980-05-17."},
    )
    address = forms.CharField(
        label="Address",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    emergency_contact_name = _line("Emergency contact: name", max_length=120)
    emergency_contact_phone = forms.CharField(
        label="Emergency contact: phone",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    complaint = _text(
        "What is the problem, and where do you feel it?",
        required=True,
        help_text="For example: pain on the outside of my right elbow when I grip.",
    )
    onset = _line("Since when?", help_text="For example: about 6 weeks, since March.")
    mechanism = _line(
        "How did it start?", help_text="For example: after a fall, slowly, after gardening."
    )
    aggravating_factors = _text("What makes it worse?", rows=2)
    easing_factors = _text("What makes it better?", rows=2)
    previous_treatment = _text("Treatment you have had for it, if any", rows=2)
    surgery_history = _text("Surgery or injuries in the past, if any", rows=2)
    goals = _text("What would you like to be able to do again?", rows=2)

    plain_names = {
        "complaint": "The problem and where you feel it",
        "onset": "Since when",
        "mechanism": "How it started",
    }

    def __init__(self, *args, questions=(), explanation="", **kwargs):
        """``explanation``: the clinic's explanation of IASTR shown above the consent box (none:
        consent is not offered online)."""
        self.questions = list(questions)
        self.explanation = explanation
        super().__init__(*args, **kwargs)
        self.fields["complaint"].error_messages["required"] = (
            "Tell us what the problem is and where you feel it."
        )
        for item in self.questions:
            self.fields[f"q_{item.code}"] = forms.ChoiceField(
                label=item.patient_question,
                choices=IntakeAnswerChoice.choices,
                widget=forms.RadioSelect,
                error_messages={"required": ANSWER_REQUIRED, "invalid_choice": ANSWER_REQUIRED},
            )
            self.fields[f"q_{item.code}_detail"] = forms.CharField(
                label="Where?" if item.is_local else "Details",
                required=False,
                max_length=200,
            )
        if explanation:
            self.fields["consents_to_iastr"] = forms.BooleanField(
                label="I have read the explanation above and I consent to IASTR.",
                required=False,
                help_text="You can still say no at your visit, or ask to stop at any time.",
            )
            self.fields["explanation_version"] = forms.CharField(
                required=False,
                max_length=64,
                widget=forms.HiddenInput,
                initial=explanation_version(explanation),
            )
        # "Where? can be at most ..." would read oddly: each detail is named "The detail".
        self.plain_names = {
            **type(self).plain_names,
            **{f"q_{item.code}_detail": "The detail" for item in self.questions},
        }

        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.RadioSelect, forms.HiddenInput)):
                continue  # the template writes the radios and the hidden version itself
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else "form-control"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) for the list at the top of the page: each field's message, and
        the unanswered questions as one line when there are several (each also says so itself)."""
        rows = [("", str(e)) for e in self.non_field_errors()]
        unanswered = []
        for name, errors in self.errors.items():
            if name == "__all__" or name not in self.fields:
                continue
            field = self[name]
            if isinstance(field.field.widget, forms.RadioSelect):
                if ANSWER_REQUIRED in errors:
                    unanswered.append(f"{field.auto_id}_0")
                    continue
                anchor = f"{field.auto_id}_0"
            else:
                anchor = field.id_for_label
            rows += [
                (anchor, f"{e} ({field.label})" if name.startswith("q_") else e) for e in errors
            ]
        if len(unanswered) == 1:
            rows.append((unanswered[0], "A health question is not answered: " + ANSWER_REQUIRED))
        elif unanswered:
            rows.append(
                (
                    unanswered[0],
                    f"{len(unanswered)} health questions are not answered: answer each with yes, "
                    "no or not sure.",
                )
            )
        return rows

    def question_rows(self):
        """(item, answer field, detail field) for the template, in the catalogue's order."""
        for item in self.questions:
            yield item, self[f"q_{item.code}"], self[f"q_{item.code}_detail"]

    def clean_date_of_birth(self):
        dob = self.cleaned_data["date_of_birth"]
        if dob is None:
            return dob
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError("Your date of birth cannot be in the future.")
        if dob.year < today.year - OLDEST_AGE_YEARS:
            raise forms.ValidationError("Check the year of your date of birth.")
        return dob

    def clean(self):
        data = super().clean()
        if data.get("consents_to_iastr") and data.get("explanation_version") != (
            explanation_version(self.explanation)
        ):
            self.add_error("consents_to_iastr", EXPLANATION_CHANGED)
        return data

    def clean_emergency_contact_phone(self):
        return clean_phone_number(self.cleaned_data["emergency_contact_phone"], required=False)

    def contact(self) -> dict:
        data = self.cleaned_data
        return {
            "date_of_birth": data["date_of_birth"],
            "address": data["address"].strip(),
            "emergency_contact_name": " ".join(data["emergency_contact_name"].split()),
            "emergency_contact_phone": data["emergency_contact_phone"],
        }

    def history(self) -> dict:
        return {name: self.cleaned_data[name] for name in HISTORY_FIELDS}

    def answers(self) -> list[AnswerInput]:
        data = self.cleaned_data
        return [
            AnswerInput(
                contraindication=item,
                answer=data[f"q_{item.code}"],
                detail=data.get(f"q_{item.code}_detail", ""),
            )
            for item in self.questions
        ]

    def consents(self) -> bool:
        return bool(self.cleaned_data.get("consents_to_iastr"))
