"""The manager edits the clinic's catalogues in the admin; the thresholds drive the screening."""

import pytest

from tests.clinical import make_visit, screen
from treatments.models import BloodPressurePolicy, Instrument

pytestmark = pytest.mark.django_db


def test_reference_data_is_loaded_by_the_migrations():
    from treatments.models import BodyRegion, Condition, Contraindication, OutcomeMeasure

    assert BodyRegion.objects.count() == 17
    assert Contraindication.objects.filter(severity="absolute").count() == 10
    assert Contraindication.objects.filter(severity="relative").count() == 12
    assert OutcomeMeasure.objects.get(code="NPRS").max_value == 10
    assert set(
        Condition.objects.get(code="plantar_fasciitis").measures.values_list("code", flat=True)
    ) == {"NPRS", "FFI", "LEFS"}
    policy = BloodPressurePolicy.current()
    assert (policy.absolute_systolic, policy.caution_systolic) == (160, 140)


def test_manager_changes_the_blood_pressure_line_and_screening_follows(manager_client, physio):
    policy = BloodPressurePolicy.current()
    response = manager_client.post(
        f"/admin/treatments/bloodpressurepolicy/{policy.pk}/change/",
        {
            "absolute_systolic": 150,
            "absolute_diastolic": 95,
            "caution_systolic": 135,
            "caution_diastolic": 85,
        },
    )
    assert response.status_code == 302
    assert screen(make_visit(physio), bp=(152, 80)).result == "refused"


def test_manager_adds_an_instrument_and_deactivates_one(manager_client):
    response = manager_client.post(
        "/admin/treatments/instrument/add/",
        {
            "name": "Clinic scraper S1",
            "maker": "Example Tools",
            "material": "stainless steel",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert Instrument.objects.filter(name="Clinic scraper S1", active=True).exists()


@pytest.mark.parametrize("client_fixture", ["physio_client", "front_desk_client"])
def test_staff_without_admin_cannot_edit_catalogues(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.get("/admin/treatments/instrument/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
