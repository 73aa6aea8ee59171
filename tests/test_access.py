"""Who may open what: a patient sees only their own portal; anonymous visitors log in first."""

import pytest

from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def staff_urls(patient):
    return [
        "/patients/",
        "/patients/new/",
        "/patients/archived/",
        f"/patients/{patient.uuid}/",
        f"/patients/{patient.uuid}/edit/",
        f"/patients/{patient.uuid}/archive/",
    ]


def test_patient_user_gets_404_on_every_staff_page_including_their_own_record(
    patient_client, own_patient, other_patient
):
    for patient in (own_patient, other_patient):
        for url in staff_urls(patient):
            assert patient_client.get(url).status_code == 404, url
    assert patient_client.post(f"/patients/{other_patient.uuid}/archive/").status_code == 404
    assert patient_client.post(f"/patients/{other_patient.uuid}/edit/", {}).status_code == 404
    assert patient_client.post("/patients/new/", {}).status_code == 404
    other_patient.refresh_from_db()
    assert other_patient.archived_at is None


def test_patient_user_cannot_open_the_admin(patient_client):
    response = patient_client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_patient_portal_shows_only_their_own_record(patient_client, own_patient, other_patient):
    html = patient_client.get("/portal/").content.decode()
    assert "Olive" in html
    assert "Zed" not in html and "Other" not in html


@pytest.mark.parametrize("client_fixture", ["front_desk_client", "physio_client", "manager_client"])
def test_staff_have_no_portal(request, client_fixture):
    assert request.getfixturevalue(client_fixture).get("/portal/").status_code == 404


def test_portal_login_with_an_archived_record_shows_nothing(patient_client, own_patient):
    from django.utils import timezone

    own_patient.archived_at = timezone.now()
    own_patient.save()
    assert patient_client.get("/portal/").status_code == 404


def test_unknown_patient_uuid_is_404_for_staff(front_desk_client):
    response = front_desk_client.get("/patients/5f0c6a36-8a7e-4d1e-9a59-2f6d1b0c9e11/")
    assert response.status_code == 404


def test_non_uuid_patient_url_is_404(front_desk_client):
    patient = PatientFactory()
    assert front_desk_client.get(f"/patients/{patient.pk}/").status_code == 404


def test_patient_urls_carry_the_uuid_not_the_name(front_desk_client):
    patient = PatientFactory(first_name="Ines", last_name="Valdivia")
    html = front_desk_client.get("/patients/").content.decode()
    assert f'href="/patients/{patient.uuid}/"' in html
    for href in [part.split('"')[0] for part in html.split('href="')[1:]]:
        assert "Valdivia" not in href and "Ines" not in href


def test_front_desk_cannot_use_the_admin(front_desk_client):
    response = front_desk_client.get("/admin/")
    assert response.status_code == 302
