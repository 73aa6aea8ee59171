"""Named users, one per role, and clients signed in as each (healthchecks-style)."""

import pytest
from django.test import Client

from revere import roles
from tests.factories import PASSWORD, PatientFactory, PractitionerFactory, UserFactory
from tests.support import reload_reference_data, verify_second_factor


@pytest.fixture
def physio(db):
    return PractitionerFactory(user=UserFactory(username="physio", role=roles.PHYSIOTHERAPIST)).user


@pytest.fixture
def front_desk(db):
    return UserFactory(username="desk", role=roles.FRONT_DESK)


@pytest.fixture
def manager(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def patient_user(db):
    return UserFactory(username="patient", role=roles.PATIENT)


@pytest.fixture
def own_patient(patient_user):
    """The patient record linked to ``patient_user``'s portal login."""
    return PatientFactory(user=patient_user, first_name="Olive", last_name="Owner")


@pytest.fixture
def other_patient(db):
    return PatientFactory(first_name="Zed", last_name="Other")


def _client_for(user):
    client = Client()
    # force_login: Client.login() calls authenticate() without a request, which django-axes
    # refuses. The sign-in itself (and its lockout) is tested through the login page.
    assert user.check_password(PASSWORD)
    client.force_login(user)
    if roles.is_clinic_staff(user):
        verify_second_factor(client, user)  # staff pages need the second factor (issue 9)
    return client


@pytest.fixture
def physio_client(physio):
    return _client_for(physio)


@pytest.fixture
def front_desk_client(front_desk):
    return _client_for(front_desk)


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture
def patient_client(patient_user, own_patient):
    return _client_for(patient_user)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for real passwords; the suite only needs a working hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reload_reference_data()
