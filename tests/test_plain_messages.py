"""Plain error messages on the clinic's forms (issue 10): a value out of range names the field
and the allowed range ("Sets must be between 1 and 20."), never Django's "Ensure this value is
greater than or equal to 1.", and the page keeps what was typed."""

import pytest
from django import forms as django_forms

from mfa.forms import CodeForm, EnrolmentCodeForm
from patients import forms as patient_forms
from tests.clinical import give_consent, make_visit, screen
from tests.programs import TYLER, add, builder_url, formset_post
from treatments import forms as treatment_forms
from treatments.models import Assessment, OutcomeMeasure, ProgramExercise, TreatmentSession, Visit

pytestmark = pytest.mark.django_db


def visit_url(visit, step):
    return f"/visits/{visit.uuid}/{step}/"


@pytest.fixture
def visit(physio):
    return make_visit(physio)


def test_blood_pressure_out_of_range_names_the_reading_and_keeps_it(physio_client, visit):
    response = physio_client.post(
        visit_url(visit, "screening"), {"systolic": "400", "diastolic": "5", "action": "save"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Systolic pressure must be between 50 and 300." in html
    assert "Diastolic pressure must be between 20 and 200." in html
    assert 'name="systolic" value="400"' in html
    assert 'name="diastolic" value="5"' in html
    assert "Ensure this value" not in html


def test_ice_minutes_out_of_range_is_a_plain_message(physio_client, physio, visit):
    screen(visit, by=physio)
    response = physio_client.post(
        visit_url(visit, "treatment"), {"cryotherapy_minutes": "45", "action": "save"}
    )
    html = response.content.decode()
    assert "Ice (minutes) must be between 0 and 30." in html
    assert 'name="cryotherapy_minutes" value="45"' in html
    assert "Ensure this value" not in html
    assert not TreatmentSession.objects.filter(visit=visit, cryotherapy_minutes=45).exists()


def test_a_huge_dose_gets_one_plain_message_not_two(physio_client, visit):
    """99999 sets passed the form's field but failed the model's two maxima (20 and the
    column's 32767): two messages, one of them Django's default."""
    (tyler,) = add(visit, TYLER)
    response = physio_client.post(builder_url(visit), formset_post([tyler], **{"0-sets": "99999"}))
    html = response.content.decode()
    assert html.count("Sets must be between 1 and 20.") == 1
    assert 'name="items-0-sets" value="99999"' in html
    assert "Ensure this value" not in html
    tyler.refresh_from_db()
    assert tyler.sets == 3


def test_pain_out_of_range_in_the_portal_says_zero_to_ten():
    form = treatment_forms.CheckInForm(data={"pain": "11"})
    assert form.errors["pain"] == ["Pain must be between 0 and 10."]
    assert 'value="11"' in str(form["pain"])


def test_a_message_the_form_already_gives_is_kept(physio):
    form = treatment_forms.ApplicationForm(data={"duration_seconds": "500"})
    assert form.errors["duration_seconds"] == [str(treatment_forms.MAX_APPLICATION_SECONDS_MESSAGE)]
    form = treatment_forms.ApplicationForm(data={"angle_degrees": "5"})
    assert form.errors["angle_degrees"] == ["Angle (degrees) must be between 15 and 90."]


def test_an_overlong_note_says_how_long_it_may_be():
    form = treatment_forms.AdhesionSiteForm(data={"note": "x" * 250})
    assert form.errors["note"] == ["Note can be at most 200 characters (it has 250)."]


def _every_form(physio):
    visit = make_visit(physio)
    give_consent(visit.patient, physio)
    scored = {m.code: None for m in OutcomeMeasure.objects.all()}
    return [
        lambda d: treatment_forms.AssessmentForm(d, instance=Assessment(), scored=scored),
        treatment_forms.AdhesionSiteForm,
        lambda d: treatment_forms.ScreeningForm(d, patient=visit.patient),
        treatment_forms.OtherSiteForm,
        lambda d: treatment_forms.SessionForm(d, instance=TreatmentSession()),
        treatment_forms.ApplicationForm,
        lambda d: treatment_forms.ProgramItemForm(d, instance=ProgramExercise()),
        treatment_forms.ClinicExerciseForm,
        lambda d: treatment_forms.VisitReassignForm(d, visit=Visit.objects.get(pk=visit.pk)),
        treatment_forms.CheckInForm,
        patient_forms.PatientForm,
        patient_forms.PatientMergeForm,
        patient_forms.PatientSearchForm,
        patient_forms.ScheduleDayForm,
        patient_forms.BookingSearchForm,
        patient_forms.BookingForm,
        patient_forms.NewCallerForm,
        patient_forms.AppointmentStatusForm,
        patient_forms.PortalCancelForm,
        patient_forms.RescheduleForm,
        patient_forms.TimeOffForm,
        lambda d: patient_forms.TimeOffClashForm(d, clashes=[]),
        CodeForm,
        EnrolmentCodeForm,
    ]


def _extreme(form, number):
    """Every number field at ``number``, every text field far too long."""
    data = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, (django_forms.IntegerField, django_forms.DecimalField)):
            data[key] = number
        elif isinstance(field, django_forms.CharField):
            data[key] = "7" * 6000
    return data


@pytest.mark.parametrize("number", ["-5", "0", "99999", "12345.678", "1e9"])
def test_no_form_renders_django_default_limit_messages(physio, number):
    checked = 0
    for build in _every_form(physio):
        form = build(_extreme(build(None), number))
        rendered = str(form.errors)
        assert "Ensure this value" not in rendered, (build, rendered)
        assert "Ensure that there are" not in rendered, (build, rendered)
        checked += bool(form.errors)
    assert checked >= 15
