"""Issue 13: the intake form before the first visit, with the IASTR pre-screening questions.

The emailed link (anonymous, signed token), the portal's copy of the form, the clinic's read-only
page of a submitted intake, and the answers beside the screening items as "patient reported":
never a completed screening, never the recorded consent the treatment rules ask for.
"""

import datetime
import re

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from audit.models import AccessLog
from patients.models import Patient
from patients.services import records as patient_records
from revere.intake_links import intake_path, intake_token
from tests.clinical import (
    NO_SCREENING,
    make_visit,
    pgcode,
    raw_execute,
    raw_insert_application,
    session_for,
)
from tests.factories import PatientFactory
from tests.programs import client_for, portal_patient
from treatments.intake_forms import explanation_version
from treatments.models import (
    ConsentExplanation,
    Contraindication,
    IntakeAnswer,
    IntakeForm,
    Screening,
)
from treatments.services import intake as intake_services

pytestmark = pytest.mark.django_db

INVALID = "This link has expired or is not valid: please call the clinic at"


def asked():
    return intake_services.intake_questions()


def answers(**overrides):
    """A POST's answers: "no" to every question unless ``code=answer`` (or (answer, detail))."""
    data = {}
    for item in asked():
        value = overrides.get(item.code, "no")
        answer, detail = value if isinstance(value, tuple) else (value, "")
        data[f"q_{item.code}"] = answer
        data[f"q_{item.code}_detail"] = detail
    return data


def filled(**overrides):
    data = {
        "date_of_birth": "1980-05-17",
        "address": "12 Cedar Lane, Vancouver",
        "emergency_contact_name": "Sam Rivera",
        "emergency_contact_phone": "604-555-0199",
        "complaint": "Pain on the outside of my right elbow when I grip",
        "onset": "About 6 weeks",
        "mechanism": "After a weekend of gardening",
        "aggravating_factors": "Lifting the kettle",
        "easing_factors": "Rest",
        "previous_treatment": "Ice",
        "surgery_history": "",
        "goals": "Play tennis again",
        "consents_to_iastr": "on",
        "explanation_version": explanation_version(ConsentExplanation.current().text.strip()),
    }
    data.update(answers(**overrides.pop("answers", {})))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def newcomer(db):
    """A patient booked as a new caller: name and phone only, with other details to come."""
    return Patient.objects.create(
        first_name="Nadia",
        last_name="Quellhorst",
        phone="604-555-0142",
        email="nadia.q@example.com",
    )


def submit(patient, **overrides):
    client = Client()
    path = intake_path(patient.uuid)
    response = client.post(path, filled(**overrides))
    response.path = path
    return client, response


# --- The catalogue's questions ---------------------------------------------------------------


def test_every_active_item_with_a_question_renders_on_the_form(newcomer):
    Contraindication.objects.filter(code="osteoporosis").update(active=False)
    html = Client().get(intake_path(newcomer.uuid)).content.decode()
    items = asked()
    assert len(items) >= 15
    for item in items:
        assert item.patient_question in html.replace("&#x27;", "'")
        assert f'name="q_{item.code}"' in html
    assert 'name="q_osteoporosis"' not in html  # inactive: not asked
    assert 'name="q_patient_intolerance"' not in html  # no question: not asked
    assert html.count('data-testid="intake-question"') == len(items)


JARGON = (
    "contraindicat",
    "anticoagul",
    "antiplatelet",
    "thrombophlebitis",
    "hematoma",
    "myositis",
    "ossificans",
    "incision",
    "neuropathy",
    "hypertension",
    "iastr",
    "systemic",
    "petechiae",
    "osteomyelitis",
    "thrombosis",
    "dvt",
)


def test_the_questions_are_plain_words_without_code_names():
    items = list(Contraindication.objects.exclude(patient_question=""))
    codes = set(Contraindication.objects.values_list("code", flat=True))
    assert len(items) == Contraindication.objects.count() - 1  # all but patient_intolerance
    for item in items:
        question = item.patient_question
        assert question.endswith("?"), question
        assert question != item.label
        assert "_" not in question, question
        # A code name (``thrombophlebitis_dvt``) never; a one-word code may be a plain word
        # ("cancer", "pregnant"): the jargon list below catches the medical terms.
        assert not [c for c in codes if "_" in c and c in question.lower()], question
        assert not [j for j in JARGON if j in question.lower()], question
        assert len(question) <= 160, question
    anticoagulants = Contraindication.objects.get(code="anticoagulants").patient_question
    assert anticoagulants.startswith("Do you take blood thinners")


def test_the_manager_edits_a_question_and_the_explanation_in_the_admin(manager_client, newcomer):
    item = Contraindication.objects.get(code="pregnancy")
    url = f"/admin/treatments/contraindication/{item.pk}/change/"
    page = manager_client.get(url).content.decode()
    assert 'name="patient_question"' in page
    response = manager_client.post(
        url,
        {
            "label": item.label,
            "severity": item.severity,
            "scope": item.scope,
            "active": "on",
            "position": item.position,
            "patient_question": "Are you expecting a baby, or could you be?",
        },
    )
    assert response.status_code == 302
    explanation = ConsentExplanation.objects.get()
    response = manager_client.post(
        f"/admin/treatments/consentexplanation/{explanation.pk}/change/",
        {"text": "Our own words about IASTR: redness for 1-2 days."},
    )
    assert response.status_code == 302
    html = Client().get(intake_path(newcomer.uuid)).content.decode()
    assert "Are you expecting a baby, or could you be?" in html
    assert "Our own words about IASTR: redness for 1-2 days." in html


def test_the_seeded_explanation_is_plain_and_honest():
    text = ConsentExplanation.current().text
    for words in ("redness", "petechiae", "bruis", "1 to 2 days", "stop at any time", "checks"):
        assert words in text.lower() or words in text, words


# --- The emailed link: who may open it, what it shows ---------------------------------------


def test_the_link_shows_the_first_name_only_and_empty_contact_fields(db):
    patient = PatientFactory(
        first_name="Odette",
        last_name="Brannigan",
        address="77 Secret Street",
        emergency_contact_name="Hidden Person",
        emergency_contact_phone="604-555-0177",
    )
    response = Client().get(intake_path(patient.uuid))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hello Odette" in html
    for private in (
        "Brannigan",
        "77 Secret Street",
        "Hidden Person",
        "604-555-0177",
        patient.phone,
        patient.email,
        f"{patient.date_of_birth:%Y-%m-%d}",
        str(patient.uuid),
    ):
        assert private not in html, private
    assert response["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def _invalid_tokens(archived_patient):
    good = intake_token(archived_patient.uuid)
    expired = signing.TimestampSigner(salt="revere.intake-form")
    old = timezone.now() - datetime.timedelta(days=61)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(signing.time, "time", lambda: old.timestamp())
        expired_token = expired.sign(str(PatientFactory().uuid))
    return {
        "archived record": good,
        "no such record": intake_token("3f2b1c4e-0000-4000-8000-000000000000"),
        "forged signature": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        "expired": expired_token,
        "junk": "not-a-token",
        "unsigned uuid": str(PatientFactory().uuid),
    }


def test_every_link_that_opens_no_form_gets_the_same_page(db, manager):
    archived = PatientFactory(first_name="Archie")
    patient_records.patient_archive(patient=archived, by=manager)
    bodies = set()
    for why, token in _invalid_tokens(archived).items():
        for method in ("get", "post"):
            response = getattr(Client(), method)(f"/intake/{token}/", filled())
            assert response.status_code == 404, why
            html = response.content.decode()
            assert INVALID in html, why
            assert "Archie" not in html
            bodies.add(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html))
    assert len(bodies) == 1  # nothing tells one case from another
    assert not IntakeForm.objects.exists()


def test_the_link_is_open_without_signing_in_and_without_a_second_factor(newcomer, physio):
    anonymous = Client().get(intake_path(newcomer.uuid))
    assert anonymous.status_code == 200
    # A staff login half-way (password given, no code yet) on the computer at hand.
    half_signed_in = Client()
    half_signed_in.force_login(physio)
    from tests.support import authenticator_for

    authenticator_for(physio)
    assert half_signed_in.get("/patients/").status_code == 302  # the check still applies there
    response = half_signed_in.get(intake_path(newcomer.uuid))
    assert response.status_code == 200
    assert "Hello Nadia" in response.content.decode()


def test_an_expired_session_opening_the_link_is_ended_and_the_form_shows(newcomer, portal):
    from accounts.middleware import LAST_ACTIVITY

    _, client = portal
    session = client.session
    session[LAST_ACTIVITY] -= 24 * 3600
    session.save()
    response = client.get(intake_path(newcomer.uuid))
    assert response.status_code == 200
    assert "Hello Nadia" in response.content.decode()
    assert "_auth_user_id" not in client.session  # signed out, not sent to the login page
    assert client.get("/portal/").status_code == 302


# --- Submitting ---------------------------------------------------------------------------


def test_submitting_keeps_the_answers_and_fills_only_the_records_blanks(newcomer):
    newcomer.emergency_contact_name = "Already Known"
    newcomer.save()
    client, response = submit(
        newcomer,
        answers={"anticoagulants": ("yes", "warfarin"), "open_wound": ("not_sure", "left shin")},
    )
    assert response.status_code == 302 and response["Location"] == response.path
    intake = IntakeForm.objects.get(patient=newcomer)
    assert intake.is_submitted and intake.source == "email_link"
    assert intake.consents_to_iastr and "petechiae" in intake.consent_text
    assert intake.complaint.startswith("Pain on the outside")
    got = {a.contraindication_id: (a.answer, a.detail) for a in intake.answers.all()}
    assert got["anticoagulants"] == ("yes", "warfarin")
    assert got["open_wound"] == ("not_sure", "left shin")
    assert len(got) == len(asked())
    assert IntakeAnswer.objects.get(intake=intake, contraindication="anticoagulants").question
    newcomer.refresh_from_db()
    assert newcomer.date_of_birth == datetime.date(1980, 5, 17)  # was blank: filled
    assert newcomer.address == "12 Cedar Lane, Vancouver"
    assert newcomer.emergency_contact_phone == "604-555-0199"
    assert newcomer.emergency_contact_name == "Already Known"  # never overwritten
    # The history says the change came from the intake form.
    event = newcomer.events.order_by("-pgh_id").first()
    assert event.pgh_context.metadata["intake_form"] == str(intake.uuid)
    # The link now says it was received, and to tell the clinic of any change.
    html = client.get(intake_path(newcomer.uuid)).content.decode()
    assert "your intake form is sent" in html
    assert "The clinic received your intake form" in html
    assert "please tell the clinic" in html
    assert 'name="complaint"' not in html


def test_one_submitted_intake_per_patient(newcomer):
    submit(newcomer)
    _, again = submit(newcomer, complaint="Something else entirely")
    assert again.status_code == 200
    assert "The clinic received your intake form" in again.content.decode()
    assert IntakeForm.objects.filter(patient=newcomer).count() == 1
    with pytest.raises(intake_services.IntakeAlreadySubmitted):
        intake_services.intake_submit(
            patient=newcomer,
            source="portal",
            contact={},
            history={"complaint": "x"},
            answers=[],
            consents_to_iastr=False,
        )


def test_a_submitted_intake_is_read_only_in_the_database(newcomer):
    submit(newcomer)
    intake = IntakeForm.objects.get(patient=newcomer)
    statements = [
        ("UPDATE treatments_intakeform SET complaint = 'changed' WHERE id = %s", [intake.pk]),
        ("DELETE FROM treatments_intakeform WHERE id = %s", [intake.pk]),
        ("UPDATE treatments_intakeanswer SET answer = 'no' WHERE intake_id = %s", [intake.pk]),
        ("DELETE FROM treatments_intakeanswer WHERE intake_id = %s", [intake.pk]),
        (
            "INSERT INTO treatments_intakeanswer (intake_id, contraindication_id, question, "
            "answer, detail) VALUES (%s, 'patient_intolerance', 'q?', 'yes', '')",
            [intake.pk],
        ),
    ]
    for sql, params in statements:
        with pytest.raises(DatabaseError), transaction.atomic():
            raw_execute(sql, params)
    intake.refresh_from_db()
    assert intake.complaint.startswith("Pain on the outside")


@pytest.mark.parametrize(
    "change, field_message",
    [
        ({"answers": {"anticoagulants": None}}, "Answer this question: yes, no or not sure."),
        ({"answers": {"anticoagulants": "maybe"}}, "Answer this question: yes, no or not sure."),
        ({"complaint": "   "}, "Tell us what the problem is and where you feel it."),
        ({"date_of_birth": "2999-01-01"}, "Your date of birth cannot be in the future."),
        ({"date_of_birth": "0001-01-01"}, "Check the year of your date of birth."),
        ({"date_of_birth": "17/05/80x"}, "Enter your date of birth as YYYY-MM-DD"),
        ({"emergency_contact_phone": "call me"}, "Enter a phone number of 7 to 15 digits"),
        ({"onset": "x" * 201}, "Since when can be at most 200 characters (it has 201)."),
        ({"goals": "a\x00b"}, "Null characters are not allowed."),
        (
            {"answers": {"pregnancy": ("yes", "w" * 201)}},
            "The detail can be at most 200 characters",
        ),
    ],
)
def test_a_form_error_is_clear_keeps_what_was_typed_and_sends_nothing(
    newcomer, change, field_message
):
    data = filled(**{k: v for k, v in change.items() if k != "answers"})
    for code, value in change.get("answers", {}).items():
        if value is None:
            data.pop(f"q_{code}")
        else:
            answer, detail = value if isinstance(value, tuple) else (value, "")
            data[f"q_{code}"], data[f"q_{code}_detail"] = answer, detail
    data["q_hemophilia"] = "not_sure"
    data["q_hemophilia_detail"] = "bruise easily"
    response = Client().post(intake_path(newcomer.uuid), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was sent yet." in html
    assert field_message in html.replace("&#x27;", "'")
    assert "Gardening".lower() in html.lower()  # the history typed is kept
    assert 'value="not_sure" id="id_q_hemophilia_2" checked' in html  # an answer kept
    assert 'value="bruise easily"' in html
    assert not IntakeForm.objects.exists()
    newcomer.refresh_from_db()
    assert newcomer.address == ""


def test_consent_is_to_the_explanation_the_patient_read(newcomer):
    client = Client()
    path = intake_path(newcomer.uuid)
    shown = client.get(path).content.decode()
    version = re.search(r'name="explanation_version" value="([0-9a-f]+)"', shown).group(1)
    ConsentExplanation.objects.update(text="A new explanation, edited meanwhile.")
    response = client.post(path, filled(explanation_version=version))
    html = response.content.decode()
    assert response.status_code == 200
    assert "The clinic updated its explanation of IASTR while you were reading" in html
    assert "A new explanation, edited meanwhile." in html
    assert not IntakeForm.objects.exists()
    version = re.search(r'name="explanation_version" value="([0-9a-f]+)"', html).group(1)
    client.post(path, filled(explanation_version=version))
    assert IntakeForm.objects.get().consent_text == "A new explanation, edited meanwhile."


def test_a_patient_may_decline_iastr_online(newcomer):
    submit(newcomer, consents_to_iastr=None)
    intake = IntakeForm.objects.get()
    assert not intake.consents_to_iastr and intake.consented_at is None
    assert intake.consent_text == ""
    newcomer.refresh_from_db()
    assert newcomer.consent_iastr_at is None  # never the staff-recorded consent


# --- The portal ---------------------------------------------------------------------------


@pytest.fixture
def portal():
    patient, user = portal_patient("Priya", "Intakeson")
    return patient, client_for(user)


def test_my_plan_asks_for_the_intake_form_until_it_is_sent(portal):
    patient, client = portal
    html = client.get("/portal/").content.decode()
    assert "Fill in your intake form before your first visit" in html
    assert 'href="/portal/intake/"' in html
    form_page = client.get("/portal/intake/").content.decode()
    assert "Hello Priya" in form_page and 'name="complaint"' in form_page
    response = client.post("/portal/intake/", filled())
    assert response.status_code == 302 and response["Location"] == "/portal/intake/"
    intake = IntakeForm.objects.get(patient=patient)
    assert intake.source == "portal"
    assert "Fill in your intake form" not in client.get("/portal/").content.decode()
    assert "The clinic received your intake form" in client.get("/portal/intake/").content.decode()


def test_my_plan_does_not_ask_a_patient_already_seen(portal, physio):
    patient, client = portal
    make_visit(physio, patient)
    assert "Fill in your intake form" not in client.get("/portal/").content.decode()


def test_only_a_patient_opens_the_portal_form(front_desk_client, physio_client, manager_client):
    for client in (front_desk_client, physio_client, manager_client):
        assert client.get("/portal/intake/").status_code == 404
    response = Client().get("/portal/intake/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The clinic's side --------------------------------------------------------------------


def test_physio_and_manager_read_the_intake_and_the_read_is_logged(
    newcomer, physio_client, manager_client, physio, manager
):
    newcomer.address = "1 Old Road"
    newcomer.save()
    submit(newcomer, answers={"anticoagulants": ("yes", "apixaban")})
    intake = IntakeForm.objects.get()
    page = physio_client.get(f"/patients/{newcomer.uuid}/").content.decode()
    assert f"Intake form (submitted {timezone.localtime(intake.submitted_at):%-d %B %Y})" in page
    assert f"/intake/record/{intake.uuid}/" in page
    for user, client in ((physio, physio_client), (manager, manager_client)):
        response = client.get(f"/intake/record/{intake.uuid}/")
        html = response.content.decode()
        assert response.status_code == 200
        assert "apixaban" in html and "Play tennis again" in html
        assert "the record has “1 Old Road”, the intake says “12 Cedar Lane, Vancouver”" in html
        assert AccessLog.objects.filter(
            user=user, model="treatments.intakeform", object_id=str(intake.uuid), patient=newcomer
        ).exists()


def test_front_desk_and_patients_get_not_found_on_the_intake_page(
    newcomer, front_desk_client, patient_client
):
    submit(newcomer)
    intake = IntakeForm.objects.get()
    for client in (front_desk_client, patient_client):
        assert client.get(f"/intake/record/{intake.uuid}/").status_code == 404
    response = Client().get(f"/intake/record/{intake.uuid}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert (
        "Intake form (submitted"
        not in front_desk_client.get(f"/patients/{newcomer.uuid}/").content.decode()
    )


# --- At the screening step ----------------------------------------------------------------


def _screening_html(physio_client, visit):
    response = physio_client.get(f"/visits/{visit.uuid}/screening/")
    assert response.status_code == 200
    return response.content.decode()


REPORTED = re.compile(
    r'data-testid="patient-reported" data-code="([a-z_]+)">Patient reported: (.*?)</div>'
)


def reported(html):
    """{item code: what "Patient reported:" says beside it} on the screening step."""
    return dict(REPORTED.findall(html))


def test_the_screening_shows_the_answers_beside_the_right_items(newcomer, physio, physio_client):
    submit(
        newcomer,
        answers={
            "anticoagulants": ("yes", "warfarin"),
            "open_wound": ("yes", "left shin"),
            "pregnancy": ("not_sure", ""),
        },
    )
    visit = make_visit(physio, newcomer, consent=False)
    html = _screening_html(physio_client, visit)
    rows = reported(html)
    assert rows["anticoagulants"] == "<strong>&#9888; yes</strong> — warfarin"
    assert rows["open_wound"] == "<strong>&#9888; yes</strong> — left shin"
    assert rows["pregnancy"] == "<strong>not sure</strong>"
    assert rows["osteoporosis"] == "no"
    assert "patient_intolerance" not in rows  # not asked
    intake = IntakeForm.objects.get()
    day = f"{timezone.localtime(intake.submitted_at):%-d %B %Y}"
    assert (
        f"Patient's intake form of {day}: 2 items answered yes, 1 not sure. Confirm each with "
        "the patient" in html
    )
    assert (
        f"Consented online on {day} after reading the clinic's explanation: confirm with the "
        "patient today" in html
    )
    assert " checked" not in re.sub(r"<input[^>]*consent[^>]*>", "", html)  # nothing pre-ticked


def test_an_intake_of_all_no_answers_completes_no_screening(newcomer, physio, physio_client):
    submit(newcomer)  # every answer "no", consent online given
    visit = make_visit(physio, newcomer, consent=False)
    html = _screening_html(physio_client, visit)
    assert "0 items answered yes" in html
    assert not Screening.objects.filter(visit=visit, completed_at__isnull=False).exists()
    newcomer.refresh_from_db()
    assert newcomer.consent_iastr_at is None
    # Even with the staff consent recorded, no application before a completed screening.
    patient_records.patient_update(patient=newcomer, by=physio, consent_iastr=True)
    from tests.clinical import apply

    with pytest.raises(ValidationError) as refused:
        apply(visit, "forearm", "right")
    assert NO_SCREENING in " ".join(refused.value.messages)
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_insert_application(session_for(visit).pk, "forearm", "right")
    assert pgcode(excinfo) == "RV002"


def test_an_intake_consent_is_not_the_recorded_consent(newcomer, physio):
    submit(newcomer)
    visit = make_visit(physio, newcomer, consent=False)
    from tests.clinical import NO_CONSENT, apply, screen

    screen(visit)
    with pytest.raises(ValidationError) as refused:
        apply(visit, "forearm", "right")
    assert NO_CONSENT in " ".join(refused.value.messages)
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_insert_application(session_for(visit).pk, "forearm", "right")
    assert pgcode(excinfo) == "RV008"


def test_no_intake_no_summary(physio, physio_client):
    visit = make_visit(physio)
    html = _screening_html(physio_client, visit)
    assert "intake form" not in html.lower()
    assert "Patient reported" not in html


def test_a_merged_records_intake_shows_on_the_kept_record(physio, manager):
    keep = PatientFactory()
    duplicate = PatientFactory(email="")
    submit(duplicate, answers={"anticoagulants": "yes"})
    patient_records.patient_merge(keep=keep, duplicate=duplicate, by=manager)
    assert intake_services.submitted_intake(keep) is not None
    visit = make_visit(physio, keep, consent=False)
    html = _screening_html(client_for(physio), visit)
    assert reported(html)["anticoagulants"] == "<strong>&#9888; yes</strong>"
