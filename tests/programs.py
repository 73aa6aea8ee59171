"""Shared helpers for the home-program tests: a program built through the services, the builder's
formset POST, portal patients, and the clinic's clock (America/Vancouver) frozen at a given time.

Everything here goes through treatments/services unless its name says ``raw``.
"""

import datetime
import re
import zoneinfo

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from revere import roles
from tests.clinical import make_visit, screen
from tests.factories import PatientFactory, UserFactory
from tests.support import verify_second_factor
from treatments import services
from treatments.models import Exercise, HomeProgram, ProgramExercise, Visit
from treatments.services import programs as program_services

CLINIC_TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)

# Reference exercises (treatments/reference/exercises.json) used across the tests.
TYLER = "tyler_twist"  # 3 x 15, once a day, every day
HEEL_DROP = "heel_drop_straight"  # 3 x 15, twice a day, every day
NORDIC = "nordic_curl"  # 3 x 6, once a day, 2 days a week
SIX_CODES = (
    "tyler_twist",
    "heel_drop_straight",
    "grip_squeeze",
    "hamstring_stretch",
    "single_leg_balance",
    "towel_scrunch",
)


def exercise(code: str) -> Exercise:
    return Exercise.objects.get(code=code)


def local(*args) -> datetime.datetime:
    """An aware datetime in the clinic's time zone: ``local(2026, 3, 1, 23, 30)``."""
    return datetime.datetime(*args, tzinfo=CLINIC_TZ)


def freeze(monkeypatch, moment: datetime.datetime) -> datetime.datetime:
    """Make ``django.utils.timezone.now()`` (and so ``localdate()``) return ``moment``."""
    assert timezone.is_aware(moment)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def add(visit: Visit, *codes: str, by=None) -> list[ProgramExercise]:
    """Add library exercises to the visit's program, through the service."""
    by = by or visit.practitioner.user
    return [
        program_services.program_add_exercise(visit=visit, exercise=exercise(code), by=by)
        for code in codes
    ]


def build_program(physio, *codes: str, patient=None, visit=None, save=True, doses=None):
    """A visit (new unless given) with a program of ``codes``; saved (activated) unless
    ``save=False``. ``doses`` maps an exercise code to dose fields. Returns the HomeProgram."""
    visit = visit or make_visit(physio, patient)
    items = add(visit, *(codes or (TYLER,)), by=physio)
    if not save:
        return HomeProgram.objects.get(visit=visit)
    by_code = {item.exercise.code: item for item in items}
    program_doses = {by_code[code].pk: fields for code, fields in (doses or {}).items()}
    return program_services.program_save(visit=visit, doses=program_doses, by=physio)


def sign(visit: Visit, by=None) -> Visit:
    """Complete what signing needs (a complaint, a clear screening) and sign the visit."""
    services.assessment_save(
        visit=visit, fields={"complaint": "Elbow pain lifting"}, sites=[], scores={}
    )
    screen(visit)
    return services.visit_sign(visit=visit, by=by or visit.practitioner.user)


def items_of(program: HomeProgram) -> list[ProgramExercise]:
    return list(program.items.select_related("exercise").order_by("position", "pk"))


def formset_post(items, **changes) -> dict:
    """The builder's formset as the browser posts it, filled with the items' current doses.

    ``changes`` override fields by their name without the ``items-`` prefix:
    ``formset_post(items, **{"0-sets": "4"})``."""
    data = {
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "action": "save",
    }
    for n, item in enumerate(items):
        data[f"items-{n}-id"] = str(item.pk)
        for name in program_services.DOSE_FIELDS:
            value = getattr(item, name)
            data[f"items-{n}-{name}"] = "" if value is None else str(value)
    data.update({f"items-{key}": value for key, value in changes.items()})
    return data


def portal_patient(first_name="Paula", last_name="Portal", **fields):
    """A patient with a portal login (password set), and that user."""
    user = UserFactory(role=roles.PATIENT, first_name=first_name, last_name=last_name)
    patient = PatientFactory(user=user, first_name=first_name, last_name=last_name, **fields)
    return patient, user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    if roles.is_clinic_staff(user):
        verify_second_factor(client, user)  # staff pages need the second factor (issue 9)
    return client


def by_testid(html: str, testid: str, tag: str = "ul") -> str:
    """The HTML of the element with ``data-testid=testid`` (no nesting of the same tag)."""
    match = re.search(rf'<{tag}[^>]*data-testid="{testid}"[^>]*>(.*?)</{tag}>', html, re.S)
    assert match, f'no <{tag} data-testid="{testid}"> on the page'
    return match.group(1)


def shows(html: str, text: str) -> bool:
    """Whether ``text`` is on the page as the template would escape it."""
    return escape(text) in html


def handout_url(program: HomeProgram) -> str:
    return reverse("programs:handout", args=[program.uuid])


def pdf_url(program: HomeProgram) -> str:
    return reverse("programs:pdf", args=[program.uuid])


def builder_url(visit: Visit) -> str:
    return reverse("visits:handout", args=[visit.uuid])
