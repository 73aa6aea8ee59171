"""Issue 12: the instrument cleaning log. Physiotherapists and the manager record cleanings; the
log shows each instrument's uses (from the treatment sessions) with its cleanings; the treatment
step warns, without blocking, about an instrument not cleaned since its use in another visit; the
database refuses to edit or delete a log row, even in raw SQL."""

import datetime

import pytest
from django.db import InternalError, transaction
from django.urls import reverse

from tests.clinical import apply, make_visit, raw_execute, screen
from tests.factories import PatientFactory
from tests.programs import sign
from treatments.models import Instrument, InstrumentCleaning
from treatments.services import cleaning as cleaning_services

pytestmark = pytest.mark.django_db

URL = reverse("instruments:cleaning")


def gt1():
    return Instrument.objects.get(name="GT1")


def treated_visit(physio, *, signed=True):
    """A visit with one GT1 application (signed unless ``signed=False``)."""
    visit = make_visit(physio, PatientFactory())
    screen(visit)
    apply(visit, "forearm", "right")
    if signed:
        sign(visit)
    return visit


def treatment_page(client, visit) -> str:
    response = client.get(reverse("visits:treatment", args=[visit.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def test_front_desk_and_patient_cannot_open_the_log(front_desk_client, patient_client):
    assert front_desk_client.get(URL).status_code == 404
    assert (
        front_desk_client.post(URL, {"instrument": gt1().pk, "method": "wipe"}).status_code == 404
    )
    assert patient_client.get(URL).status_code == 404
    assert not InstrumentCleaning.objects.exists()


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("client_fixture", ["physio_client", "manager_client"])
def test_physio_and_manager_record_a_cleaning(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.post(URL, {"instrument": gt1().pk, "method": "autoclave", "note": "Cycle 4"})
    assert response.status_code == 302
    cleaning = InstrumentCleaning.objects.get()
    assert (cleaning.instrument, cleaning.method, cleaning.note) == (gt1(), "autoclave", "Cycle 4")
    assert cleaning.cleaned_by.username == {"physio_client": "physio"}.get(client_fixture, "boss")
    html = client.get(URL).content.decode()
    assert "Autoclave: Cycle 4" in html and "Cleaned" in html


def test_bad_input_is_a_message_and_keeps_the_note(physio_client):
    response = physio_client.post(URL, {"instrument": "x", "method": "boil\x00", "note": "Kept"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose an instrument from the list." in html
    assert "Choose a method from the list." in html
    assert 'value="Kept"' in html
    assert not InstrumentCleaning.objects.exists()
    odd = physio_client.get(URL, {"show": "²", "instrument": "\x00"})
    assert odd.status_code == 200 and "No such instrument" in odd.content.decode()


def test_the_log_shows_uses_from_the_sessions_without_the_patient(physio, physio_client):
    visit = treated_visit(physio)
    cleaning_services.instrument_cleaning_record(instrument=gt1(), method="wipe", by=physio)
    html = physio_client.get(URL, {"show": gt1().pk}).content.decode()
    assert f"Used in a visit of {visit.date:%Y-%m-%d} (1 application)" in html
    assert "Disinfectant wipe" in html
    assert visit.patient.last_name not in html
    assert html.index('data-kind="cleaning"') < html.index('data-kind="use"')  # newest first


def test_warning_appears_for_an_instrument_used_elsewhere_and_goes_once_cleaned(
    physio, physio_client
):
    treated_visit(physio)  # GT1 used in a signed visit, no cleaning recorded
    visit = make_visit(physio, PatientFactory())
    screen(visit)
    html = treatment_page(physio_client, visit)
    assert 'data-testid="cleaning-warning"' in html
    assert "GT1 has no cleaning recorded since its last use in another visit" in html
    # The warning does not block: the application is recorded.
    apply(visit, "forearm", "left")
    html = treatment_page(physio_client, visit)
    assert "GT1 was used in this visit without a cleaning recorded" in html

    # Cleaned after that use: the next visit sees no warning, before or after using it.
    physio_client.post(URL, {"instrument": gt1().pk, "method": "wipe"})
    sign(visit)
    next_visit = make_visit(physio, PatientFactory())
    screen(next_visit)
    assert 'data-testid="cleaning-warning"' not in treatment_page(physio_client, next_visit)
    apply(next_visit, "forearm", "right")
    assert 'data-testid="cleaning-warning"' not in treatment_page(physio_client, next_visit)


def test_a_cleaning_after_this_visits_use_does_not_make_that_use_clean(physio):
    treated_visit(physio)
    visit = make_visit(physio, PatientFactory())
    screen(visit)
    apply(visit, "forearm", "left")
    cleaning_services.instrument_cleaning_record(instrument=gt1(), method="wipe", by=physio)
    (needs,) = cleaning_services.instruments_needing_cleaning(visit=visit)
    assert needs.name == "GT1" and needs.used_here_at is not None
    assert cleaning_services.instruments_needing_cleaning() == []  # clean for the next one


def test_signed_visit_shows_no_warning(physio, physio_client, manager_client):
    first = treated_visit(physio)
    treated_visit(physio)
    assert 'data-testid="cleaning-warning"' not in treatment_page(physio_client, first)
    assert 'data-testid="cleaning-warning"' not in treatment_page(manager_client, first)


def test_log_rows_cannot_be_updated_or_deleted_even_in_raw_sql(physio):
    cleaning = cleaning_services.instrument_cleaning_record(
        instrument=gt1(), method="wipe", by=physio
    )
    later = cleaning.cleaned_at + datetime.timedelta(hours=1)
    for sql, params in (
        (
            "UPDATE treatments_instrumentcleaning SET cleaned_at = %s WHERE id = %s",
            [later, cleaning.pk],
        ),
        ("DELETE FROM treatments_instrumentcleaning WHERE id = %s", [cleaning.pk]),
    ):
        with pytest.raises(InternalError), transaction.atomic():
            raw_execute(sql, params)
    with pytest.raises(InternalError), transaction.atomic():
        raw_execute("SELECT set_config('pgtrigger.ignore', '{cleaning_log_is_append_only}', true)")
        raw_execute("DELETE FROM treatments_instrumentcleaning")
    assert InstrumentCleaning.objects.get().cleaned_at == cleaning.cleaned_at
