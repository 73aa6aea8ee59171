"""Fuzzing every form and every URL parameter, as every role (issue 8, "What it must show").

Every URL pattern of the app is read from the resolver (so a new page is fuzzed without editing
this module) and gets one property-based test, ``test_fuzz_<namespace>__<name>``. Each example is
one request: a role (anonymous, portal patient, front desk, physiotherapist, manager), a method,
the path with its converters filled in (a real uuid or pk of the fixture world, an unknown one, or
junk), GET query parameters and, for a POST, the fields of the page's real forms (read from the
form classes: prefixes, formset rows and management forms included) mixed with junk. What must
hold for every request:

- no response is a server error (status >= 500), and no page is absurdly large;
- a refused request (a 4xx; a POST answered 200/422, i.e. the form again with its errors; a
  redirect carrying an error message) changes no row, and neither does any GET: every table of the
  ``patients`` and ``treatments`` apps, the auth tables, the admin log and pghistory are compared
  by row count and an md5 of their rows (updated_at and status columns included) with the state
  before the request.

Each example runs in a transaction rolled back after it (``hypothesis.extra.django.TestCase``),
so each request starts from the same world, built once per class in ``setUpTestData``.

Environment:
- ``FUZZ_EXAMPLES``: a multiplier of the examples per test (default 1: about 2,100 examples in
  all; ``FUZZ_EXAMPLES=0.1`` for a quick smoke run, ``FUZZ_EXAMPLES=10`` overnight).
- ``FUZZ_SHRINK=1``: let Hypothesis shrink a failing example (off by default: the failure message
  already shows the request, and shrinking a slow page takes minutes).
- ``FUZZ_REPORT=/path/file``: survey mode: write every failure found to that file (one entry per
  route, method, role and kind of failure) instead of stopping at the first.
- ``CI=true``: derandomized (the same examples on every run).
- ``FUZZ_MAX_PAGE_BYTES``: the largest page accepted (default 2,000,000).

The plain tests at the end pin the inputs that produced a server error when this module was
written, one test per behaviour.
"""

import copy
import dataclasses
import datetime
import os
import re
import traceback
from urllib.parse import quote, urlencode

from django import forms as djforms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.tokens import default_token_generator
from django.contrib.messages import constants as message_levels
from django.core import signing
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from patients import online
from patients import services as patient_services
from patients.forms import (
    AppointmentStatusForm,
    BookingForm,
    NewCallerForm,
    PatientForm,
    PatientSearchForm,
    PortalCancelForm,
    ScheduleDayForm,
    TimeOffForm,
)
from patients.models import AppointmentType, OnlineBookingHold, Patient
from patients.online_forms import OnlineCodeForm, OnlineDetailsForm
from patients.portal_forms import PortalBookForm, PortalMoveForm
from patients.services.online_booking import code_hash
from revere import roles
from revere.forms import LoginForm
from revere.intake_links import intake_token
from tests.clinical import apply, make_visit, screen
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    AppointmentTypeFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)
from tests.programs import HEEL_DROP, NORDIC, TYLER, add, build_program, portal_patient, sign
from tests.scheduling import at, future_day, give_hours
from tests.support import verify_second_factor
from treatments import services
from treatments.cleaning_views import CleaningForm
from treatments.forms import (
    AdhesionSiteFormSet,
    ApplicationForm,
    AssessmentForm,
    CheckInForm,
    ClinicExerciseForm,
    FollowUpAssessmentForm,
    OtherSiteFormSet,
    ProgramItemFormSet,
    ScreeningForm,
    SessionForm,
    VisitReassignForm,
)
from treatments.intake_forms import PatientIntakeForm, explanation_version
from treatments.models import (
    BodyRegion,
    Condition,
    ConsentExplanation,
    Exercise,
    Instrument,
    ProgramExercise,
)
from treatments.services import intake as intake_services
from treatments.services import portal as portal_services

# --- Budget and Hypothesis settings -------------------------------------------------------------

MULTIPLIER = float(os.environ.get("FUZZ_EXAMPLES", "1") or "1")
REPORT_FILE = os.environ.get("FUZZ_REPORT", "")
MAX_PAGE_BYTES = int(os.environ.get("FUZZ_MAX_PAGE_BYTES", "2000000"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
if os.environ.get("FUZZ_SHRINK", "") in ("1", "true", "yes"):
    PHASES.append(Phase.shrink)

# Examples per URL pattern: more for the pages with forms (their validation is what is fuzzed).
EXAMPLES_FORM_PAGE = 120
EXAMPLES_PLAIN_PAGE = 40
EXAMPLES_ADMIN = 150


def _budget(base: int) -> int:
    return max(1, round(base * MULTIPLIER))


def fuzz_settings(examples: int):
    return settings(
        max_examples=_budget(examples),
        deadline=None,
        derandomize=IN_CI,
        database=None,
        phases=PHASES,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


# --- Roles --------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
PATIENT = "patient (portal user)"
FRONT_DESK = "front desk"
PHYSIO = "physiotherapist"
MANAGER = "manager"
ROLES = (ANONYMOUS, PATIENT, FRONT_DESK, PHYSIO, MANAGER)

# How often each role is drawn, by URL namespace: mostly the people the pages are for (their
# requests reach the forms), sometimes everyone else (their requests must be refused cleanly).
# A namespace not listed (a new app) draws every role alike.
ROLE_WEIGHTS = {
    "visits": {PHYSIO: 12, MANAGER: 2, FRONT_DESK: 1, PATIENT: 1, ANONYMOUS: 1},
    "programs": {PHYSIO: 4, MANAGER: 2, FRONT_DESK: 3, PATIENT: 2, ANONYMOUS: 1},
    "patients": {FRONT_DESK: 8, PHYSIO: 2, MANAGER: 3, PATIENT: 1, ANONYMOUS: 1},
    "portal": {PATIENT: 8, ANONYMOUS: 3, FRONT_DESK: 1, PHYSIO: 1, MANAGER: 1},
    "portal_appointments": {PATIENT: 8, ANONYMOUS: 1, FRONT_DESK: 1, PHYSIO: 1, MANAGER: 1},
    "": {ANONYMOUS: 3, PATIENT: 2, FRONT_DESK: 2, PHYSIO: 2, MANAGER: 2},
    # Issue 12: the manager's reports, the cleaning log of physiotherapists and the manager.
    "reports": {MANAGER: 8, PHYSIO: 1, FRONT_DESK: 1, PATIENT: 1, ANONYMOUS: 1},
    "instruments": {PHYSIO: 6, MANAGER: 4, FRONT_DESK: 1, PATIENT: 1, ANONYMOUS: 1},
}


# Pages of a namespace that are for someone else.
ROUTE_ROLE_WEIGHTS = {
    "visits:reassign": {MANAGER: 8, PHYSIO: 3, FRONT_DESK: 1, PATIENT: 1, ANONYMOUS: 1},
    "patients:archived": {MANAGER: 8, FRONT_DESK: 2, PHYSIO: 1, PATIENT: 1, ANONYMOUS: 1},
    "patients:restore": {MANAGER: 8, FRONT_DESK: 2, PHYSIO: 1, PATIENT: 1, ANONYMOUS: 1},
    # Issue 13: the emailed link is for anyone who holds it; the submitted form for clinicians.
    "intake:form": {ANONYMOUS: 8, PATIENT: 2, FRONT_DESK: 1, PHYSIO: 1, MANAGER: 1},
    "intake:detail": {PHYSIO: 6, MANAGER: 3, FRONT_DESK: 2, PATIENT: 2, ANONYMOUS: 1},
}


def role_strategy(route_name: str):
    namespace = route_name.rpartition(":")[0]
    weights = ROUTE_ROLE_WEIGHTS.get(route_name) or ROLE_WEIGHTS.get(
        namespace, dict.fromkeys(ROLES, 1)
    )
    return st.sampled_from([role for role in ROLES for _ in range(weights.get(role, 1))])


# --- Junk ---------------------------------------------------------------------------------------

TODAY = timezone.localdate()

NUMBER_JUNK = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "-0",
    "1e309",
    "-1e309",
    "1e5",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "0x10",
    "1_000",
    " 7 ",
    "9" * 30,
    "-" + "9" * 30,
    str(2**31),
    str(2**63),
    str(-(2**63) - 1),
    "²",
    "¹²³",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() is True
    "߀",  # N'Ko digit zero
    "Ⅻ",  # Roman numeral twelve (isnumeric)
    "3\x00",
]

DATE_JUNK = [
    "",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "-2026-01-01",
    "2026-03-09",
    "09/03/2026",
    "2026-W10",
    "²⁰²⁶-⁰³-⁰⁹",
    "2026-03-09\x00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+14:00",
    "2026-03-09T09:00:00+14:00",
    "2026-03-09T09:00:00",
    "2026-03-09T25:00:00+00:00",
    "2026-03-09T09:00:00+99:00",
    "2026-03-09T09:00:00+23:59",
    "24:00",
    "23:59:60",
    "99:99",
    "-01:00",
    "07:30",
    "9" * 30,
]

TEXT_JUNK = [
    "",
    " ",
    "   \t\r\n ",
    "שלום עולם",  # RTL
    "مرحبا",
    "\u202etxet desrever\u202c",
    "😀",
    "👩🏽‍⚕️",
    "e\u0301\u0301\u0301",  # combining marks
    "Z\u0351\u0352\u0353\u0354\u0355",
    "²",
    "\x00",
    "a\x00b",
    "\x00" * 10,
    "\x1b[31m",
    "\ufeff",
    "\u200b",
    "None",
    "null",
    "true",
    "off",
    "[]",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "{{ 7|add:7 }}",
    "%(x)s",
    "a@b",
    "@example.com",
    "x@" + "y" * 300 + ".com",
    "ivy.invited@example.com\x00",
]

ID_JUNK = [
    "",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "not-a-uuid",
    "12345678-1234-1234-1234-12345678901",
    "{12345678-1234-5678-1234-567812345678}",
    "bogus",
    "BOOKED",
    "booked ",
    "left ",
    "calf\x00",
    *NUMBER_JUNK[:20],
]

URL_JUNK = [
    "",
    "/",
    "//evil.example.com",
    "http://evil.example.com/",
    "https:///",
    "javascript:alert(1)",
    "unknown",
    "patients:list",
    "visits:day",
    "/no/such/page/",
    "/\x00",
    "\x00",
    "/patients/\u202e",
    "../..",
]

JUNK_CONSTANTS = sorted({*NUMBER_JUNK, *DATE_JUNK, *TEXT_JUNK, *ID_JUNK, *URL_JUNK})

HUGE_STRINGS = st.builds(
    lambda piece, n: piece * n,
    st.sampled_from(["x", "9", "²", "ש", "😀", "e\u0301", "\x00", "<b>", "a b "]),
    st.sampled_from([10_001, 20_000]),
)

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)

NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.integers(min_value=-3, max_value=1_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
)

JUNK = st.one_of(
    st.sampled_from(JUNK_CONSTANTS),
    st.sampled_from(JUNK_CONSTANTS),
    TEXT,
    NUMBERS,
    st.uuids().map(str),
    HUGE_STRINGS,
)

COUNT_JUNK = ["1000", "1001", "50", "51", "21", "-1", "", "abc", "1.5", "9" * 20, "²", "\x00"]

# Junk of the kind a field expects to parse, drawn more often than junk of any kind.
TYPED_JUNK = {
    "number": st.one_of(st.sampled_from(NUMBER_JUNK), NUMBERS),
    "date": st.one_of(
        st.sampled_from(DATE_JUNK),
        st.builds(
            "{:04d}-{:02d}-{:02d}".format,
            st.integers(min_value=0, max_value=10_000),
            st.integers(min_value=0, max_value=13),
            st.integers(min_value=0, max_value=32),
        ),
    ),
    "text": st.one_of(st.sampled_from(TEXT_JUNK), TEXT, HUGE_STRINGS),
    "id": st.one_of(st.sampled_from(ID_JUNK), st.uuids().map(str), NUMBERS),
    "url": st.sampled_from(URL_JUNK),
    "count": st.one_of(st.sampled_from(COUNT_JUNK), NUMBERS),
}

# The values most likely to break a parser of each kind, drawn most often of all.
EXTREMES = {
    "number": ["1.5", "1e309", "NaN", "-1", "9" * 30, "²", "abc", "", "0"],
    "date": [
        "0001-01-01",
        "9999-12-31",
        "10000-01-01",
        "2026-02-30",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "²",
        "",
    ],
    "text": ["\x00", "a\x00b", "x" * 10_001, "²" * 10_001, "ש", "😀", "e\u0301", ""],
    "id": ["abc", "1.5", "", "²", "-1", "9" * 30, "00000000-0000-0000-0000-000000000000"],
    "url": ["unknown", "//evil.example.com", "javascript:alert(1)", "/\x00", "\x00", ""],
    "count": COUNT_JUNK,
}

# Small damage to a valid value: what a typo, a paste or a crafted request does to it.
MUTATIONS = [
    lambda v: v + "\x00",
    lambda v: "\x00" + v,
    lambda v: (v or "x") * (10_001 // max(1, len(v)) + 1),
    lambda v: v.translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")),
    lambda v: v.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    lambda v: v + "😀",
    lambda v: "\u202e" + v,
    lambda v: v + "\u0301",
    lambda v: f" {v} ",
    lambda v: v.upper(),
    lambda v: "-" + v,
    lambda v: v + "0" * 30,
    lambda v: v + ".5",
    lambda v: v[:-1],
]


def mutated(values: list[str]):
    return st.builds(
        lambda v, mutate: mutate(v), st.sampled_from(values), st.sampled_from(MUTATIONS)
    )


# --- The fixture world --------------------------------------------------------------------------


@dataclasses.dataclass
class World:
    users: dict  # role -> User (None for anonymous)
    practitioner: object
    own_patient: object
    other_patient: object
    archived_patient: object
    long_email_patient: object
    invited_patient: object
    appointment: object
    today_appointment: object
    follow_up: object
    draft_visit: object
    signed_visit: object
    program: object
    draft_items: list
    intake: object  # issue 13: the other patient's submitted intake form
    uuids: dict  # converter argument name -> real uuids
    ints: dict  # converter argument name -> real ids
    strs: dict  # converter argument name -> real values
    scalars: list  # every real id, uuid and code: plausible values for any field


def build_world() -> World:
    physio_user = UserFactory(username="fuzz-physio", role=roles.PHYSIOTHERAPIST)
    practitioner = give_hours(PractitionerFactory(user=physio_user, display_name="Fuzz Physio, PT"))
    other_practitioner = give_hours(PractitionerFactory(display_name="Other Physio, PT"))
    desk = UserFactory(username="fuzz-desk", role=roles.FRONT_DESK)
    manager = UserFactory(username="fuzz-boss", is_staff=True, is_superuser=True)
    own_patient, patient_user = portal_patient("Olive", "Owner")
    other_patient = PatientFactory(first_name="Zed", last_name="Other")
    archived_patient = PatientFactory(first_name="Arch", last_name="Ived")
    patient_services.patient_archive(patient=archived_patient, by=manager)
    # An address longer than a username may be (150): the portal invitation must refuse it.
    long_email_patient = PatientFactory(
        first_name="Longmail", email="l" * 150 + "@example.com", user=None
    )
    invited_patient = PatientFactory(first_name="Ivy", email="ivy.invited@example.com")
    portal_services.portal_invite(patient=invited_patient, by=desk, base_url="http://testserver/")
    invited_patient.refresh_from_db()

    follow_up = AppointmentTypeFactory(name="Follow-up IASTR", minutes=30, mode="in_clinic")
    appointment = AppointmentFactory(
        patient=own_patient,
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(future_day(0, weeks=2), "09:00"),
    )
    today_appointment = AppointmentFactory(
        patient=other_patient,
        practitioner=practitioner,
        type=follow_up,
        starts_at=at(TODAY, "10:00"),
    )
    AppointmentFactory(
        patient=other_patient,
        practitioner=other_practitioner,
        type=follow_up,
        starts_at=at(future_day(2, weeks=1), "14:00"),
    )

    # A draft visit with an assessment (one adhesion site), a clear screening, a session with one
    # application and a program of two exercises not saved yet.
    draft_visit = make_visit(physio_user, other_patient)
    services.assessment_save(
        visit=draft_visit,
        fields={"complaint": "Right lateral elbow pain for 6 weeks"},
        sites=[{"region": BodyRegion.objects.get(code="calf"), "side": "left", "note": "tight"}],
        scores={},
    )
    screen(draft_visit)
    application = apply(draft_visit, "calf", "left")
    draft_items = add(draft_visit, TYLER, HEEL_DROP, by=physio_user)

    # Issue 13: an online hold waiting for its code (the public confirmation page), and an
    # appointment booked online (its done page's token).
    hold_start = at(future_day(1, weeks=2), "09:00")
    hold = OnlineBookingHold(
        practitioner=practitioner,
        type=AppointmentType.objects.get(kind="consultation"),
        starts_at=hold_start,
        ends_at=hold_start + datetime.timedelta(minutes=10),
        expires_at=timezone.now() + datetime.timedelta(days=1),
        first_name="Hold",
        last_name="Waiting",
        phone="604-555-0142",
        email="hold.waiting@example.com",
    )
    hold.code_hash = code_hash(hold.uuid, "123456")
    hold.save()
    online_appointment = AppointmentFactory(
        patient=other_patient,
        practitioner=practitioner,
        type=follow_up,
        source="online",
        starts_at=at(future_day(3, weeks=2), "09:00"),
    )
    done_token = signing.dumps(str(online_appointment.uuid), salt="revere.online-booking.done")

    # A signed visit with the own patient's active home program.
    program = build_program(physio_user, TYLER, NORDIC, patient=own_patient)
    signed_visit = sign(program.visit)

    # Issue 13: the other patient has sent their intake form; the own patient has not.
    intake = intake_services.intake_submit(
        patient=other_patient,
        source="email_link",
        contact={"address": "1 Fuzz Street"},
        history={"complaint": "Elbow"},
        answers=[
            intake_services.AnswerInput(contraindication=item, answer="no")
            for item in intake_services.intake_questions()
        ],
        consents_to_iastr=True,
    )

    users = {
        ANONYMOUS: None,
        PATIENT: patient_user,
        FRONT_DESK: desk,
        PHYSIO: physio_user,
        MANAGER: manager,
    }
    patients = [own_patient, other_patient, archived_patient, long_email_patient, invited_patient]
    visits = [draft_visit, signed_visit]
    appointments = [appointment, today_appointment]
    item_ids = list(ProgramExercise.objects.values_list("pk", flat=True))
    uuids = {
        "patient_uuid": [str(p.uuid) for p in patients],
        "visit_uuid": [str(v.uuid) for v in visits],
        "appointment_uuid": [str(a.uuid) for a in appointments],
        "program_uuid": [str(program.uuid), *(str(i.program.uuid) for i in draft_items[:1])],
        "intake_uuid": [str(intake.uuid)],
        "hold_uuid": [str(hold.uuid)],
    }
    ints = {
        "practitioner_id": [practitioner.pk, other_practitioner.pk],
        "application_id": [application.pk],
        "item_id": item_ids,
    }
    invited_user = invited_patient.user
    strs = {
        "slug": ["activity", "skin-region", "skin-instrument", "outcomes", "adherence", "use"],
        "action": ["remove", "up", "down"],
        "uidb64": [
            urlsafe_base64_encode(force_bytes(invited_user.pk)),
            urlsafe_base64_encode(force_bytes(patient_user.pk)),
        ],
        "token": [
            portal_services.invite_tokens.make_token(invited_user),
            default_token_generator.make_token(patient_user),
            "set-password",
            # Issue 13: the intake form's links (one to fill in, one sent, one archived record)
            intake_token(own_patient.uuid),
            intake_token(other_patient.uuid),
            intake_token(archived_patient.uuid),
            done_token,
        ],
    }
    scalars = sorted(
        {
            *(u for values in uuids.values() for u in values),
            *(str(i) for values in ints.values() for i in values),
            *(str(u.pk) for u in users.values() if u),
            str(follow_up.pk),
            *(str(pk) for pk in AppointmentType.objects.values_list("pk", flat=True)),
            "calf",
            "left",
            "right",
            "bilateral",
        }
    )
    return World(
        users=users,
        practitioner=practitioner,
        own_patient=own_patient,
        other_patient=other_patient,
        archived_patient=archived_patient,
        long_email_patient=long_email_patient,
        invited_patient=invited_patient,
        appointment=appointment,
        today_appointment=today_appointment,
        follow_up=follow_up,
        draft_visit=draft_visit,
        signed_visit=signed_visit,
        program=program,
        draft_items=draft_items,
        intake=intake,
        uuids=uuids,
        ints=ints,
        strs=strs,
        scalars=scalars,
    )


# --- The database's state -----------------------------------------------------------------------

WATCHED_PREFIXES = ("patients_", "treatments_", "auth_user", "auth_group", "pghistory_")
WATCHED_TABLES = ("django_admin_log",)


def watched_tables() -> list[str]:
    return sorted(
        name
        for name in connection.introspection.table_names()
        if name.startswith(WATCHED_PREFIXES) or name in WATCHED_TABLES
    )


def fingerprint_sql(tables: list[str]) -> str:
    qn = connection.ops.quote_name
    return " UNION ALL ".join(
        f"SELECT '{name}', count(*), "
        f"md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {qn(name)} t"
        for name in tables
    )


def fingerprint(sql: str) -> dict[str, tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> list[str]:
    return [
        f"{name} (rows {before.get(name, (0,))[0]} -> {after.get(name, (0,))[0]})"
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


# --- Field strategies from the real forms -------------------------------------------------------


def _flat_choices(choices) -> list[str]:
    values = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            values.extend(str(v) for v, _ in label)
        else:
            values.append(str(value))
    return values


def valid_values(field, world: World) -> list[str]:
    """Values the field accepts (or nearly: its bounds and one past them)."""
    future = future_day(0)
    if isinstance(field, djforms.ModelChoiceField):  # also ModelMultipleChoiceField
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:6]]
        return [*pks, ""] if pks else [""]
    if isinstance(field, djforms.ChoiceField):
        return _flat_choices(field.choices) or [""]
    if isinstance(field, djforms.BooleanField):
        return ["on", "true", "1", "", "false"]
    if isinstance(field, (djforms.IntegerField, djforms.DecimalField, djforms.FloatField)):
        low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
        values = ["1", "2", "3", "10", ""]
        for bound in (low, high):
            if bound is not None:
                values += [str(bound), str(bound - 1), str(bound + 1)]
        if isinstance(field, djforms.DecimalField):
            values += ["5.5", "0.05", "12345.6"]
        return values
    if isinstance(field, djforms.DateField):
        return [
            f"{TODAY:%Y-%m-%d}",
            f"{future:%Y-%m-%d}",
            f"{TODAY - datetime.timedelta(days=1):%Y-%m-%d}",
            f"{TODAY + datetime.timedelta(days=400):%Y-%m-%d}",
            "1980-05-17",
            "",
        ]
    if isinstance(field, djforms.TimeField):
        return ["09:00", "09:30", "07:30", "12:00", "23:59", ""]
    if isinstance(field, djforms.EmailField):
        return [
            "someone@example.com",
            world.invited_patient.email,
            world.own_patient.email,
            world.long_email_patient.email,
            "",
        ]
    return [
        "Elbow pain when lifting",
        "Light pressure only; avoid the marked site.",
        "604-555-0123",
        f"{at(future, '09:30').isoformat()}",
        f"{at(future, '14:00').isoformat()}",
        "",
    ]


def field_kind(field) -> str:
    if isinstance(field, (djforms.DateField, djforms.DateTimeField, djforms.TimeField)):
        return "date"
    if isinstance(field, (djforms.IntegerField, djforms.DecimalField, djforms.FloatField)):
        return "number"
    if isinstance(field, (djforms.ModelChoiceField, djforms.ChoiceField)):
        return "id"
    return "text"


class Gen:
    """One field's values: the valid ones (from the form's field and the world) and bad ones of
    the field's kind (``number``, ``date``, ``text``, ``id``, ``url``, ``count``)."""

    def __init__(self, valid, kind: str, world: World):
        valid = [str(v) for v in valid] or list(world.scalars)
        self.kind = kind
        self.valid = st.sampled_from(valid)
        self.bad_choices = (
            (40, st.sampled_from(EXTREMES[kind])),
            (20, mutated(valid)),
            (20, TYPED_JUNK[kind]),
            (10, JUNK),
            (10, st.sampled_from(world.scalars)),
        )

    def draw(self, draw, mode: str) -> str:
        if mode == MIXED:
            mode = VALID if draw(st.integers(min_value=0, max_value=99)) < 55 else BAD
        if mode == VALID:
            return draw(self.valid)
        roll = draw(st.integers(min_value=0, max_value=99))
        for weight, strategy in self.bad_choices:
            if roll < weight:
                return draw(strategy)
            roll -= weight
        raise AssertionError("the weights add up to 100")


# How an example fills the fields: every field valid but one (the validation of that field is
# reached with everything else right), each field valid or bad, or everything valid.
ONE_BAD, MIXED, VALID, BAD = "one bad field", "mixed", "valid", "bad"
THEMES = st.sampled_from([ONE_BAD, ONE_BAD, ONE_BAD, ONE_BAD, MIXED, MIXED, MIXED, VALID])


def field_gen(field, world: World) -> Gen:
    return Gen(valid_values(field, world), field_kind(field), world)


def form_fields(form, world: World) -> dict:
    return {form.add_prefix(name): field_gen(f, world) for name, f in form.fields.items()}


def formset_fields(formset, world: World, extra_rows: int = 2) -> dict:
    """The management form, the rows shown and ``extra_rows`` more, and one far-away row."""
    fields = {}
    mgmt = formset.management_form
    rows = list(formset.forms)
    counts = Gen([str(n) for n in range(len(rows) + extra_rows + 1)], "count", world)
    for name in mgmt.fields:
        fields[mgmt.add_prefix(name)] = counts
    for form in rows:
        fields.update(form_fields(form, world))
    template = formset.empty_form
    for index in [*range(len(rows), len(rows) + extra_rows), 999]:
        for name, field in template.fields.items():
            fields[f"{formset.prefix}-{index}-{name}"] = field_gen(field, world)
    return fields


# The query parameters and POST keys the views read (grep request.GET / request.POST / data.get):
# offered on every page, so a view that starts reading one is fuzzed too.
GENERIC_KEYS = {
    "q": "text",
    "page": "number",
    "day": "date",
    "date": "date",
    "practitioner": "id",
    "next": "url",
    "type": "id",
    "start": "date",
    "time": "date",
    "patient": "id",
    "new_caller": "text",
    "action": "text",
    "text": "text",
    "email": "text",
    "status": "id",
    "exercise": "number",
}


@dataclasses.dataclass
class Spec:
    get: dict = dataclasses.field(default_factory=dict)  # name -> strategy
    post: dict = dataclasses.field(default_factory=dict)
    autosave: bool = False  # the page answers an X-Autosave request differently


def build_specs(world: World) -> dict[str, Spec]:
    """The fields of each page's forms, by URL name."""

    def constant(*values, kind="text"):
        return Gen(values, kind, world)

    uuids = [u for values in world.uuids.values() for u in values]
    patient_uuid = constant(*world.uuids["patient_uuid"], "", *uuids, kind="id")
    practitioners = constant(*(str(pk) for pk in world.ints["practitioner_id"]), "", kind="id")
    page = constant("1", "2", "last", "0", "-1", "99999999999999999999", kind="number")
    next_url = constant("/patients/schedule/", "/patients/", "", "/visits/day/", kind="url")
    action = constant("continue", "save", "")
    booked_day = timezone.localtime(world.appointment.starts_at).date()
    time_off = {
        **form_fields(TimeOffForm(), world),
        "starts_at": constant(f"{booked_day:%Y-%m-%d}T08:00", f"{booked_day:%Y-%m-%d}T09:15"),
        "ends_at": constant(f"{booked_day:%Y-%m-%d}T12:00", f"{booked_day:%Y-%m-%d}T09:00"),
        "seen": constant(str(world.appointment.uuid), "", kind="id"),
        f"clash-{world.appointment.uuid}": constant("keep", "cancel", "move"),
        "cancel_reason": constant("Practitioner away", ""),
    }
    draft = world.draft_visit
    patient_user = world.users[PHYSIO]
    report_days = constant("2026-03-01", "2026-04-30", "", kind="date")
    report_filters = Spec(
        get={"start": report_days, "end": report_days, "practitioner": practitioners}
    )
    instrument_ids = constant(
        *(str(pk) for pk in Instrument.objects.values_list("pk", flat=True)[:3]), "", kind="id"
    )

    assessment = {}
    for condition in [None, *Condition.objects.all()]:
        data = {"condition": condition.pk} if condition else None
        assessment.update(form_fields(AssessmentForm(data, instance=draft.assessment), world))
    # Issue 12: a follow-up's short re-assessment form posts these too.
    assessment.update(form_fields(FollowUpAssessmentForm(instance=draft.assessment), world))
    assessment.update(formset_fields(AdhesionSiteFormSet(prefix="sites"), world))
    assessment["action"] = action

    screening = form_fields(ScreeningForm(screening=draft.screening), world)
    screening.update(formset_fields(OtherSiteFormSet(prefix="sites"), world))
    screening["action"] = action

    items = ProgramExercise.objects.filter(program__visit=draft).select_related("exercise")
    handout_post = formset_fields(ProgramItemFormSet(queryset=items, prefix="items"), world)
    # Issue 12: Search, Add, move and remove post the doses too (kept as a draft).
    handout_post["action"] = constant("continue", "save", "search", "")
    handout_post["q"] = constant("heel", "calf", "")

    booking = {
        **form_fields(BookingForm(), world),
        **form_fields(NewCallerForm(), world),
        "patient": patient_uuid,
        "new_caller": constant("1", "0", ""),
    }
    booking_get = {
        "type": constant(str(world.follow_up.pk), "", kind="id"),
        "practitioner": practitioners,
        "day": constant(f"{future_day(0):%Y-%m-%d}", f"{TODAY:%Y-%m-%d}", kind="date"),
        "patient": patient_uuid,
        "new_caller": constant("1", ""),
        "q": constant("Olive", "Owner", "604", "1980-05-17"),
        "time": constant("09:30", "07:30", kind="date"),
    }
    # Issue 13: the portal's pages, from tomorrow on (the online window) and outside it.
    tomorrow = TODAY + datetime.timedelta(days=1)
    portal_get = {
        "type": constant(str(world.follow_up.pk), "", kind="id"),
        "practitioner": practitioners,
        "day": constant(
            f"{tomorrow:%Y-%m-%d}",
            f"{future_day(0):%Y-%m-%d}",
            f"{TODAY:%Y-%m-%d}",
            f"{TODAY + datetime.timedelta(days=90):%Y-%m-%d}",
            kind="date",
        ),
    }
    portal_book = {**form_fields(PortalBookForm(), world), "day": portal_get["day"]}
    portal_book["start"] = constant(
        at(future_day(0), "10:00").isoformat(),
        at(future_day(1, weeks=2), "14:30").isoformat(),
        at(TODAY, "10:00").isoformat(),
        at(future_day(0), "07:00").isoformat(),
        kind="date",
    )
    # Issue 13: the public booking page (any role, anonymous above all).
    online_details = OnlineDetailsForm(
        types=online.online_types(), practitioners=online.online_practitioners()
    )
    online_day = future_day(0, weeks=2)
    online_post = {
        **form_fields(online_details, world),
        "start": constant(
            at(online_day, "09:00").isoformat(), at(online_day, "12:30").isoformat(), kind="date"
        ),
        "day": constant(f"{online_day:%Y-%m-%d}", "", kind="date"),
        "website": constant("", "", "", "http://spam.example.com"),
    }
    online_get = {
        "type": constant(*(str(t.pk) for t in online.online_types()), "", kind="id"),
        "practitioner": practitioners,
        "day": constant(f"{online_day:%Y-%m-%d}", f"{TODAY:%Y-%m-%d}", "", kind="date"),
    }
    online_code = {"code": constant("123456", "000000", " 123 456 ", kind="number")}
    login = {**form_fields(LoginForm(), world), "next": next_url}
    login["username"] = constant(*(u.username for u in world.users.values() if u))
    login["password"] = constant(PASSWORD, "wrong")
    set_password = form_fields(auth_forms.SetPasswordForm(patient_user), world)
    for name in set_password:
        set_password[name] = constant("a long enough new passphrase 42", "short")

    # Issue 13: the intake form, with every question of the catalogue and the consent box.
    explanation = ConsentExplanation.current().text.strip()
    intake = form_fields(
        PatientIntakeForm(questions=intake_services.intake_questions(), explanation=explanation),
        world,
    )
    intake["date_of_birth"] = constant("1980-05-17", "2999-01-01", "", kind="date")
    intake["emergency_contact_phone"] = constant("604-555-0199", "call me", "")
    intake["explanation_version"] = constant(explanation_version(explanation), "", "0" * 16)

    return {
        "login": Spec(get={"next": next_url}, post=login),
        "intake:form": Spec(post=intake),
        "portal:intake": Spec(post=intake),
        "password_change": Spec(
            post={
                **form_fields(auth_forms.PasswordChangeForm(patient_user), world),
                **set_password,
                "old_password": constant(PASSWORD, "wrong"),
            }
        ),
        "password_reset": Spec(post=form_fields(auth_forms.PasswordResetForm(), world)),
        "password_reset_confirm": Spec(post=set_password),
        "patients:list": Spec(
            get={**form_fields(PatientSearchForm(), world), "page": page},
        ),
        "patients:archived": Spec(get={"page": page}),
        "patients:create": Spec(post=form_fields(PatientForm(), world)),
        "patients:edit": Spec(post=form_fields(PatientForm(instance=world.own_patient), world)),
        "patients:schedule": Spec(get=form_fields(ScheduleDayForm(), world)),
        "patients:schedule_week": Spec(get=form_fields(ScheduleDayForm(), world)),
        "patients:schedule_week_pick": Spec(
            get={**form_fields(ScheduleDayForm(), world), "practitioner": practitioners}
        ),
        "patients:book": Spec(get=booking_get, post=booking),
        "patients:appointment": Spec(get={"next": next_url}),
        "patients:appointment_status": Spec(
            get={"next": next_url},
            post={**form_fields(AppointmentStatusForm(), world), "next": next_url},
        ),
        "visits:day": Spec(
            get={"date": constant(f"{TODAY:%Y-%m-%d}", f"{future_day(0):%Y-%m-%d}", kind="date")}
        ),
        "visits:assessment": Spec(post=assessment, autosave=True),
        "visits:screening": Spec(post=screening, autosave=True),
        "visits:treatment": Spec(
            post={**form_fields(SessionForm(), world), "action": action}, autosave=True
        ),
        "visits:application_add": Spec(post=form_fields(ApplicationForm(), world)),
        "visits:handout": Spec(
            get={"q": constant("heel", "calf", "stretch")}, post=handout_post, autosave=True
        ),
        "visits:program_add": Spec(
            post={
                **handout_post,
                "exercise": Gen(
                    Exercise.objects.filter(active=True).values_list("pk", flat=True)[:6],
                    "number",
                    world,
                ),
            }
        ),
        "visits:program_item": Spec(post=handout_post),
        "visits:exercise_new": Spec(post=form_fields(ClinicExerciseForm(), world)),
        "visits:reassign": Spec(post=form_fields(VisitReassignForm(visit=draft), world)),
        "visits:addendum_add": Spec(
            post={"text": constant("Corrected: the left calf, not the right.")}
        ),
        "portal:check_in": Spec(
            post=form_fields(CheckInForm(items=list(world.program.items.all())), world)
        ),
        "portal:activate": Spec(post=set_password),
        "portal:request_invite": Spec(
            post={
                "email": constant(
                    world.invited_patient.email,
                    world.own_patient.email,
                    world.long_email_patient.email,
                    "nobody@example.com",
                )
            }
        ),
        "portal_appointments:cancel": Spec(post=form_fields(PortalCancelForm(), world)),
        # Issue 13: the portal's booking and rescheduling (the day strip's links, the form).
        "portal_appointments:book": Spec(get=portal_get, post=portal_book),
        "portal_appointments:reschedule": Spec(
            get={k: v for k, v in portal_get.items() if k != "type"},
            post={
                **form_fields(PortalMoveForm(), world),
                "day": portal_get["day"],
                "start": portal_book["start"],
            },
        ),
        # Issue 10: time off over the world's booked appointment, with the clash choices.
        "patients:time_off_create": Spec(get={"practitioner": practitioners}, post=time_off),
        "patients:time_off_edit": Spec(post=time_off),
        "patients:time_off_list": Spec(get={"page": page}),
        # Issue 13
        "online:book": Spec(get=online_get, post=online_post),
        "online:confirm": Spec(
            get=online_code, post=form_fields(OnlineCodeForm(), world) | online_code
        ),
        # Issue 12
        "reports:dashboard": report_filters,
        "reports:csv": report_filters,
        "instruments:cleaning": Spec(
            get={"show": instrument_ids, "instrument": instrument_ids},
            post=form_fields(CleaningForm(), world),
        ),
    }


# --- The URL patterns ---------------------------------------------------------------------------

CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclasses.dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    template: str  # "visits/<uuid:visit_uuid>/"

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]

    @property
    def arguments(self) -> list[tuple[str, str]]:
        return [(m["converter"] or "str", m["name"]) for m in CONVERTER.finditer(self.template)]


def iter_routes(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or pattern.namespace == "admin":
                continue  # the admin's forms are the admin's; its changelists are fuzzed below
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from iter_routes(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            if not isinstance(pattern.pattern, RoutePattern):
                continue  # none in the app; a regex route would need its own filler
            yield Route(name=f"{namespace}{pattern.name}", template=prefix + str(pattern.pattern))


def app_routes() -> list[Route]:
    seen, routes = set(), []
    for route in iter_routes(get_resolver().url_patterns):
        if route.template not in seen and not route.template.startswith("static/"):
            seen.add(route.template)
            routes.append(route)
    return routes


ROUTES = app_routes()


def weighted(*choices):
    """One of ``(weight, strategy)`` pairs, drawn with those weights."""
    total = sum(weight for weight, _ in choices)

    @st.composite
    def pick(draw):
        roll = draw(st.integers(min_value=0, max_value=total - 1))
        for weight, strategy in choices:
            if roll < weight:
                return draw(strategy)
            roll -= weight
        raise AssertionError("unreachable")

    return pick()


def argument_strategy(converter: str, name: str, world: World):
    """A path converter's value: mostly a real one of its kind, else another kind's, an unknown
    one or junk (which the resolver may refuse before the view: a 404)."""
    if converter == "uuid":
        others = [u for values in world.uuids.values() for u in values]
        own = world.uuids.get(name) or others
        return weighted(
            (75, st.sampled_from(own)),
            (10, st.sampled_from(others)),
            (10, st.uuids().map(str)),
            (5, st.just("00000000-0000-0000-0000-000000000000")),
        )
    if converter == "int":
        own = [str(i) for i in world.ints.get(name, [])] or ["1"]
        return weighted(
            (75, st.sampled_from(own)),
            (15, st.sampled_from(["0", "1", str(2**31), str(2**63), "9" * 40, "007"])),
            (10, st.integers(min_value=0, max_value=10**40).map(str)),
        )
    real = world.strs.get(name, [])
    junk = JUNK.filter(bool).map(lambda value: quote(value, safe=""))
    return weighted((70, st.sampled_from(real)), (30, junk)) if real else junk


# --- One request --------------------------------------------------------------------------------


def short(value) -> str:
    """A value as it reads in a failure message: a long string by its shape, not its bytes."""
    if isinstance(value, list):
        return "[" + ", ".join(short(v) for v in value) + "]"
    if not isinstance(value, str) or len(value) <= 80:
        return repr(value)
    if len(set(value)) == 1:
        return f"{value[0]!r} * {len(value)}"
    for size in range(1, 9):
        piece = value[:size]
        if piece * (len(value) // size) == value:
            return f"{piece!r} * {len(value) // size}"
    return f"{value[:40]!r}... ({len(value)} chars)"


def short_dict(data: dict) -> str:
    return "{" + ", ".join(f"{k!r}: {short(v)}" for k, v in data.items()) + "}"


@dataclasses.dataclass
class FuzzRequest:
    route: str
    role: str
    method: str
    path: str
    query: dict
    data: dict
    headers: dict

    def url(self) -> str:
        return f"{self.path}?{urlencode(self.query, doseq=True)}" if self.query else self.path

    def __repr__(self):
        lines = [f"{self.method} {short(self.path)} as {self.role} (URL name {self.route})"]
        if self.query:
            lines.append(f"  query: {short_dict(self.query)}")
        if self.method == "POST":
            lines.append(f"  data: {short_dict(self.data)}")
        if self.headers:
            lines.append(f"  headers: {self.headers}")
        return "\n".join(lines)


@st.composite
def field_values(draw, fields: dict, *, present: int, theme: str):
    """A dict of some of ``fields`` (name -> Gen) filled as ``theme`` says: each present
    (``present``% of the time), missing, or repeated (several values for one key); now and then
    a key no form has."""
    target = draw(st.sampled_from(sorted(fields))) if theme == ONE_BAD and fields else None
    data = {}
    for name, gen in fields.items():
        mode = BAD if name == target else VALID if theme == ONE_BAD else theme
        roll = draw(st.integers(min_value=0, max_value=99))
        if roll >= present and name != target:
            continue
        if roll < 8:
            size = draw(st.integers(min_value=2, max_value=3))
            data[name] = [gen.draw(draw, mode) for _ in range(size)]
        else:
            data[name] = gen.draw(draw, mode)
    if theme != VALID and draw(st.integers(min_value=0, max_value=9)) == 0:
        key = draw(st.sampled_from(["csrfmiddlewaretoken", "x" * 300, "²", "a\x00b", ""]))
        data[key] = draw(JUNK)
    return data


def request_strategy(route: Route, spec: Spec, world: World):
    generic = {name: Gen([], kind, world) for name, kind in GENERIC_KEYS.items()}
    path_parts = [argument_strategy(c, n, world) for c, n in route.arguments]

    @st.composite
    def build(draw):
        role = draw(role_strategy(route.name))
        post_weight = 8 if spec.post else 2
        method = "POST" if draw(st.integers(min_value=0, max_value=9)) < post_weight else "GET"
        values = [draw(part) for part in path_parts]
        filled = iter(values)
        path = "/" + CONVERTER.sub(lambda m: next(filled), route.template)
        theme = draw(THEMES)
        query = draw(field_values(spec.get, present=75, theme=theme)) if spec.get else {}
        if draw(st.integers(min_value=0, max_value=2)) == 0:
            query.update(draw(field_values(generic, present=20, theme=MIXED)))
        data = {}
        if method == "POST":
            data = draw(field_values(spec.post, present=85, theme=theme)) if spec.post else {}
            if draw(st.integers(min_value=0, max_value=2)) == 0:
                extra = draw(field_values(generic, present=20, theme=MIXED))
                data.update({k: v for k, v in extra.items() if k not in data})
            if method == "POST" and spec.post and draw(st.integers(0, 3)) == 0:
                query = {}
        headers = {}
        if draw(st.integers(min_value=0, max_value=9)) < (5 if spec.autosave else 1):
            headers["X-Autosave"] = "1"
        return FuzzRequest(route.name, role, method, path, query, data, headers)

    return build()


def traceback_summary(response) -> str:
    """The exception and the frames of the project's own code that led to it."""
    exc_info = getattr(response, "exc_info", None)
    if not exc_info:
        return "(no exception recorded)"
    frames = traceback.extract_tb(exc_info[2])
    ours = [f for f in frames if "site-packages" not in f.filename]
    shown = [*ours[-3:], *([frames[-1]] if frames and frames[-1] not in ours[-3:] else [])]
    lines = [f"    {f.filename}:{f.lineno} in {f.name}: {f.line}" for f in shown]
    exception = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
    return exception + "\n" + "\n".join(lines)


def problem_key(detail: str) -> str:
    """A problem without its values: the exception type and where it was raised."""
    first, _, rest = detail.partition("\n")
    return first.split(":")[0] + " @ " + (rest.splitlines()[-1].split(" in ")[0] if rest else "")


def error_messages(response) -> list[str]:
    storage = getattr(getattr(response, "wsgi_request", None), "_messages", None)
    queued = getattr(storage, "_queued_messages", None) or []
    return [str(m) for m in queued if m.level >= message_levels.ERROR]


# Pages that answer 200 whether or not they acted (a refusal looks the same as a success). The
# handout builder's Add, move and remove keep what was typed (issue 12): with one invalid dose
# they save the valid rows as a draft, make the change, and show the page again with the message.
ANSWER_200_EITHER_WAY = {
    "portal:request_invite",
    "logout",
    "visits:program_add",
    "visits:program_item",
    "visits:handout",
    # Issue 13: a wrong code answers 200 with the form again and counts the attempt on the hold
    # (five delete it): a refusal that changes a row by design.
    "online:confirm",
}


def refused(route_name: str, method: str, response) -> bool:
    status = response.status_code
    if 400 <= status < 500:
        return True
    if 300 <= status < 400:
        return bool(error_messages(response))
    return method == "POST" and status == 200 and route_name not in ANSWER_200_EITHER_WAY


class FuzzWorldMixin:
    """The world, a signed-in session per role, and the database's state after setting up."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.cookies = {}
        for role, user in cls.world.users.items():
            client = Client()
            if user is not None:
                client.force_login(user)
                if roles.is_clinic_staff(user):
                    # Staff pages need the second factor (issue 9): fuzz the pages, not the
                    # verification page they would all redirect to.
                    verify_second_factor(client, user)
            cls.cookies[role] = copy.deepcopy(client.cookies)
        # Tokens depend on last_login, which force_login just set: make them now.
        patient_user = cls.world.users[PATIENT]
        cls.world.strs["token"][1] = default_token_generator.make_token(patient_user)
        cls.fingerprint_sql = fingerprint_sql(watched_tables())
        cls.baseline = fingerprint(cls.fingerprint_sql)

    def client_for(self, role) -> Client:
        client = Client(raise_request_exception=False)
        client.cookies = copy.deepcopy(self.cookies[role])
        return client

    def send(self, request: FuzzRequest):
        client = self.client_for(request.role)
        headers = request.headers or None
        if request.method == "GET":
            return client.get(request.path, request.query, headers=headers)
        return client.post(request.url(), request.data, headers=headers)

    def problems(self, request: FuzzRequest, response) -> list[tuple[str, str]]:
        """What is wrong with the answer: (kind, detail) pairs; none when all is well."""
        status = response.status_code
        if status >= 500:
            return [(f"status {status}", traceback_summary(response))]
        found = []
        # The Django admin's own pages echo the search box in every link: not this app's size.
        # A streamed answer (the audit CSV) is read here to the end, as a browser would.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if len(body) > MAX_PAGE_BYTES and not request.route.startswith("admin:"):
            found.append(("page too large", f"{len(body):,} bytes"))
        if request.method == "GET" or refused(request.route, request.method, response):
            try:
                after = fingerprint(self.fingerprint_sql)
            except Exception as exc:  # noqa: BLE001 - the request broke the transaction
                found.append(("database transaction left broken", repr(exc)))
            else:
                if changed := changed_tables(self.baseline, after):
                    why = "a GET" if request.method == "GET" else "a refused request"
                    found.append((f"{why} changed rows", ", ".join(changed)))
        return found

    def failure_message(self, request, response, problems) -> str:
        lines = [f"{kind}: {detail}" for kind, detail in problems]
        location = response.get("Location") if hasattr(response, "get") else None
        answer = f"answered {response.status_code}" + (f" -> {location}" if location else "")
        if messages := error_messages(response):
            answer += f" with the message {messages}"
        return f"\n{request!r}\n  {answer}\n" + "\n".join(lines)


_reported = set()


def report(request: FuzzRequest, problems, message: str):
    """Survey mode (FUZZ_REPORT): one entry per route, method, role and kind of problem."""
    for kind, detail in problems:
        key = (request.route, request.method, request.role, kind, problem_key(detail))
        if key in _reported:
            continue
        _reported.add(key)
        with open(REPORT_FILE, "a", encoding="utf-8") as out:
            out.write(message.rstrip() + "\n" + "-" * 80 + "\n")


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class FuzzInputsTests(FuzzWorldMixin, HypothesisTestCase):
    _strategies: dict = {}

    def request_for(self, route: Route):
        key = (id(type(self)), route.name)
        if key not in self._strategies:
            specs = build_specs(self.world)
            for r in ROUTES:
                self._strategies[(id(type(self)), r.name)] = request_strategy(
                    r, specs.get(r.name, Spec()), self.world
                )
        return self._strategies[key]

    def fuzz(self, request: FuzzRequest):
        response = self.send(request)
        # Shown by --hypothesis-show-statistics: who got what, so a fuzz that never gets past
        # the door shows.
        event(f"{request.role} {request.method} -> {response.status_code}")
        problems = self.problems(request, response)
        if not problems:
            return
        message = self.failure_message(request, response, problems)
        if REPORT_FILE:
            report(request, problems, message)
            return
        raise AssertionError(message)

    def fuzz_route(self, route: Route, data):
        self.fuzz(data.draw(self.request_for(route), label="request"))

    @fuzz_settings(EXAMPLES_ADMIN)
    @given(data=st.data())
    def test_fuzz_admin_changelists(self, data):
        """A few admin pages for the manager, with junk search, ordering, paging and filters."""
        models = [
            "patients/patient",
            "patients/appointment",
            "patients/practitioner",
            "patients/appointmenttype",
            "treatments/exercise",
            "treatments/contraindication",
            "treatments/instrument",
            "auth/user",
        ]
        model = data.draw(st.sampled_from(models), label="model")
        object_page = data.draw(st.integers(min_value=0, max_value=4), label="page kind") == 0
        if object_page:
            object_id = data.draw(
                st.one_of(
                    st.sampled_from(self.world.scalars),
                    JUNK.filter(bool).map(lambda v: quote(v, safe="")),
                ),
                label="object id",
            )
            path = f"/admin/{model}/{object_id}/change/"
        else:
            path = f"/admin/{model}/"
        w = self.world
        keys = {
            "q": Gen(["Olive", "604", "calf"], "text", w),
            "o": Gen(["1", "-1", "1.2", "-2.-1", "99", "0"], "number", w),
            "p": Gen(["1", "2", "0"], "number", w),
            "e": Gen(["1"], "text", w),
            "all": Gen([""], "text", w),
            "status__exact": Gen(["booked", "cancelled"], "id", w),
            "practitioner__id__exact": Gen(w.ints["practitioner_id"], "id", w),
            "active__exact": Gen(["0", "1"], "number", w),
            "archived_at__isempty": Gen(["0", "1"], "number", w),
            "_changelist_filters": Gen(["status__exact=booked"], "text", w),
        }
        role = data.draw(
            st.sampled_from([MANAGER] * 6 + [FRONT_DESK, PHYSIO, PATIENT, ANONYMOUS]), label="role"
        )
        theme = data.draw(THEMES, label="theme")
        query = data.draw(field_values(keys, present=40, theme=theme), label="query")
        self.fuzz(FuzzRequest(f"admin:{model}", role, "GET", path, query, {}, {}))


def _route_test(route: Route, examples: int):
    @fuzz_settings(examples)
    @given(data=st.data())
    def test(self, data):
        self.fuzz_route(route, data)

    test.__doc__ = f"/{route.template} ({route.name}): any role, GET and POST, generated values."
    return test


def _install_route_tests():
    names = {"patients:create", "patients:edit", "patients:book", "patients:appointment_status"}
    form_routes = {
        "login",
        "password_change",
        "password_reset",
        "password_reset_confirm",
        "patients:list",
        "patients:schedule",
        "patients:schedule_week",
        "patients:schedule_week_pick",
        "visits:day",
        "visits:assessment",
        "visits:screening",
        "visits:treatment",
        "visits:application_add",
        "visits:handout",
        "visits:program_add",
        "visits:exercise_new",
        "visits:addendum_add",
        "visits:reassign",
        "portal:check_in",
        "portal:activate",
        "portal:request_invite",
        "portal_appointments:cancel",
        "portal_appointments:book",
        "portal_appointments:reschedule",
        "reports:dashboard",
        "instruments:cleaning",
        "online:book",
        "online:confirm",
        *names,
    }
    for route in ROUTES:
        slug = re.sub(r"\W", "_", route.name.replace(":", "__"))
        examples = EXAMPLES_FORM_PAGE if route.name in form_routes else EXAMPLES_PLAIN_PAGE
        setattr(FuzzInputsTests, f"test_fuzz_{slug}", _route_test(route, examples))


_install_route_tests()


# --- The inputs that produced a server error when this module was written -----------------------


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class KnownCrashRegressionTests(FuzzWorldMixin, TestCase):
    """One test per input the fuzz found answered with a 500 (or a 3 MB page): each must be a
    clean refusal that changes nothing."""

    def request(self, role, method, path, query=None, data=None, *, headers=None):
        route = resolve(path).view_name
        request = FuzzRequest(route, role, method, path, query or {}, data or {}, {})
        if headers:
            request.headers = headers
        response = self.send(request)
        return request, response

    def assert_clean_refusal(self, request, response, *, must_refuse=True):
        problems = self.problems(request, response)
        # Not refused: problems() did not compare the rows; compare them now.
        if (
            must_refuse
            and not problems
            and not refused(request.route, request.method, response)
            and (changed := changed_tables(self.baseline, fingerprint(self.fingerprint_sql)))
        ):
            problems.append(("the request was not refused and changed rows", ", ".join(changed)))
        if problems:
            self.fail(self.failure_message(request, response, problems))

    def visit_path(self, visit, tail=""):
        return f"/visits/{visit.uuid}/{tail}"

    def test_each_roles_session_reaches_its_home_page(self):
        """The fuzz drives the pages themselves: a staff session that stopped at the second-factor
        or lockout page would fuzz nothing but that page."""
        homes = {
            PHYSIO: "/visits/day/",
            FRONT_DESK: "/patients/schedule/",
            MANAGER: "/patients/schedule/",
            PATIENT: "/portal/",
        }
        for role, path in homes.items():
            with self.subTest(role=role):
                self.assertEqual(self.client_for(role).get(path).status_code, 200)

    def test_handout_add_with_a_non_numeric_exercise_is_a_form_error_not_500(self):
        for value in ("abc", "", "1.5"):
            with self.subTest(exercise=value):
                request, response = self.request(
                    PHYSIO,
                    "POST",
                    self.visit_path(self.world.draft_visit, "handout/add/"),
                    data={"exercise": value},
                )
                self.assert_clean_refusal(request, response)

    def test_addendum_with_a_nul_byte_is_refused_not_500(self):
        request, response = self.request(
            PHYSIO,
            "POST",
            self.visit_path(self.world.signed_visit, "addenda/"),
            data={"text": "Corrected\x00 the side."},
        )
        self.assert_clean_refusal(request, response)

    def test_portal_invitation_request_with_a_nul_byte_in_the_email_is_not_500(self):
        request, response = self.request(
            ANONYMOUS,
            "POST",
            "/portal/invitation/",
            data={"email": "ivy\x00@example.com"},
        )
        self.assert_clean_refusal(request, response, must_refuse=False)
        self.assertLess(response.status_code, 500)

    def test_handout_library_search_with_a_nul_byte_is_not_500(self):
        request, response = self.request(
            PHYSIO,
            "GET",
            self.visit_path(self.world.draft_visit, "handout/"),
            query={"q": "heel\x00"},
        )
        self.assert_clean_refusal(request, response, must_refuse=False)

    def test_my_day_at_the_ends_of_the_calendar_is_not_500(self):
        for date in ("9999-12-31", "0001-01-01"):
            with self.subTest(date=date):
                request, response = self.request(
                    PHYSIO, "GET", "/visits/day/", query={"date": date}
                )
                self.assert_clean_refusal(request, response, must_refuse=False)

    def test_booking_a_start_time_in_year_one_with_an_extreme_offset_is_a_form_error(self):
        world = self.world
        request, response = self.request(
            FRONT_DESK,
            "POST",
            "/patients/appointments/book/",
            data={
                "patient": str(world.own_patient.uuid),
                "type": str(world.follow_up.pk),
                "practitioner": str(world.practitioner.pk),
                "day": f"{future_day(0):%Y-%m-%d}",
                "start": "0001-01-01T00:00:00+14:00",
            },
        )
        self.assert_clean_refusal(request, response)

    def test_week_schedule_picker_with_a_superscript_digit_is_not_500(self):
        request, response = self.request(
            FRONT_DESK, "GET", "/patients/schedule/week/", query={"practitioner": "²"}
        )
        self.assert_clean_refusal(request, response, must_refuse=False)

    def test_appointment_status_with_an_unknown_next_is_not_500(self):
        appointment = self.world.today_appointment
        request, response = self.request(
            FRONT_DESK,
            "POST",
            f"/patients/appointments/{appointment.uuid}/status/",
            data={"status": "arrived", "next": "unknown"},
        )
        self.assert_clean_refusal(request, response, must_refuse=False)
        if 300 <= response.status_code < 400:
            self.assertTrue(response["Location"].startswith("/"), response["Location"])
        appointment.refresh_from_db()
        self.assertIn(appointment.status, ("booked", "arrived"))

    def test_portal_invitation_for_an_email_longer_than_a_username_is_refused_not_500(self):
        patient = self.world.long_email_patient
        request, response = self.request(FRONT_DESK, "POST", f"/programs/invite/{patient.uuid}/")
        self.assert_clean_refusal(request, response)
        self.assertFalse(Patient.objects.filter(pk=patient.pk, user__isnull=False).exists())

    def _thousand_rows(self, step, fields):
        request, response = self.request(
            PHYSIO,
            "POST",
            self.visit_path(self.world.draft_visit, f"{step}/"),
            data={
                **fields,
                "sites-TOTAL_FORMS": "1000",
                "sites-INITIAL_FORMS": "0",
                "sites-MIN_NUM_FORMS": "0",
                "sites-MAX_NUM_FORMS": "1000",
            },
        )
        self.assert_clean_refusal(request, response)
        self.assertLess(len(response.content), 1_000_000, "1000 rows rendered: cap the formset")

    def test_assessment_with_a_thousand_adhesion_site_rows_is_refused_quickly(self):
        self._thousand_rows("assessment", {"complaint": "Elbow pain"})

    def test_screening_with_a_thousand_other_site_rows_is_refused_quickly(self):
        self._thousand_rows("screening", {"systolic": "120", "diastolic": "80"})


def test_every_url_pattern_of_the_app_has_a_fuzz_test():
    names = {name for name in dir(FuzzInputsTests) if name.startswith("test_fuzz_")}
    assert len(ROUTES) >= 40, [r.template for r in ROUTES]
    assert len(names) == len(ROUTES) + 1, sorted(names)
