from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from patients.models import Practitioner
from revere.forms import FieldChecksOnly
from revere.plain_messages import PlainMessagesMixin
from treatments.models import (
    MAX_APPLICATION_SECONDS_MESSAGE,
    MAX_PROGRAM_EXERCISES,
    Application,
    Assessment,
    BodyRegion,
    Contraindication,
    Exercise,
    Instrument,
    OutcomeMeasure,
    ProgramExercise,
    Screening,
    Side,
    StrokeTechnique,
    TreatmentSession,
)
from treatments.services import (
    ASSESSMENT_FIELDS,
    SESSION_FIELDS,
    FindingInput,
    score_range_message,
)

SIDE_CHOICES = [("", "Side…"), *Side.choices]


class ReadOnlyMixin:
    """``read_only=True`` disables every field: the page shows the record, and a POST of a
    read-only form is ignored by Django (disabled fields keep their initial values)."""

    def __init__(self, *args, read_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_only = read_only
        if read_only:
            for field in self.fields.values():
                field.disabled = True


def _region_field(required=True, label="Region", small=False):
    return forms.ModelChoiceField(
        queryset=BodyRegion.objects.all(),
        required=required,
        label=label,
        empty_label="Region…",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}) if small else None,
    )


def use_catalogue(field: forms.ModelChoiceField, objects) -> None:
    """Let ``field`` offer and check ``objects``, a catalogue the view has already read (with
    others, in one statement): neither rendering nor cleaning the field queries its queryset."""
    objects = list(objects)
    by_key = {str(obj.pk): obj for obj in objects}
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = empty + [(obj.pk, field.label_from_instance(obj)) for obj in objects]

    def to_python(value):
        if value in field.empty_values:
            return None
        key = str(value.pk if hasattr(value, "pk") else value)
        if key not in by_key:
            raise ValidationError(
                field.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return by_key[key]

    field.to_python = to_python


SMALL_SELECT = {"class": "form-select form-select-sm"}
SMALL_INPUT = {"class": "form-control form-control-sm"}


def _side_error(region, side):
    if region is not None and side and side not in region.allowed_sides():
        allowed = ", ".join(Side(s).label.lower() for s in region.allowed_sides())
        return f"{region.label} is recorded with side: {allowed}."
    return None


# --- Step 1 ----------------------------------------------------------------------------------


class AssessmentForm(PlainMessagesMixin, ReadOnlyMixin, FieldChecksOnly, forms.ModelForm):
    class Meta:
        model = Assessment
        fields = list(ASSESSMENT_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "complaint",
                "aggravating_factors",
                "easing_factors",
                "previous_treatment",
                "surgery_history",
                "goals",
                "plan",
            )
        } | {"findings": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, scored=None, also_measures=(), reads=None, **kwargs):
        """``scored`` maps measure code to the value already recorded in this visit;
        ``also_measures`` are further codes to score (a follow-up re-scores earlier measures).
        ``reads``: the conditions and measures already read (``services.AssessmentReads``), so
        the form asks no query of its own."""
        super().__init__(*args, **kwargs)
        self.fields["condition"].empty_label = "Choose the condition…"
        self.fields["condition"].required = False
        if reads is not None:
            use_catalogue(self.fields["condition"], reads.conditions)
        condition = self._chosen_condition()
        codes = set(scored or {}) | set(also_measures)
        if reads is not None:
            if condition is not None:
                codes |= reads.condition_measures.get(condition.pk, set())
            self.measures = [m for code, m in reads.measures.items() if code in codes]
        else:
            if condition is not None:
                codes |= {m.code for m in condition.measures.all()}
            self.measures = list(OutcomeMeasure.objects.filter(code__in=codes))
        for measure in self.measures:
            name = f"score_{measure.code}"
            self.fields[name] = forms.DecimalField(
                label=f"{measure.label} ({score_range_message(measure)[:-1]}; "
                f"{measure.better} is better)",
                required=False,
                max_digits=6,
                decimal_places=1,
                validators=[
                    MinValueValidator(
                        measure.min_value,
                        message=score_range_message(measure),
                    ),
                    MaxValueValidator(
                        measure.max_value,
                        message=score_range_message(measure),
                    ),
                ],
                initial=(scored or {}).get(measure.code),
            )
            if self.read_only:
                self.fields[name].disabled = True

    def _chosen_condition(self):
        if self.is_bound and not self.read_only:
            try:
                return self.fields["condition"].clean(self.data.get(self.add_prefix("condition")))
            except forms.ValidationError:
                return None
        return self.instance.condition

    def score_fields(self):
        return [self[f"score_{m.code}"] for m in self.measures]

    def scores(self):
        return {m: self.cleaned_data.get(f"score_{m.code}") for m in self.measures}

    def assessment_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class FollowUpAssessmentForm(AssessmentForm):
    """A follow-up visit's short re-assessment (issue 12). The history fields stay as copied from
    the last assessment (the full form edits them); the scores are the same fields as above."""

    class Meta(AssessmentForm.Meta):
        fields = ["condition", "changes_since_last", "pain_now", "findings", "goals", "plan"]
        widgets = {
            "changes_since_last": forms.Textarea(attrs={"rows": 3}),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "goals": forms.Textarea(attrs={"rows": 2}),
            "plan": forms.Textarea(attrs={"rows": 2}),
            "pain_now": forms.NumberInput(attrs={"min": 0, "max": 10, "inputmode": "numeric"}),
        }
        labels = {"pain_now": "Pain now"}
        help_texts = {
            "changes_since_last": "Since the last visit: symptoms, function, the home program, "
            "anything new.",
            "pain_now": "0 to 10: 0 is no pain, 10 the worst imaginable.",
        }


class AdhesionSiteForm(PlainMessagesMixin, ReadOnlyMixin, forms.Form):
    region = _region_field(required=False)
    side = forms.ChoiceField(choices=SIDE_CHOICES, required=False)
    note = forms.CharField(max_length=200, required=False, label="Note")

    def __init__(self, *args, regions=None, **kwargs):
        """``regions``: the catalogue read once for every row (``form_kwargs``); without it each
        row reads it."""
        super().__init__(*args, **kwargs)
        if regions is not None:
            use_catalogue(self.fields["region"], regions)

    def clean(self):
        data = super().clean()
        region, side = data.get("region"), data.get("side")
        if region is None and not side and not data.get("note"):
            return data  # an empty row
        if region is None:
            self.add_error("region", "Choose the region of this site.")
        elif not side:
            self.add_error("side", "Choose the side.")
        elif error := _side_error(region, side):
            self.add_error("side", error)
        return data


# A page never has more rows than these; a crafted TOTAL_FORMS of thousands is refused with a
# message instead of building (and rendering) thousands of forms.
MAX_SITE_ROWS = 20
ABSOLUTE_MAX_ROWS = 50


class CappedFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": "At most %(num)d rows can be saved here: remove some rows and save "
        "again.",
    }


def capped_formset(form, *, max_num=MAX_SITE_ROWS):
    return forms.formset_factory(
        form,
        formset=CappedFormSet,
        extra=2,
        max_num=max_num,
        validate_max=True,
        absolute_max=ABSOLUTE_MAX_ROWS,
    )


AdhesionSiteFormSet = capped_formset(AdhesionSiteForm)


def adhesion_sites(formset) -> list[dict]:
    return [
        {
            "region": f.cleaned_data["region"],
            "side": f.cleaned_data["side"],
            "note": f.cleaned_data.get("note", ""),
        }
        for f in formset.forms
        if f.cleaned_data.get("region") is not None
    ]


# --- Step 2 ----------------------------------------------------------------------------------


class ScreeningForm(PlainMessagesMixin, ReadOnlyMixin, forms.Form):
    plain_names = {"systolic": "Systolic pressure", "diastolic": "Diastolic pressure"}
    systolic = forms.IntegerField(
        label="Blood pressure, systolic (mmHg)", required=False, min_value=50, max_value=300
    )
    diastolic = forms.IntegerField(
        label="Blood pressure, diastolic (mmHg)", required=False, min_value=20, max_value=200
    )
    bp_not_measured = forms.BooleanField(
        label="Blood pressure could not be measured today", required=False
    )
    bp_not_measured_reason = forms.CharField(
        label="Why it could not be measured",
        required=False,
        max_length=500,
        widget=forms.TextInput(),
        help_text="E.g. cuff does not fit, both arms in casts. IASTR then needs a written and "
        "acknowledged precaution.",
    )
    precaution = forms.CharField(
        label="Precaution",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. lighter pressure, avoid the site, physician clearance obtained.",
    )
    acknowledge = forms.BooleanField(
        label="I have written the precaution above and will treat within it.", required=False
    )
    all_asked = forms.BooleanField(
        label="I asked the patient about every item above.", required=False
    )

    def __init__(
        self, *args, screening: Screening | None = None, patient=None, items=None, **kwargs
    ):
        """``patient`` without a recorded consent to IASTR adds the box that records it.
        ``items``: the active catalogue as a queryset of its own (issue 13's, with the patient's
        intake answers folded in); by default the active items."""
        if items is None:
            items = Contraindication.objects.filter(active=True)
        self.items = list(items)
        initial = kwargs.pop("initial", {}) or {}
        if screening is not None and screening.pk:
            initial.update(
                systolic=screening.systolic,
                diastolic=screening.diastolic,
                bp_not_measured=bool(screening.bp_not_measured_reason),
                bp_not_measured_reason=screening.bp_not_measured_reason,
                precaution=screening.precaution,
                acknowledge=screening.precaution_acknowledged,
                all_asked=screening.is_complete,
            )
            seen = set()
            for finding in screening.findings.all():
                code = finding.contraindication_id
                if code in seen:
                    continue  # a further site of the same item: an "other sites" row
                seen.add(code)
                initial[f"ci_{code}"] = True
                initial[f"ci_{code}_region"] = finding.region_id
                initial[f"ci_{code}_side"] = finding.side
                initial[f"ci_{code}_note"] = finding.note
        super().__init__(*args, initial=initial, **kwargs)
        if patient is not None and not patient.has_iastr_consent and not self.read_only:
            self.fields["consent_iastr"] = forms.BooleanField(
                label="Patient consents to IASTR (explained today)",
                required=False,
                help_text="Recorded on the patient's record with your name and the time.",
            )
        regions = None
        for item in self.items:
            self.fields[f"ci_{item.code}"] = forms.BooleanField(
                label=item.label,
                required=False,
                disabled=self.read_only,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            if item.is_local:
                region = _region_field(
                    required=False, label=f"Region for {item.label.lower()}", small=True
                )
                if regions is None:  # the catalogue read once for every row
                    regions = list(iter(region.choices))
                region.choices = regions
                self.fields[f"ci_{item.code}_region"] = region
                self.fields[f"ci_{item.code}_side"] = forms.ChoiceField(
                    choices=SIDE_CHOICES,
                    required=False,
                    label=f"Side for {item.label.lower()}",
                    widget=forms.Select(attrs=SMALL_SELECT),
                )
                if self.read_only:
                    self.fields[f"ci_{item.code}_region"].disabled = True
                    self.fields[f"ci_{item.code}_side"].disabled = True
            self.fields[f"ci_{item.code}_note"] = forms.CharField(
                max_length=200,
                required=False,
                label=f"Note on {item.label.lower()}",
                disabled=self.read_only,
                widget=forms.TextInput(attrs=SMALL_INPUT),
            )
        # For the "other sites" rows (OtherSiteForm's ``choices``): what this form has read.
        self.shared_choices = {"items": self.items, "region": regions}

    def rows(self):
        """(item, checkbox, region, side, note) for the template, absolute items first."""
        for item in self.items:
            code = item.code
            yield (
                item,
                self[f"ci_{code}"],
                self[f"ci_{code}_region"] if item.is_local else None,
                self[f"ci_{code}_side"] if item.is_local else None,
                self[f"ci_{code}_note"],
            )

    def clean(self):
        data = super().clean()
        for item in self.items:
            code = item.code
            if not data.get(f"ci_{code}") or not item.is_local:
                continue
            region, side = data.get(f"ci_{code}_region"), data.get(f"ci_{code}_side")
            if region is None:
                self.add_error(f"ci_{code}_region", f"{item.label}: choose the region.")
            if not side:
                self.add_error(f"ci_{code}_side", f"{item.label}: choose the side.")
            elif error := _side_error(region, side):
                self.add_error(f"ci_{code}_side", error)
        if (data.get("systolic") is None) != (data.get("diastolic") is None):
            self.add_error("diastolic", "Enter both blood-pressure values, or neither.")
        reason = (data.get("bp_not_measured_reason") or "").strip()
        if data.get("bp_not_measured"):
            if data.get("systolic") is not None or data.get("diastolic") is not None:
                self.add_error(
                    "bp_not_measured",
                    "A reading is entered above: clear it, or untick “could not be measured”.",
                )
            if not reason:
                self.add_error(
                    "bp_not_measured_reason", "Say why the blood pressure could not be measured."
                )
        elif reason:
            self.add_error(
                "bp_not_measured",
                "Tick “could not be measured” to record the reason, or clear the reason.",
            )
        return data

    def not_measured_reason(self) -> str:
        """The reason to store: only when “could not be measured” is ticked."""
        if not self.cleaned_data.get("bp_not_measured"):
            return ""
        return self.cleaned_data.get("bp_not_measured_reason", "").strip()

    def consent_given(self) -> bool:
        return bool(self.cleaned_data.get("consent_iastr"))

    def findings(self) -> list[FindingInput]:
        data = self.cleaned_data
        return [
            FindingInput(
                contraindication=item,
                region=data.get(f"ci_{item.code}_region") if item.is_local else None,
                side=(data.get(f"ci_{item.code}_side") or "") if item.is_local else "",
                note=data.get(f"ci_{item.code}_note", ""),
            )
            for item in self.items
            if data.get(f"ci_{item.code}")
        ]


class OtherSiteForm(PlainMessagesMixin, ReadOnlyMixin, forms.Form):
    """A further site of a local contraindication already ticked above (e.g. a second wound)."""

    contraindication = forms.ModelChoiceField(
        queryset=Contraindication.objects.filter(active=True, scope="local"),
        required=False,
        label="Contraindication",
        empty_label="Local contraindication…",
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    region = _region_field(required=False, small=True)
    side = forms.ChoiceField(
        choices=SIDE_CHOICES, required=False, widget=forms.Select(attrs=SMALL_SELECT)
    )
    note = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs=SMALL_INPUT)
    )

    def __init__(self, *args, choices: dict | None = None, **kwargs):
        """``choices``: a dict shared by the formset's rows (``form_kwargs``), so the items and
        the regions are read once for all of them rather than once a row."""
        super().__init__(*args, **kwargs)
        if choices is not None:
            items = choices.pop("items", None)  # the screening form's, already read
            if items is not None:
                field = self.fields["contraindication"]
                choices["contraindication"] = [("", field.empty_label)] + [
                    (item.pk, field.label_from_instance(item))
                    for item in items
                    if item.active and item.is_local
                ]
            for name in ("contraindication", "region"):
                field = self.fields[name]
                if choices.get(name) is None:
                    choices[name] = list(iter(field.choices))  # one query, no count first
                field.choices = choices[name]

    def clean(self):
        data = super().clean()
        item, region, side = data.get("contraindication"), data.get("region"), data.get("side")
        if item is None and region is None and not side:
            return data  # an empty row
        if item is None:
            self.add_error("contraindication", "Choose which contraindication is at this site.")
        if region is None:
            self.add_error("region", "Choose the region.")
        if not side:
            self.add_error("side", "Choose the side.")
        elif error := _side_error(region, side):
            self.add_error("side", error)
        return data


OtherSiteFormSet = capped_formset(OtherSiteForm)


def other_sites_initial(screening) -> list[dict]:
    """The findings beyond the first of each item, for the "other sites" rows."""
    if screening is None or not screening.pk:
        return []
    seen, rows = set(), []
    for finding in screening.findings.all():
        if finding.contraindication_id in seen:
            rows.append(
                {
                    "contraindication": finding.contraindication_id,
                    "region": finding.region_id,
                    "side": finding.side,
                    "note": finding.note,
                }
            )
        seen.add(finding.contraindication_id)
    return rows


def other_site_findings(formset) -> list[FindingInput]:
    return [
        FindingInput(
            contraindication=f.cleaned_data["contraindication"],
            region=f.cleaned_data["region"],
            side=f.cleaned_data["side"],
            note=f.cleaned_data.get("note", ""),
        )
        for f in formset.forms
        if f.cleaned_data.get("contraindication") is not None
    ]


# --- Step 3 ----------------------------------------------------------------------------------


class SessionForm(PlainMessagesMixin, ReadOnlyMixin, FieldChecksOnly, forms.ModelForm):
    class Meta:
        model = TreatmentSession
        fields = list(SESSION_FIELDS)
        labels = {"adverse_event_note": "Adverse event (if any)"}
        widgets = {"adverse_event_note": forms.Textarea(attrs={"rows": 2})}


class ApplicationForm(PlainMessagesMixin, FieldChecksOnly, forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            "region",
            "side",
            "instrument",
            "stroke",
            "direction",
            "pressure",
            "angle_degrees",
            "duration_seconds",
        ]
        labels = {"duration_seconds": "Duration (seconds, 1–120)", "stroke": "Stroke technique"}
        widgets = {
            "duration_seconds": forms.NumberInput(attrs={"min": 1, "max": 120, "step": 1}),
            "angle_degrees": forms.NumberInput(attrs={"min": 15, "max": 90}),
        }
        error_messages = {
            "duration_seconds": {
                "max_value": MAX_APPLICATION_SECONDS_MESSAGE,
                "min_value": MAX_APPLICATION_SECONDS_MESSAGE,
            }
        }

    def __init__(self, *args, catalogues=None, **kwargs):
        """``catalogues``: the regions, active instruments and strokes already read (a
        ``body_chart.VisitSites`` with ``catalogues=True``), so the choices cost no query."""
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = Instrument.objects.filter(active=True)
        self.fields["stroke"].queryset = StrokeTechnique.objects.all()
        self.fields["region"].empty_label = "Region…"
        if catalogues is not None:
            use_catalogue(self.fields["region"], catalogues.regions)
            use_catalogue(self.fields["instrument"], catalogues.instruments)
            use_catalogue(self.fields["stroke"], catalogues.strokes)

    def clean(self):
        data = super().clean()
        if error := _side_error(data.get("region"), data.get("side")):
            self.add_error("side", error)
        return data


# --- Step 4: the home program ------------------------------------------------------------------


class ProgramItemForm(PlainMessagesMixin, ReadOnlyMixin, forms.ModelForm):
    class Meta:
        model = ProgramExercise
        fields = ["sets", "reps", "hold_seconds", "times_per_day", "days_per_week", "notes"]
        labels = {"times_per_day": "Times a day", "days_per_week": "Days a week"}
        widgets = {
            name: forms.NumberInput(attrs={"class": "form-control form-control-sm", "min": 1})
            for name in ["sets", "reps", "hold_seconds", "times_per_day", "days_per_week"]
        } | {"notes": forms.TextInput(attrs=SMALL_INPUT)}


class CappedModelFormSet(forms.BaseModelFormSet):
    default_error_messages = CappedFormSet.default_error_messages


ProgramItemFormSet = forms.modelformset_factory(
    ProgramExercise,
    form=ProgramItemForm,
    formset=CappedModelFormSet,
    extra=0,
    can_delete=False,
    max_num=MAX_PROGRAM_EXERCISES,
    validate_max=True,
    absolute_max=MAX_PROGRAM_EXERCISES,
)


class ClinicExerciseForm(PlainMessagesMixin, forms.ModelForm):
    class Meta:
        model = Exercise
        fields = [
            "name",
            "kind",
            "regions",
            "instructions",
            "sets",
            "reps",
            "hold_seconds",
            "times_per_day",
            "days_per_week",
        ]
        labels = {
            "name": "Exercise name",
            "times_per_day": "Times a day",
            "days_per_week": "Days a week",
        }
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 3}),
            "regions": forms.SelectMultiple(attrs={"size": 5}),
        }

    # The dose limits are the model's validators (DOSE_LIMITS), so the form, the service and
    # the database say the same.


# --- Reassigning a draft visit (the manager) -----------------------------------------------------


class VisitReassignForm(PlainMessagesMixin, forms.Form):
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(),
        label="Practitioner who will complete and sign this visit",
        empty_label="Choose a practitioner…",
        error_messages={
            "invalid_choice": "Choose an active practitioner other than the current one."
        },
    )

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = Practitioner.objects.filter(active=True).exclude(
            pk=visit.practitioner_id
        )


# --- The portal ---------------------------------------------------------------------------------


class CheckInForm(PlainMessagesMixin, forms.Form):
    plain_names = {"pain": "Pain"}
    pain = forms.IntegerField(
        label="Pain today, from 0 (none) to 10 (worst imaginable)",
        required=False,
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"done_{item.pk}"] = forms.BooleanField(
                label=f"Done: {item.exercise.name}",
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    def done_items(self):
        return [item for item in self.items if self.cleaned_data.get(f"done_{item.pk}")]

    def rows(self):
        return [(item, self[f"done_{item.pk}"]) for item in self.items]
