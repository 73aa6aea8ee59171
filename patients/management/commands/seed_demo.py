"""Demo data: a manager, two physiotherapists, a front-desk user, some patients, their working
hours and a few appointments from today on.

Every person here is invented. Running the command again changes nothing that exists already
(accounts and patients are looked up by username and by a fixed UUID), so `make run` can call it on
every start.
"""

import datetime
import uuid
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.utils import timezone

from patients import scheduling
from patients.models import (
    Appointment,
    AppointmentType,
    Patient,
    Practitioner,
    ReferralSource,
    WorkingHours,
)
from revere import demo, roles

STAFF = (
    # username, first, last, group, practitioner (display name, registration number)
    ("physio.moreau", "Alex", "Moreau", roles.PHYSIOTHERAPIST, ("Alex Moreau, PT", "PT-DEMO-0001")),
    (
        "physio.okafor",
        "Chidi",
        "Okafor",
        roles.PHYSIOTHERAPIST,
        ("Chidi Okafor, PT", "PT-DEMO-0002"),
    ),
    ("frontdesk", "Robin", "Lavoie", roles.FRONT_DESK, None),
)

# (fixed uuid suffix, first, last, date of birth, phone, email, portal username)
PATIENTS = (
    (
        1,
        "Mireille",
        "Tremblay",
        datetime.date(1978, 4, 12),
        "604-555-0141",
        "mireille.tremblay@example.com",
        "patient.tremblay",
    ),
    (
        2,
        "Kenji",
        "Nakamura",
        datetime.date(1990, 9, 3),
        "604-555-0142",
        "kenji.nakamura@example.com",
        "patient.nakamura",
    ),
    (
        3,
        "Adaeze",
        "Oduya",
        datetime.date(1965, 1, 27),
        "604-555-0143",
        "adaeze.oduya@example.com",
        "patient.oduya",
    ),
    (
        4,
        "Lars",
        "Eriksen",
        datetime.date(1983, 6, 30),
        "604-555-0144",
        "lars.eriksen@example.net",
        None,
    ),
    (5, "Priya", "Raman", datetime.date(2001, 11, 15), "778-555-0145", "", None),
    (
        6,
        "Tomás",
        "Quiroga",
        datetime.date(1957, 2, 8),
        "236-555-0146",
        "tomas.quiroga@example.org",
        None,
    ),
    (
        7,
        "Hannah",
        "Johnson",
        datetime.date(1995, 7, 21),
        "604-555-0147",
        "hannah.johnson@example.com",
        None,
    ),
)


def demo_patient_uuid(n: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-{n:012d}")


# Both demo physiotherapists work Monday to Friday with a lunch break.
WORKING_BLOCKS = ((datetime.time(8), datetime.time(12)), (datetime.time(13), datetime.time(17)))
INITIAL, FOLLOW_UP, CALL = (
    "Initial assessment",
    "Follow-up IASTR",
    "Free 10-minute consultation call",
)
# One day's demo appointments: (physiotherapist username, wall-clock start, type). Patients
# rotate from day to day.
DAY_PLAN = (
    ("physio.moreau", datetime.time(9, 0), FOLLOW_UP),
    ("physio.moreau", datetime.time(10, 0), INITIAL),
    ("physio.moreau", datetime.time(14, 0), FOLLOW_UP),
    ("physio.okafor", datetime.time(8, 30), CALL),
    ("physio.okafor", datetime.time(11, 0), FOLLOW_UP),
    ("physio.okafor", datetime.time(15, 30), INITIAL),
)
DEMO_DAYS = 4  # today and the next three working days
_DEMO_NAMESPACE = uuid.UUID("6f1d3c1e-4a8b-4f57-9d0e-2b7c1f0a9e55")


def demo_days(today: datetime.date) -> list[datetime.date]:
    """Today (even on a weekend, so the schedule is never empty) and the next working days."""
    days, day = [today], today
    while len(days) < DEMO_DAYS:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


class Command(BaseCommand):
    help = "Create the demo accounts and patients (synthetic), idempotently."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        created = 0

        def account(username, first, last, **extra):
            nonlocal created
            user, made = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, **extra},
            )
            if made:
                user.set_password(demo.DEMO_PASSWORD)
                user.save()
                created += 1
            return user

        manager = account(
            "manager",
            "Morgan",
            "Sato",
            is_staff=True,
            is_superuser=True,
            email="manager@example.com",
        )
        for username, first, last, group, practitioner in STAFF:
            user = account(username, first, last, email=f"{username}@example.com")
            user.groups.add(Group.objects.get(name=group))
            if practitioner:
                Practitioner.objects.get_or_create(
                    user=user,
                    defaults={
                        "display_name": practitioner[0],
                        "registration_number": practitioner[1],
                    },
                )

        patient_group = Group.objects.get(name=roles.PATIENT)
        for n, first, last, dob, phone, email, username in PATIENTS:
            portal_user = None
            if username:
                portal_user = account(username, first, last, email=email)
                portal_user.groups.add(patient_group)
            _, made = Patient.objects.get_or_create(
                uuid=demo_patient_uuid(n),
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "date_of_birth": dob,
                    "phone": phone,
                    "email": email,
                    "referral_source": ReferralSource.SELF,
                    "user": portal_user,
                    "created_by": manager,
                },
            )
            created += made

        booked = self._schedule(manager)

        self.stdout.write(
            f"Demo data ready ({created} new accounts or patients, {booked} new appointments)."
        )
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for entry in demo.DEMO_ACCOUNTS:
            self.stdout.write(f"  {entry['username']:<20} {entry['role']}")
        self._second_factor()

    def _second_factor(self):
        """Demo mode only: each demo staff login gets an authenticator with the published demo
        key (issue 9), so the second step can be shown without enrolling a phone."""
        if not settings.DEMO_MODE:
            self.stdout.write("Staff set up their second factor at their first login.")
            return
        from mfa import services as mfa_services

        for user in get_user_model().objects.filter(username__in=demo.DEMO_STAFF_USERNAMES):
            mfa_services.demo_device_ensure(user=user, key_hex=demo.DEMO_TOTP_KEY_HEX)
        self.stdout.write(
            "Staff logins then ask for a 6-digit code: `python manage.py demo_code USERNAME` "
            f"prints it, or add the demo key {demo.DEMO_TOTP_SECRET} to an authenticator app "
            "(time-based, 6 digits)."
        )

    def _schedule(self, manager) -> int:
        """Working hours for the demo physiotherapists and a few appointments from today on.

        Each appointment's uuid is derived from its date and slot, so a second run the same day,
        or the next day, finds the ones it made instead of booking them again.
        """
        physios = {
            p.user.username: p
            for p in Practitioner.objects.select_related("user").filter(
                user__username__in=[username for username, *_ in STAFF]
            )
        }
        for physio in physios.values():
            for weekday in range(5):
                for starts, ends in WORKING_BLOCKS:
                    WorkingHours.objects.get_or_create(
                        practitioner=physio, weekday=weekday, starts=starts, ends=ends
                    )
        # The types come from a data migration; load them again in case the rows were deleted.
        import_module("patients.migrations.0004_load_appointment_types").load_appointment_types(
            apps, None
        )
        types = {
            t.name: t for t in AppointmentType.objects.filter(name__in=[INITIAL, FOLLOW_UP, CALL])
        }
        patients = list(
            Patient.objects.filter(uuid__in=[demo_patient_uuid(n) for n, *_ in PATIENTS])
        )
        patients.sort(key=lambda p: p.uuid)
        if len(types) < 3 or not patients:
            return 0
        tz = timezone.get_default_timezone()
        made = 0
        for day_index, day in enumerate(demo_days(timezone.localdate())):
            for slot, (username, wall, type_name) in enumerate(DAY_PLAN):
                physio = physios.get(username)
                if physio is None:
                    continue
                type = types[type_name]
                starts_at = scheduling.local_instant(day, wall, tz)
                key = uuid.uuid5(_DEMO_NAMESPACE, f"{day.isoformat()}/{slot}")
                if Appointment.objects.filter(uuid=key).exists():
                    continue
                try:
                    with transaction.atomic():
                        Appointment.objects.create(
                            uuid=key,
                            patient=patients[(day_index + slot) % len(patients)],
                            practitioner=physio,
                            type=type,
                            starts_at=starts_at,
                            ends_at=scheduling.add_minutes(starts_at, type.minutes),
                            booked_by=manager,
                            outside_hours_reason=""
                            if day.weekday() < 5
                            else "Demo data: so that today's schedule is not empty.",
                        )
                except IntegrityError:
                    continue  # something else holds that time already; leave it
                made += 1
        return made
