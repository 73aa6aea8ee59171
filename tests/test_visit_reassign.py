"""Only the visit's practitioner signs it (service, page and database: RV007), and the clinic
manager can hand a draft visit to another active practitioner (service, page; database: RV009).
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from revere import roles
from tests.clinical import SIGNED, make_visit, messages, pgcode, raw_execute, signable
from tests.factories import PractitionerFactory, UserFactory
from tests.support import verify_second_factor
from treatments import services
from treatments.models import Visit

pytestmark = pytest.mark.django_db

COMPLAINT = "Left calf tightness after running"


@pytest.fixture
def colleague(db):
    """A second physiotherapist of the clinic (a User with an active practitioner profile)."""
    user = UserFactory(username="colleague", role=roles.PHYSIOTHERAPIST)
    PractitionerFactory(user=user, display_name="Robin Colleague, PT")
    return user


@pytest.fixture
def colleague_client(client, colleague):
    client.force_login(colleague)
    verify_second_factor(client, colleague)
    return client


@pytest.fixture
def visit(physio):
    """A draft visit of ``physio``'s, ready to sign."""
    return signable(make_visit(physio), complaint=COMPLAINT)


def url(name, visit):
    return reverse(f"visits:{name}", args=[visit.uuid])


def status(visit):
    return Visit.objects.values_list("status", "practitioner_id").get(pk=visit.pk)


# --- Signing: the practitioner only ---------------------------------------------------------------


def test_another_physiotherapist_cannot_sign_the_visit(visit, colleague, physio):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_sign(visit=visit, by=colleague)

    assert messages(excinfo.value).startswith(
        f"Only {physio.practitioner.display_name} can sign this visit"
    )
    assert status(visit) == ("draft", physio.practitioner.pk)


def test_the_practitioner_signs(visit, physio):
    services.visit_sign(visit=visit, by=physio)

    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.status, stored.signed_by) == ("signed", physio)


@pytest.mark.parametrize("signer", ["colleague", "manager"])
def test_database_refuses_a_raw_signature_by_someone_else(request, visit, signer):
    user = request.getfixturevalue(signer)

    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute(
            "UPDATE treatments_visit SET status = 'signed', signed_at = now(), signed_by_id = %s "
            "WHERE id = %s",
            [user.pk, visit.pk],
        )

    assert pgcode(excinfo) == "RV007"
    assert Visit.objects.get(pk=visit.pk).status == "draft"


def test_database_accepts_a_raw_signature_by_the_practitioner(visit, physio):
    rows = raw_execute(
        "UPDATE treatments_visit SET status = 'signed', signed_at = now(), signed_by_id = %s "
        "WHERE id = %s",
        [physio.pk, visit.pk],
    )

    assert rows == 1
    assert Visit.objects.get(pk=visit.pk).is_signed


def test_database_refuses_a_raw_insert_of_a_visit_signed_by_someone_else(visit, colleague):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute(
            "INSERT INTO treatments_visit (uuid, patient_id, practitioner_id, date, current_step, "
            "status, created_at, signed_at, signed_by_id) "
            "SELECT gen_random_uuid(), patient_id, practitioner_id, date, 'review', 'signed', "
            "now(), now(), %s FROM treatments_visit WHERE id = %s",
            [colleague.pk, visit.pk],
        )

    assert pgcode(excinfo) == "RV007"
    assert Visit.objects.count() == 1


def test_review_page_tells_another_physiotherapist_who_signs(colleague_client, visit, physio):
    html = colleague_client.get(url("review", visit)).content.decode()

    assert f"Only {physio.practitioner.display_name} can sign this visit" in html
    assert "Sign and lock the visit" not in html
    assert 'data-testid="reassign-link"' not in html


def test_review_page_offers_the_practitioner_the_sign_button(physio_client, visit):
    html = physio_client.get(url("review", visit)).content.decode()

    assert "Sign and lock the visit" in html
    assert "can sign this visit" not in html


def test_crafted_sign_post_by_another_physiotherapist_is_refused(colleague_client, visit, physio):
    response = colleague_client.post(url("sign", visit), follow=True)

    assert f"Only {physio.practitioner.display_name} can sign this visit" in (
        response.content.decode()
    )
    assert Visit.objects.get(pk=visit.pk).status == "draft"


def test_another_physiotherapist_may_still_edit_the_draft(colleague_client, visit):
    response = colleague_client.post(
        url("assessment", visit),
        {
            "complaint": "Calf tightness, worse uphill",
            "sites-TOTAL_FORMS": "0",
            "sites-INITIAL_FORMS": "0",
            "action": "save",
        },
    )

    assert response.status_code == 302
    visit.assessment.refresh_from_db()
    assert visit.assessment.complaint == "Calf tightness, worse uphill"


# --- Reassigning a draft: the manager only --------------------------------------------------------


def test_manager_reassigns_a_draft_and_the_new_practitioner_signs(
    visit, manager, colleague, physio
):
    first = visit.practitioner_id
    services.visit_reassign(visit=visit, practitioner=colleague.practitioner, by=manager)

    assert status(visit) == ("draft", colleague.practitioner.pk)
    fresh = Visit.objects.get(pk=visit.pk)
    with pytest.raises(ValidationError, match="Only Robin Colleague, PT can sign"):
        services.visit_sign(visit=fresh, by=physio)
    services.visit_sign(visit=fresh, by=colleague)
    assert Visit.objects.get(pk=visit.pk).signed_by == colleague
    # The change of hands is kept in the visit's history.
    practitioners = list(
        Visit.pgh_event_model.objects.filter(pgh_obj_id=visit.pk)
        .order_by("pgh_id")
        .values_list("practitioner_id", flat=True)
    )
    assert practitioners[0] == first and practitioners[-1] == colleague.practitioner.pk


def test_signing_with_a_stale_practitioner_after_a_reassignment_is_refused(
    visit, manager, colleague, physio
):
    stale = Visit.objects.get(pk=visit.pk)  # loaded before the reassignment
    services.visit_reassign(visit=visit, practitioner=colleague.practitioner, by=manager)

    with pytest.raises(ValidationError, match="Only Robin Colleague, PT can sign"):
        services.visit_sign(visit=stale, by=physio)
    assert Visit.objects.get(pk=visit.pk).status == "draft"


@pytest.mark.parametrize("by", ["physio", "colleague", "front_desk"])
def test_only_the_manager_reassigns_through_the_service(request, visit, colleague, physio, by):
    with pytest.raises(ValidationError, match="Only the clinic manager reassigns"):
        services.visit_reassign(
            visit=visit, practitioner=colleague.practitioner, by=request.getfixturevalue(by)
        )
    assert status(visit) == ("draft", physio.practitioner.pk)


def test_a_signed_visit_is_not_reassigned(visit, physio, manager, colleague):
    services.visit_sign(visit=visit, by=physio)

    with pytest.raises(ValidationError) as excinfo:
        services.visit_reassign(visit=visit, practitioner=colleague.practitioner, by=manager)

    assert messages(excinfo.value) == SIGNED
    assert status(visit) == ("signed", physio.practitioner.pk)


def test_an_inactive_practitioner_is_refused(visit, physio, manager, colleague):
    colleague.practitioner.active = False
    colleague.practitioner.save()

    with pytest.raises(ValidationError, match="is not an active practitioner"):
        services.visit_reassign(visit=visit, practitioner=colleague.practitioner, by=manager)
    assert status(visit) == ("draft", physio.practitioner.pk)


def test_reassigning_to_the_same_practitioner_says_so(visit, physio, manager):
    with pytest.raises(ValidationError, match="already with"):
        services.visit_reassign(visit=visit, practitioner=physio.practitioner, by=manager)


def test_database_refuses_a_raw_reassignment_to_an_inactive_practitioner(visit, colleague, physio):
    colleague.practitioner.active = False
    colleague.practitioner.save()

    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        raw_execute(
            "UPDATE treatments_visit SET practitioner_id = %s WHERE id = %s",
            [colleague.practitioner.pk, visit.pk],
        )

    assert pgcode(excinfo) == "RV009"
    assert status(visit) == ("draft", physio.practitioner.pk)


# --- The reassign page ----------------------------------------------------------------------------


def test_manager_sees_the_reassign_link_and_reassigns_through_the_page(
    manager_client, visit, colleague
):
    review = manager_client.get(url("review", visit)).content.decode()
    assert 'data-testid="reassign-link"' in review
    assert "Sign and lock the visit" not in review

    page = manager_client.get(url("reassign", visit)).content.decode()
    assert "Robin Colleague, PT" in page

    response = manager_client.post(
        url("reassign", visit), {"practitioner": colleague.practitioner.pk}, follow=True
    )

    assert "Visit reassigned to Robin Colleague, PT." in response.content.decode()
    assert status(visit)[1] == colleague.practitioner.pk


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({}, id="nothing-chosen"),
        pytest.param({"practitioner": "999999"}, id="unknown"),
        pytest.param({"practitioner": "not-a-number"}, id="garbage"),
    ],
)
def test_crafted_reassign_posts_are_refused_with_a_message(manager_client, visit, physio, data):
    response = manager_client.post(url("reassign", visit), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html or "Choose an active practitioner" in html
    assert status(visit) == ("draft", physio.practitioner.pk)


def test_crafted_reassign_to_an_inactive_or_the_same_practitioner_is_refused(
    manager_client, visit, physio, colleague
):
    colleague.practitioner.active = False
    colleague.practitioner.save()

    for pk in (colleague.practitioner.pk, physio.practitioner.pk):
        html = manager_client.post(url("reassign", visit), {"practitioner": pk}).content.decode()
        assert "Choose an active practitioner other than the current one." in html
    assert status(visit) == ("draft", physio.practitioner.pk)


def test_reassign_page_of_a_signed_visit_says_it_is_signed(manager_client, visit, physio):
    services.visit_sign(visit=visit, by=physio)

    response = manager_client.get(url("reassign", visit), follow=True)

    assert "This visit is signed" in response.content.decode()
    review = manager_client.get(url("review", visit)).content.decode()
    assert 'data-testid="reassign-link"' not in review


@pytest.mark.parametrize(
    "client_fixture", ["physio_client", "colleague_client", "front_desk_client", "patient_client"]
)
def test_everyone_but_the_manager_gets_404_on_the_reassign_page(
    request, client_fixture, visit, physio, colleague
):
    client = request.getfixturevalue(client_fixture)

    assert client.get(url("reassign", visit)).status_code == 404
    response = client.post(url("reassign", visit), {"practitioner": colleague.practitioner.pk})
    assert response.status_code == 404
    assert status(visit) == ("draft", physio.practitioner.pk)


def test_anonymous_is_sent_to_login_from_the_reassign_page(client, visit):
    response = client.get(url("reassign", visit))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
