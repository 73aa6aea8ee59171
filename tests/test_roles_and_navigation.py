"""Sign-in, each role's home page and navigation, and what anonymous visitors meet."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.support import authenticator_for, password_login, totp_code

pytestmark = pytest.mark.django_db


def test_role_groups_exist_from_the_data_migration():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "physiotherapist",
        "front_desk",
        "patient",
    }


def test_login_page_is_served_in_the_app_look(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Log in to" in html
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert "vendor/bootstrap/bootstrap.min.css" in html
    assert "cdn" not in html.lower()


def test_wrong_password_gives_a_clear_error_and_keeps_the_username(client, physio):
    response = client.post("/accounts/login/", {"username": "physio", "password": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "do not match an account" in html
    assert 'value="physio"' in html


@pytest.mark.parametrize(
    "user_fixture, home, template",
    [
        ("physio", "/visits/day/", "treatments/my_day.html"),
        ("front_desk", "/patients/schedule/", "patients/schedule_day.html"),
        ("manager", "/patients/schedule/", "patients/schedule_day.html"),
    ],
)
def test_each_staff_role_lands_on_the_patient_list(client, request, user_fixture, home, template):
    user = request.getfixturevalue(user_fixture)
    device = authenticator_for(user)
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True
    )
    # The second step (issue 9): the code from the authenticator, then the role's home page.
    assert response.redirect_chain[-1][0] == "/accounts/mfa/verify/"
    response = client.post("/accounts/mfa/verify/", {"code": totp_code(device)}, follow=True)
    assert response.redirect_chain[-1][0] == home
    assert response.templates[0].name == template


def test_patient_lands_on_their_portal_page(client, patient_user, own_patient):
    response = client.post(
        "/accounts/login/", {"username": "patient", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/portal/"
    html = response.content.decode()
    assert "Hello, Olive" in html
    assert "plan will appear here" in html


def test_navigation_follows_the_role(
    physio_client, front_desk_client, manager_client, patient_client
):
    physio_nav = physio_client.get("/patients/").content.decode()
    assert "Register patient" in physio_nav and "Physiotherapist" in physio_nav
    assert "Clinic admin" not in physio_nav

    desk_nav = front_desk_client.get("/patients/").content.decode()
    assert "Register patient" in desk_nav and "Front desk" in desk_nav
    assert "Clinic admin" not in desk_nav

    manager_nav = manager_client.get("/patients/").content.decode()
    assert "Clinic admin" in manager_nav and "Archived patients" in manager_nav

    portal_nav = patient_client.get("/portal/").content.decode()
    assert "My plan" in portal_nav
    assert "Register patient" not in portal_nav and "Patients</a>" not in portal_nav


def test_clinic_name_shows_in_the_navigation(physio_client, settings):
    settings.CLINIC_NAME = "Harbourside IASTR Clinic"
    assert "Harbourside IASTR Clinic" in physio_client.get("/patients/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/patients/",
        "/patients/new/",
        "/patients/archived/",
        "/portal/",
        "/patients/00000000-0000-4000-8000-000000000001/",
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_user_without_a_role_is_told_so(client):
    UserFactory(username="nobody")
    assert password_login(client, "nobody", PASSWORD)
    response = client.get("/", follow=True)
    assert response.status_code == 403
    assert "not set up yet" in response.content.decode()
    assert client.get("/patients/").status_code == 404


def test_logout_ends_the_session(physio_client):
    response = physio_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert physio_client.get("/patients/").status_code == 302


def test_password_reset_mails_a_link_that_sets_a_new_password(client, front_desk):
    response = client.post("/accounts/password_reset/", {"email": front_desk.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [front_desk.email]
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1].strip()

    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new_password = "a-fresh-Password-2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "Your password is changed" in done.content.decode()
    assert password_login(client, "desk", new_password)

    # The link works once.
    client.logout()
    again = client.get(path, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_unknown_page_is_a_friendly_404(physio_client):
    response = physio_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- The current section (issue 10) -----------------------------------------------------------


def current_links(html: str) -> list[str]:
    """The text of each navigation link marked aria-current="page"."""
    import re

    nav = html[html.index('aria-label="Main navigation"') : html.index("</nav>")]
    return [
        re.sub(r"<[^>]+>", "", text).strip()
        for text in re.findall(
            r'<a class="[^"]*\bactive\b[^"]*" aria-current="page"[^>]*>(.*?)</a>', nav
        )
    ]


@pytest.mark.parametrize(
    "client_fixture, home, current",
    [
        ("physio_client", "/visits/day/", "My day"),
        ("front_desk_client", "/patients/schedule/", "Schedule"),
        ("manager_client", "/patients/schedule/", "Schedule"),
        ("patient_client", "/portal/", "My plan"),
    ],
)
def test_each_roles_home_is_the_current_link(request, client_fixture, home, current):
    html = request.getfixturevalue(client_fixture).get(home).content.decode()
    assert current_links(html) == [current]


@pytest.mark.parametrize(
    "path, current",
    [
        ("/patients/", "Patients"),
        ("/patients/new/", "Register patient"),
        ("/patients/archived/", "Archived patients"),
        ("/patients/time-off/", "Time off"),
        ("/patients/appointments/book/", "Schedule"),
        ("/accounts/mfa/", "Security"),
    ],
)
def test_the_section_of_a_page_is_the_current_link(manager_client, path, current):
    assert current_links(manager_client.get(path).content.decode()) == [current]


def test_a_patients_record_marks_patients_and_nothing_else(physio_client):
    from tests.factories import PatientFactory

    patient = PatientFactory()
    html = physio_client.get(f"/patients/{patient.uuid}/").content.decode()
    assert current_links(html) == ["Patients"]
    assert html.count('aria-current="page"') == 1
