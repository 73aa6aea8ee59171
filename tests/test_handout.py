"""The handout of a home program, as an HTML page to print and as a PDF: what it says (exercises,
doses, instructions, post-care, the clinic), what it must never say (clinical notes, screening,
the patient's surname or birth date), and who may open it."""

import datetime
import re
import uuid

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.clinical import PRECAUTION, finding, make_visit, screen
from tests.factories import PatientFactory, PractitionerFactory
from tests.programs import (
    HEEL_DROP,
    NORDIC,
    TYLER,
    build_program,
    handout_url,
    pdf_url,
    portal_patient,
    shows,
    sign,
)
from treatments import services
from treatments.models import (
    BodyRegion,
    Condition,
    Contraindication,
    Exercise,
    HomeProgram,
    PostCare,
    ProgramExercise,
)

pytestmark = pytest.mark.django_db

COMPLAINT = "Sharp pain lifting the kettle since the spring"
FINDINGS = "Tender over the common extensor origin, resisted wrist extension reproduces pain"
NOTE = "Keep the elbow at 90° and stop at 3/10 pain"
BIRTH_DATE = datetime.date(1961, 7, 19)


@pytest.fixture
def program(physio, own_patient):
    """Olive Owner's activated program (from a visit with a full clinical record): the Tyler
    twist twice a day with a note, the straight-knee heel drop, and the Nordic curl 2 days a
    week."""
    own_patient.date_of_birth = BIRTH_DATE
    own_patient.save()
    visit = make_visit(physio, own_patient)
    services.assessment_save(
        visit=visit,
        fields={
            "complaint": COMPLAINT,
            "findings": FINDINGS,
            "condition": Condition.objects.get(code="lateral_epicondylopathy"),
        },
        sites=[{"region": BodyRegion.objects.get(code="forearm"), "side": "right"}],
        scores={},
    )
    # Blood pressure in the caution band, and a relative finding: a precaution is written.
    screen(visit, finding("osteoporosis"), bp=(147, 93), precaution=PRECAUTION, acknowledge=True)
    return build_program(
        physio,
        TYLER,
        HEEL_DROP,
        NORDIC,
        visit=visit,
        doses={TYLER: {"times_per_day": 2, "notes": NOTE}},
    )


def clinical_details(patient) -> list[str]:
    """What the handout must not show: the clinical record, the screening, and the identity
    details beyond the first name."""
    return [
        COMPLAINT,
        FINDINGS,
        PRECAUTION,
        "Osteoporosis",
        Contraindication.objects.get(code="osteoporosis").label,
        "Tennis elbow",
        "epicondylopathy",
        "147/93",
        "Precaution",
        "Screening",
        "Owner",  # the last name
        patient.last_name,
        patient.email,
        BIRTH_DATE.isoformat(),
        BIRTH_DATE.strftime("%B %-d, %Y"),
    ]


# --- What the handout says ------------------------------------------------------------------


def test_handout_lists_exercises_with_dose_and_instructions(physio_client, program):
    response = physio_client.get(handout_url(program))
    assert response.status_code == 200
    html = response.content.decode()
    for code in (TYLER, HEEL_DROP, NORDIC):
        exercise = Exercise.objects.get(code=code)
        assert shows(html, exercise.name)
        assert shows(html, exercise.instructions)
    assert "3 x 15, twice a day, every day" in html  # the Tyler twist, dose changed to twice
    assert "3 x 6, once a day, 2 days a week" in html  # the Nordic curl
    assert shows(html, NOTE)
    # In the program's order.
    positions = [html.index(Exercise.objects.get(code=c).name) for c in (TYLER, HEEL_DROP, NORDIC)]
    assert positions == sorted(positions)


def test_handout_has_post_care_clinic_patient_and_physiotherapist(physio_client, physio, program):
    html = physio_client.get(handout_url(program)).content.decode()
    assert "After your treatment" in html
    assert "15-20 minutes" in html
    assert "petechiae" in html
    assert "Call the clinic" in html
    assert settings.CLINIC_NAME in html
    assert settings.CLINIC_PHONE in html
    assert "Home exercise program for Olive" in html
    assert shows(html, physio.practitioner.display_name)
    assert timezone.localdate(program.activated_at).isoformat() in html


def test_handout_post_care_is_the_managers_current_text(physio_client, program):
    PostCare.objects.update(ice="Ice for ten minutes with a towel.", call_us="")
    html = physio_client.get(handout_url(program)).content.decode()
    assert "Ice for ten minutes with a towel." in html
    assert "15-20 minutes" not in html
    # An empty section is left out, heading and all.
    assert "When to call us" not in html


@pytest.mark.parametrize("reader", ["physio", "patient"])
def test_handout_shows_no_clinical_details(request, reader, program, own_patient):
    client = request.getfixturevalue(f"{reader}_client")
    html = client.get(handout_url(program)).content.decode()
    if reader == "patient":
        # The navigation bar (not printed) names whoever is signed in; the handout itself is
        # what is checked for the patient.
        html = re.search(r'<article class="handout".*?</article>', html, re.S).group(0)
    for detail in clinical_details(own_patient):
        assert detail not in html, detail


def test_handout_uses_the_preferred_name(physio_client, program, own_patient):
    own_patient.preferred_name = "Liv"
    own_patient.save()
    html = physio_client.get(handout_url(program)).content.decode()
    assert "Home exercise program for Liv" in html


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        (
            {"sets": 3, "reps": 15, "times_per_day": 2, "days_per_week": 7},
            "3 x 15, twice a day, every day",
        ),
        (
            {"sets": 3, "reps": 15, "times_per_day": 1, "days_per_week": 7},
            "3 x 15, once a day, every day",
        ),
        (
            {"sets": 3, "reps": 6, "times_per_day": 1, "days_per_week": 2},
            "3 x 6, once a day, 2 days a week",
        ),
        (
            {"sets": 4, "reps": 1, "hold_seconds": 45, "times_per_day": 3, "days_per_week": 7},
            "4 x 1, hold 45 s, 3 times a day, every day",
        ),
        ({"sets": 2, "days_per_week": 5}, "2 sets, 5 days a week"),
        ({"sets": 1, "days_per_week": 5}, "1 set, 5 days a week"),  # issue 10: not "1 sets"
        (
            {"reps": 10, "times_per_day": 2, "days_per_week": 3},
            "10 reps, twice a day, 3 days a week",
        ),
        ({"days_per_week": 7}, "as shown by your physiotherapist"),
    ],
)
def test_dose_reads_as_a_patient_reads_it(dose, text):
    assert ProgramExercise(**dose).dose == text


# --- The PDF ------------------------------------------------------------------------------------


def assert_is_pdf(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # Saved on a shared computer, the file name must not name the patient.
    assert response["Content-Disposition"] == 'attachment; filename="home-exercise-program.pdf"'
    content = response.content
    assert content.startswith(b"%PDF")
    assert re.search(rb"/Type\s*/Page\b(?!s)", content), "no page in the PDF"
    assert b"DejaVu" in content, "the font is not embedded"
    assert content.rstrip().endswith(b"%%EOF")
    return content


def test_pdf_is_a_pdf_with_the_embedded_font(physio_client, program):
    assert_is_pdf(physio_client.get(pdf_url(program)))


def test_pdf_prints_accents_and_degree_signs(physio_client, physio):
    patient = PatientFactory(first_name="Zoë", last_name="Ångström-Łukasiewicz")
    program = build_program(
        physio,
        TYLER,
        patient=patient,
        doses={TYLER: {"notes": "Elbow at 90°, wrist – neutral; “gentle” ≤ 3/10"}},
    )
    assert_is_pdf(physio_client.get(pdf_url(program)))
    html = physio_client.get(handout_url(program)).content.decode()
    assert "Home exercise program for Zoë" in html
    assert "Elbow at 90°" in html


def test_pdf_of_a_long_program_runs_over_pages(physio_client, physio):
    program = build_program(physio, *Exercise.objects.values_list("code", flat=True))
    content = assert_is_pdf(physio_client.get(pdf_url(program)))
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", content)) >= 2


def test_pdf_for_the_patient_is_their_own(patient_client, program):
    assert_is_pdf(patient_client.get(pdf_url(program)))


# --- Who may open it ----------------------------------------------------------------------------

KINDS = {"html": handout_url, "pdf": pdf_url}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("reader", "status"),
    [
        ("physio_client", 200),
        ("manager_client", 200),
        ("patient_client", 200),  # the patient's own, activated program
        ("front_desk_client", 404),  # home programs are clinical
    ],
)
def test_handout_access_by_role(request, program, kind, reader, status):
    client = request.getfixturevalue(reader)
    assert client.get(KINDS[kind](program)).status_code == status


@pytest.mark.parametrize("kind", KINDS)
def test_handout_of_another_physios_patient_opens_for_any_physio(physio_client, kind):
    colleague = PractitionerFactory().user
    program = build_program(colleague, TYLER)
    assert physio_client.get(KINDS[kind](program)).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_handout_is_not_found_for_another_patient(client, program, kind):
    _, stranger = portal_patient()
    client.force_login(stranger)
    assert client.get(KINDS[kind](program)).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_anonymous_is_sent_to_log_in(client, program, kind):
    url = KINDS[kind](program)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("kind", KINDS)
def test_patient_cannot_open_an_unsaved_program_of_their_own(
    patient_client, physio, own_patient, kind
):
    draft = build_program(physio, TYLER, patient=own_patient, save=False)
    assert draft.activated_at is None
    assert patient_client.get(KINDS[kind](draft)).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_patient_keeps_access_to_an_earlier_version(patient_client, physio, program, kind):
    """A newer program becomes the active one; the earlier handout stays the patient's."""
    sign(program.visit)
    newer = build_program(physio, NORDIC, patient=program.patient)
    assert HomeProgram.objects.active_for(program.patient) == newer
    assert patient_client.get(KINDS[kind](program)).status_code == 200
    assert patient_client.get(KINDS[kind](newer)).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_archived_patients_handout_is_not_found(physio_client, patient_client, program, kind):
    program.patient.archived_at = timezone.now()
    program.patient.save()
    assert physio_client.get(KINDS[kind](program)).status_code == 404
    assert patient_client.get(KINDS[kind](program)).status_code == 404


def test_unknown_program_is_not_found(physio_client):
    assert physio_client.get(reverse("programs:handout", args=[uuid.uuid4()])).status_code == 404
    assert physio_client.get(reverse("programs:pdf", args=[uuid.uuid4()])).status_code == 404


def _unicode_of_the_fonts(content: bytes) -> set[str]:
    """The characters each embedded font subset maps (its ToUnicode CMap), per PDF."""
    return {
        chr(int(code, 16))
        for cmap in re.findall(rb"beginbfchar(.*?)endbfchar", content, re.S)
        for code in re.findall(rb"<[0-9A-F]{4}> <([0-9A-F]{4})>", cmap)
    }


def test_pdfs_drawn_at_once_each_embed_both_fonts_with_their_own_characters(physio):
    """The parsed fonts are shared by the process (issue 11): PDFs drawn at the same time in
    several threads still each embed both fonts, with the characters of their own text."""
    from concurrent.futures import ThreadPoolExecutor

    from treatments.handout import handout_context, handout_pdf_of

    names = ["Zoë", "Łukasz"]
    contexts = [
        handout_context(build_program(physio, TYLER, patient=PatientFactory(first_name=name)))
        for name in names
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(handout_pdf_of, contexts * 4))
    for n, content in enumerate(pdfs):
        assert content.startswith(b"%PDF-") and content.count(b"/FontFile2") == 2
        assert b"+DejaVuSansBook" in content and b"+DejaVuSansBold" in content
        characters = _unicode_of_the_fonts(content)
        own, other = ("ë", "Ł") if n % 2 == 0 else ("Ł", "ë")
        assert own in characters and other not in characters
