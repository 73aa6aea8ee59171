"""Registering, viewing, editing, archiving and restoring patients, with bad input refused."""

import datetime

import pytest
from django.utils import timezone

from patients.models import Patient
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Wren",
    "last_name": "Castellanos",
    "preferred_name": "",
    "date_of_birth": "1988-05-14",
    "phone": "(604) 555-0199",
    "email": "Wren.C@Example.com",
    "address": "12 Example Lane\nVancouver BC",
    "emergency_contact_name": "Ilse Castellanos",
    "emergency_contact_phone": "604 555 0198",
    "emergency_contact_relationship": "Sister",
    "referral_source": "physician",
    "referral_note": "Dr. Example, walk-in clinic",
}


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client"])
def test_staff_register_a_patient(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.post("/patients/new/", {**VALID, "consent_iastr": "on"}, follow=True)
    patient = Patient.objects.get()
    assert response.redirect_chain[-1][0] == f"/patients/{patient.uuid}/"
    html = response.content.decode()
    assert "Wren Castellanos is registered." in html
    assert patient.email == "wren.c@example.com"
    assert patient.date_of_birth == datetime.date(1988, 5, 14)
    assert patient.phone_digits == "6045550199"
    assert patient.consent_iastr_at is not None
    assert patient.consent_iastr_recorded_by.username in ("desk", "physio")
    assert "Given; recorded by" in html


def test_registration_without_consent_records_none(front_desk_client):
    front_desk_client.post("/patients/new/", VALID)
    patient = Patient.objects.get()
    assert patient.consent_iastr_at is None and patient.consent_iastr_recorded_by is None


def _future():
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"last_name": "   "}, "last_name", "This field is required."),
        ({"date_of_birth": ""}, "date_of_birth", "This field is required."),
        ({"date_of_birth": "FUTURE"}, "date_of_birth", "cannot be in the future"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "older than 120"),
        ({"date_of_birth": "31/02/1990"}, "date_of_birth", "Enter a valid date."),
        ({"email": "wren@"}, "email", "Enter a valid email address."),
        ({"phone": "call me"}, "phone", "Enter a phone number of 7 to 15 digits"),
        ({"phone": "555-12"}, "phone", "Enter a phone number of 7 to 15 digits"),
        ({"phone": ""}, "phone", "This field is required."),
        ({"emergency_contact_phone": "12"}, "emergency_contact_phone", "7 to 15 digits"),
        ({"referral_source": "carrier-pigeon"}, "referral_source", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_kept(
    front_desk_client, changes, field, message
):
    data = {**VALID, **changes}
    if data["date_of_birth"] == "FUTURE":
        data["date_of_birth"] = _future()
    response = front_desk_client.post("/patients/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert "Nothing was saved yet" in html
    assert message.split(":")[0].replace("'", "&#x27;") in html
    # What was typed in the other fields is still there.
    assert 'value="Castellanos"' in html or changes.get("last_name") is not None
    assert "12 Example Lane" in html
    assert Patient.objects.count() == 0


def test_phone_with_extension_and_plus_is_accepted(front_desk_client):
    front_desk_client.post("/patients/new/", {**VALID, "phone": "+1 604 555 0199 ext. 12"})
    assert Patient.objects.get().phone == "+1 604 555 0199 ext. 12"


def test_database_refuses_a_patient_without_names():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(first_name="", last_name="")


def test_detail_shows_demographics_to_front_desk_without_the_clinical_section(
    front_desk_client,
):
    patient = PatientFactory(first_name="Ines", last_name="Valdivia", phone="604-555-0111")
    html = front_desk_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert "Ines Valdivia" in html and "604-555-0111" in html
    assert "Clinical record" not in html
    assert 'data-testid="clinical-section"' not in html


@pytest.mark.parametrize("client_fixture", ["physio_client", "manager_client"])
def test_detail_shows_the_clinical_section_to_physio_and_manager(request, client_fixture):
    patient = PatientFactory()
    html = request.getfixturevalue(client_fixture).get(f"/patients/{patient.uuid}/")
    assert 'data-testid="clinical-section"' in html.content.decode()


def test_detail_title_does_not_name_the_patient(front_desk_client):
    patient = PatientFactory(first_name="Ines", last_name="Valdivia")
    html = front_desk_client.get(f"/patients/{patient.uuid}/").content.decode()
    title = html.split("<title>")[1].split("</title>")[0]
    assert "Valdivia" not in title


def test_edit_changes_the_record_and_keeps_typed_input_on_error(physio_client):
    patient = PatientFactory(first_name="Ines", last_name="Valdivia")
    url = f"/patients/{patient.uuid}/edit/"
    assert 'value="Valdivia"' in physio_client.get(url).content.decode()

    bad = physio_client.post(url, {**VALID, "last_name": "Valdivia-Ruiz", "email": "nope"})
    assert bad.status_code == 200
    assert 'value="Valdivia-Ruiz"' in bad.content.decode()
    patient.refresh_from_db()
    assert patient.last_name == "Valdivia"

    good = physio_client.post(url, {**VALID, "last_name": "Valdivia-Ruiz"}, follow=True)
    assert "Changes saved." in good.content.decode()
    patient.refresh_from_db()
    assert patient.last_name == "Valdivia-Ruiz"


def test_withdrawing_consent_clears_it_and_history_keeps_it(physio_client, physio):
    patient = PatientFactory()
    url = f"/patients/{patient.uuid}/edit/"
    physio_client.post(url, {**VALID, "consent_iastr": "on"})
    patient.refresh_from_db()
    given_at = patient.consent_iastr_at
    assert given_at is not None

    # Saving again with consent still ticked keeps the original time and recorder.
    physio_client.post(url, {**VALID, "consent_iastr": "on"})
    patient.refresh_from_db()
    assert patient.consent_iastr_at == given_at

    physio_client.post(url, VALID)
    patient.refresh_from_db()
    assert patient.consent_iastr_at is None
    events = patient.events.order_by("pgh_id")
    assert any(e.consent_iastr_at == given_at for e in events)
    assert events.last().pgh_context.metadata["user"] == physio.pk


def test_archive_asks_first_then_hides_the_patient(front_desk_client):
    patient = PatientFactory(first_name="Ines", last_name="Valdivia")
    confirm = front_desk_client.get(f"/patients/{patient.uuid}/archive/")
    assert "Nothing is deleted" in confirm.content.decode()
    patient.refresh_from_db()
    assert patient.archived_at is None

    done = front_desk_client.post(f"/patients/{patient.uuid}/archive/", follow=True)
    assert "is archived" in done.content.decode()
    assert "Valdivia" not in front_desk_client.get("/patients/").content.decode()
    assert front_desk_client.get(f"/patients/{patient.uuid}/").status_code == 404
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_manager_restores_an_archived_patient(manager_client):
    patient = PatientFactory(first_name="Ines", last_name="Valdivia", archived_at=timezone.now())
    listing = manager_client.get("/patients/archived/").content.decode()
    assert "Valdivia" in listing
    restored = manager_client.post(f"/patients/{patient.uuid}/restore/", follow=True)
    assert "is restored" in restored.content.decode()
    patient.refresh_from_db()
    assert patient.archived_at is None
    assert "Valdivia" in manager_client.get("/patients/").content.decode()


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client"])
def test_only_the_manager_can_restore(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    patient = PatientFactory(archived_at=timezone.now())
    assert client.get("/patients/archived/").status_code == 404
    assert client.post(f"/patients/{patient.uuid}/restore/").status_code == 404
    patient.refresh_from_db()
    assert patient.archived_at is not None


def test_restore_needs_a_post(manager_client):
    patient = PatientFactory(archived_at=timezone.now())
    assert manager_client.get(f"/patients/{patient.uuid}/restore/").status_code == 405


# --- Any input: a message or a fallback, never a server error -----------------------------------


@pytest.mark.parametrize(
    "field", ["first_name", "last_name", "email", "phone", "date_of_birth", "address"]
)
def test_a_nul_byte_in_any_field_is_a_form_error_and_nothing_is_saved(front_desk_client, field):
    response = front_desk_client.post("/patients/new/", {**VALID, field: VALID[field] + "\x00"})
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert 'value="Ilse Castellanos"' in response.content.decode()
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "params",
    [{"q": "\x00"}, {"q": "Wren\x00"}, {"q": "x" * 5000}, {"page": "²"}, {"page": "9" * 5000}],
)
def test_odd_search_and_page_parameters_show_the_patient_list(front_desk_client, params):
    PatientFactory(first_name="Wren", last_name="Castellanos")
    response = front_desk_client.get("/patients/", params)
    assert response.status_code == 200
