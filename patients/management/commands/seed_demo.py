"""Demo data: a manager, two physiotherapists, a front-desk user and some patients.

Every person here is invented. Running the command again changes nothing that exists already
(accounts and patients are looked up by username and by a fixed UUID), so `make run` can call it on
every start.
"""

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from patients.models import Patient, Practitioner, ReferralSource
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

        self.stdout.write(f"Demo data ready ({created} new accounts or patients).")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for entry in demo.DEMO_ACCOUNTS:
            self.stdout.write(f"  {entry['username']:<20} {entry['role']}")
