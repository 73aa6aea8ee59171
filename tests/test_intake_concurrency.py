"""Issue 13: the same intake link sent twice at the same moment (a double tap, two devices): one
intake is stored, and the other page says it was received. Real threads, each with its own
database connection, released together by a barrier."""

import pytest
from django.test import Client

from patients.models import Patient
from revere.intake_links import intake_path
from tests.support import reload_reference_data, run_together
from tests.test_intake_form import filled
from treatments.models import IntakeAnswer, IntakeForm

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 6


def test_simultaneous_submissions_store_one_intake():
    reload_reference_data()  # a transactional test starts from a flushed database
    patient = Patient.objects.create(first_name="Nadia", last_name="Quellhorst", phone="6045550142")
    path = intake_path(patient.uuid)
    data = filled()

    def post(i, barrier):
        client = Client()
        client.get(path)  # the CSRF cookie, as a browser has it
        barrier.wait()
        return client.post(path, data)

    responses = run_together(ATTEMPTS, post)
    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert sorted(r.status_code for r in responses) == [200] * (ATTEMPTS - 1) + [302]
    for response in responses:
        if response.status_code == 200:
            assert "The clinic received your intake form" in response.content.decode()
    intake = IntakeForm.objects.get(patient=patient)
    assert IntakeAnswer.objects.filter(intake=intake).count() == len(
        [k for k in data if k.startswith("q_") and not k.endswith("_detail")]
    )
